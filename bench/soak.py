"""What games leave behind: a server's memory, files, threads and idle CPU after many of them.

Starts a server process that ends workshops abandoned for a few seconds, reads what the server
holds at the start, then plays and ends many short games (a workshop created over HTTP, phones
joining over WebSocket, learning started from the console, a few steps, the session ended,
every socket closed), reads again once their rooms may have gone, then creates as many
workshops and leaves them, and reads again once they have expired. What is read, from /proc:
the server's resident memory, open file descriptors, threads, and its CPU time over an idle
window. Every connection stays on this machine.

    python bench/soak.py [--games 1000] [--rounds 1] [--abandoned 1000] [--abandon-after 5]

With --rounds 2 or more the games are played again after each reading: memory that keeps
growing round after round is kept by the server; memory that grows once is the allocator's
high-water mark.

Not a test: it prints a table and exits.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench import hot_path
from tests.live_server import LiveServer

CONCURRENCY = 20  # games, or workshops being created, at once
PHONES = 3
STEPS = 4
GAME_TIMEOUT_S = 60.0  # a game not over by then counts as failed
IDLE_WINDOW_S = 10.0
# Ended rooms leave once unused for a minute at most; abandoned ones first have to be noticed.
SETTLE_S = 70.0
Message = dict[str, Any]


# --- what the server holds ---------------------------------------------------------------


@dataclass
class Reading:
    when: str
    rss_mb: float
    fds: int
    threads: int
    idle_cpu_percent: float
    rooms: str  # as /healthz says, when it does


def read_server(server: LiveServer, when: str) -> Reading:
    assert server.process is not None
    proc = Path(f"/proc/{server.process.pid}")
    status = dict(
        line.split(":", 1) for line in (proc / "status").read_text().splitlines() if ":" in line
    )
    cpu_before = server.cpu_seconds()
    time.sleep(IDLE_WINDOW_S)
    idle_cpu = server.cpu_seconds() - cpu_before
    return Reading(
        when=when,
        rss_mb=int(status["VmRSS"].split()[0]) / 1024,
        fds=len(list((proc / "fd").iterdir())),
        threads=int(status["Threads"]),
        idle_cpu_percent=100 * idle_cpu / IDLE_WINDOW_S,
        rooms=str(health(server).get("rooms", "?")),
    )


def health(server: LiveServer) -> Message:
    with urllib.request.urlopen(server.url("/healthz"), timeout=10) as reply:
        answer: Message = json.loads(reply.read())
        return answer


# --- a game ------------------------------------------------------------------------------


def create_workshop(server: LiveServer) -> Message:
    return hot_path.create_workshop(server, title="Soak")


@dataclass
class Console:
    """The facilitator's socket: the latest view and seq it was told of."""

    connection: ClientConnection
    view: Message = field(default_factory=dict)
    seq: int = 0
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def read(self) -> None:
        try:
            async for text in self.connection:
                message = json.loads(text)
                if "view" in message:
                    self.view, self.seq = message["view"], message["seq"]
                    self.changed.set()
        except ConnectionClosed:
            pass

    async def until(self, done: Any) -> None:
        while not (self.view and done(self.view)):
            self.changed.clear()
            await self.changed.wait()

    async def act(self, connection: ClientConnection, message: Message) -> None:
        """Send, and wait until the console heard of what it did."""
        before = self.seq
        await connection.send(json.dumps(message))
        await self.until(lambda _: self.seq > before)


async def drain(connection: ClientConnection) -> None:
    try:
        async for _ in connection:
            pass
    except ConnectionClosed:
        pass


async def play_one(server: LiveServer) -> None:
    workshop = await asyncio.to_thread(create_workshop, server)
    code = workshop["teams"][0]["join_code"]
    sockets: list[ClientConnection] = []
    readers: list[asyncio.Task[None]] = []
    try:
        facilitator = await connect(server.ws(f"/ws/facilitate/{workshop['workshop_id']}"))
        sockets.append(facilitator)
        console = Console(facilitator)
        readers.append(asyncio.create_task(console.read()))
        await facilitator.send(json.dumps({"type": "auth", "token": workshop["facilitator_token"]}))
        phones: dict[str, ClientConnection] = {}
        for number in range(1, PHONES + 1):
            phone = await connect(server.ws(f"/ws/play/{code}"))
            sockets.append(phone)
            await phone.send(json.dumps({"type": "join", "name": f"Phone {number}"}))
            welcome = json.loads(await phone.recv())
            assert welcome["type"] == "welcome", welcome
            phones[welcome["player"]] = phone
            readers.append(asyncio.create_task(drain(phone)))
        await console.act(facilitator, {"type": "start_learning"})
        await console.until(lambda view: view["teams"][0]["walkers"])
        for _ in range(STEPS):
            team = console.view["teams"][0]
            walker = team["walkers"][0]
            row, col = next_square(team, walker["trail"])
            step = {"type": "step", "row": row, "col": col}
            await console.act(phones[walker["player"]], step)
        await console.act(facilitator, {"type": "end"})
        assert console.view["session"]["ended"], console.view["session"]
    finally:
        for connection in sockets:
            await connection.close()
        for reader in readers:
            reader.cancel()


def next_square(team: Message, trail: list[list[int]]) -> list[int]:
    """Onto the path when off the maze, else a square off the path next to the walker."""
    path, board = team["path"], team["board"]
    if not trail:
        first: list[int] = path[0]
        return first
    row, col = trail[-1]
    return next(
        [r, c]
        for r in range(row - 1, row + 2)
        for c in range(col - 1, col + 2)
        if 0 <= r < board["rows"] and 0 <= c < board["cols"] and [r, c] not in path
    )


async def in_parallel(count: int, work: Any) -> int:
    """Run `work()` `count` times, CONCURRENCY at once; how many failed."""
    gate = asyncio.Semaphore(CONCURRENCY)
    failed = 0

    async def one() -> None:
        nonlocal failed
        async with gate:
            try:
                await asyncio.wait_for(work(), GAME_TIMEOUT_S)
            except Exception as error:
                failed += 1
                if failed <= 3:
                    print(f"  failed: {error!r}", file=sys.stderr)

    await asyncio.gather(*(one() for _ in range(count)))
    return failed


# --- a run -------------------------------------------------------------------------------


async def soak(
    server: LiveServer, games: int, rounds: int, abandoned: int, settle: float
) -> list[Reading]:
    readings = [await asyncio.to_thread(read_server, server, "start")]

    for round_ in range(1, rounds + 1):
        began = time.monotonic()
        failed = await in_parallel(games, lambda: play_one(server))
        print(f"{games} games played in {time.monotonic() - began:.0f} s ({failed} failed)")
        await asyncio.sleep(settle)
        when = f"after {round_ * games} games"
        readings.append(await asyncio.to_thread(read_server, server, when))

    began = time.monotonic()
    failed = await in_parallel(abandoned, lambda: asyncio.to_thread(create_workshop, server))
    print(f"{abandoned} workshops created in {time.monotonic() - began:.0f} s ({failed} failed)")
    await asyncio.sleep(settle)
    readings.append(await asyncio.to_thread(read_server, server, f"after {abandoned} abandoned"))
    return readings


def table(readings: list[Reading]) -> str:
    header = f"{'':<22} {'RSS MB':>7} {'fds':>5} {'threads':>7} {'idle CPU %':>10} {'rooms':>5}"
    lines = [header, "-" * len(header)]
    for r in readings:
        lines.append(
            f"{r.when:<22} {r.rss_mb:>7.1f} {r.fds:>5} {r.threads:>7} "
            f"{r.idle_cpu_percent:>10.1f} {r.rooms:>5}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--games", type=int, default=1000)
    parser.add_argument(
        "--rounds", type=int, default=1, help="how many times the games are played, each read"
    )
    parser.add_argument("--abandoned", type=int, default=1000)
    parser.add_argument(
        "--abandon-after", type=float, default=5.0, help="ABANDON_AFTER_S of the server"
    )
    parser.add_argument(
        "--settle", type=float, default=SETTLE_S, help="seconds between a load and its reading"
    )
    args = parser.parse_args(argv)
    env = {
        "ABANDON_AFTER_S": f"{args.abandon_after:g}",
        # Every client is on this machine: the per-address limits must not refuse the load.
        "WORKSHOPS_PER_HOUR": "1000000",
        "JOIN_ATTEMPTS_PER_MINUTE": "1000000",
        "TOKEN_ATTEMPTS_PER_MINUTE": "1000000",
        "MAX_SOCKETS_PER_ADDRESS": "1000000",
    }
    with tempfile.TemporaryDirectory(prefix="maze-soak-") as directory:
        server = LiveServer(Path(directory), env=env)
        server.start()
        try:
            readings = asyncio.run(
                soak(server, args.games, args.rounds, args.abandoned, args.settle)
            )
        finally:
            server.stop()
    print()
    print(table(readings))
    print(
        f"\nidle CPU %: the server's CPU time over {IDLE_WINDOW_S:g} s with no client (100 = one"
        f" core); each reading is taken {args.settle:g} s after its load, so that ended and"
        " abandoned rooms may have left; rooms: the rooms in memory, as /healthz tells."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
