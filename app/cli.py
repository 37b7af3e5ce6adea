"""The `electric-maze` command: serve the app, and play bot teams against it."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import math
import sys
from collections.abc import Callable
from typing import Any

from app.config import Config
from game.rules import MAX_PLAYERS, MAX_TEAMS
from game.settings import MAX_SEED


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="electric-maze", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the app")
    serve.add_argument("--host", help="address to listen on (default HOST or 127.0.0.1)")
    serve.add_argument(
        "--port", type=_whole(1, 65535), help="port (default PORT or 8000), 1 to 65535"
    )
    serve.add_argument(
        "--lan", action="store_true", help="listen on every address, for phones on the Wi-Fi"
    )

    simulate = sub.add_parser("simulate", help="bot teams play a workshop against a server")
    simulate.add_argument("--url", default="http://127.0.0.1:8000", help="the server")
    simulate.add_argument(
        "--teams", type=_whole(1, MAX_TEAMS), default=1, help="teams in the workshop"
    )
    simulate.add_argument(
        "--players", type=_whole(1, MAX_PLAYERS), default=5, help="players per team"
    )
    simulate.add_argument(
        "--strategy", default="learner", choices=("learner", "amnesiac", "random")
    )
    simulate.add_argument(
        "--think", type=_seconds(0, 60), default=0.3, help="seconds between moves"
    )
    simulate.add_argument(
        "--seed", type=_whole(0, MAX_SEED), default=0, help="the bots' seed, to replay a run"
    )
    simulate.add_argument(
        "--time-limit",
        type=_seconds(1, 86400),
        default=300.0,
        metavar="SECONDS",
        help="then the facilitator ends the learning phases and the session (default 300)",
    )
    simulate.add_argument("--quiet", action="store_true", help="print only the summary at the end")
    simulate.add_argument(
        "--join",
        action="append",
        metavar="CODE",
        help="bots join this team's code of a workshop run from the console, instead of a new"
        " workshop of their own (repeat for several teams)",
    )

    export = sub.add_parser("export", help="write a workshop's log file")
    export.add_argument("workshop_id", help="as `electric-maze library` lists it")
    export.add_argument(
        "-o", "--output", help="the file (default: electric-maze-<day>-<title>-<id>.jsonl)"
    )

    imports = sub.add_parser("import", help="add a log file to the library")
    imports.add_argument("file")

    replay = sub.add_parser("replay", help="check a log file and print its debrief")
    replay.add_argument("file")
    replay.add_argument(
        "--summary", action="store_true", help="print the debrief measures (the default)"
    )

    sub.add_parser("library", help="list the workshops in the database")
    return parser


def _whole(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number in range, or a usage line naming the range."""

    def parse(text: str) -> int:
        if not (text.isascii() and text.lstrip("-").isdigit() and len(text) <= 20):
            raise argparse.ArgumentTypeError(f"must be a whole number from {low} to {high}")
        if not low <= int(text) <= high:
            raise argparse.ArgumentTypeError(f"must be a whole number from {low} to {high}")
        return int(text)

    return parse


def _seconds(low: float, high: float) -> Callable[[str], float]:
    """An argparse type: seconds in range (NaN and infinity are not)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be seconds from {low:g} to {high:g}")
        return value

    return parse


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        return _serve(args)
    if args.command in ("export", "import", "replay", "library"):
        from app import trainer_cli

        handlers = {
            "export": lambda: trainer_cli.export(args.workshop_id, args.output),
            "import": lambda: trainer_cli.import_file(args.file),
            "replay": lambda: trainer_cli.replay(args.file),
            "library": trainer_cli.library,
        }
        return handlers[args.command]()
    if args.command == "simulate":
        from app.simulate import Bots, run_simulation

        bots = Bots(args.players, args.strategy, args.think, args.seed, args.time_limit)
        return run_simulation(
            url=args.url, teams=args.teams, bots=bots, quiet=args.quiet, join_codes=args.join
        )
    return 2


LOCAL_ONLY = (
    "This address works on this computer only: phones cannot reach it. For phones on the same"
    " Wi-Fi, restart with `HOST=0.0.0.0 make run` (or `.venv/bin/electric-maze serve --lan`),"
    " or set PUBLIC_URL."
)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    config = Config.from_env()
    if args.lan:
        config = dataclasses.replace(config, host="0.0.0.0")
    if args.host:
        config = dataclasses.replace(config, host=args.host)
    if args.port:
        config = dataclasses.replace(config, port=args.port)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    print(f"Electric Maze: open {config.base_url()}")
    if config.phones_can_reach():
        print("Phones on the same network join at this address.")
    else:
        print(LOCAL_ONLY)
    from app.main import create_app

    raise_open_files_limit()
    uvicorn.run(create_app(config), **uvicorn_options(config))
    return 0


def uvicorn_options(config: Config) -> dict[str, Any]:
    """How uvicorn serves the app. X-Forwarded-For and -Proto are believed only from the
    proxies of FORWARDED_ALLOW_IPS: with none, a client's own address is what counts."""
    proxies = list(config.forwarded_allow_ips)
    return {
        "host": config.host,
        "port": config.port,
        "ws_max_size": config.max_message_bytes,
        "ws_ping_interval": 20,
        "ws_ping_timeout": 20,
        "timeout_graceful_shutdown": config.shutdown_timeout_s,
        "proxy_headers": bool(proxies),
        "forwarded_allow_ips": proxies or None,
        "log_level": "info",
    }


def raise_open_files_limit() -> int | None:
    """Every phone holds a socket: the soft limit on open files goes up to the hard one.
    The new limit, or None where there is no such limit to raise."""
    try:
        import resource
    except ImportError:  # not on Windows
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft >= hard:
        return soft  # an infinite hard limit is not a number the kernel takes for files
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    except (ValueError, OSError):
        return soft
    return hard


if __name__ == "__main__":
    sys.exit(main())
