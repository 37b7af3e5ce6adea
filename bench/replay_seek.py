"""Seeking in a long replay, as the trainer's replay page does it.

Starts a server with a library password, imports a log of at least --events events played by
random bots, opens its replay once, then asks for the session at random moments through
`GET /api/library/workshops/{id}/at/{seq}` and times each answer end to end (HTTP, the fold
from the nearest snapshot, the facilitator view, JSON). The baseline, in the same run, is the
same seeks folded from the start of the log in-process, without snapshots.

    python bench/replay_seek.py [--events 10000] [--seeks 200]

Not a test: it prints a table and exits.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from game.bots import play_session
from game.events import Event
from game.projections import facilitator_view
from game.replay import write_log
from game.settings import parse_maze
from game.state import fold
from tests.live_server import LiveServer

PASSWORD = "bench-library-password"


def long_log(minimum: int) -> list[Event]:
    steps = 1000
    while True:
        events = play_session(
            strategy="random",
            maze=parse_maze({"seed": 7}),
            seed=7,
            max_learning_steps=steps,
            max_execution_steps=100,
        )
        if len(events) >= minimum:
            return events
        steps *= 2


def call(server: LiveServer, path: str, body: bytes | None = None) -> bytes:
    request = urllib.request.Request(
        server.url(path),
        data=body,
        headers={"Authorization": f"Bearer {PASSWORD}", "Content-Type": "application/x-ndjson"},
        method="POST" if body is not None else "GET",
    )
    with urllib.request.urlopen(request, timeout=60) as reply:
        answer: bytes = reply.read()
        return answer


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def row(name: str, times: list[float]) -> str:
    times = sorted(times)
    p95 = times[int(len(times) * 0.95) - 1]
    return (
        f"{name:<34} {statistics.median(times):>8.1f} {p95:>8.1f} {times[-1]:>8.1f} {len(times):>6}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--seeks", type=int, default=200)
    options = parser.parse_args()
    events = long_log(options.events)
    seqs = [random.Random(1).randint(0, len(events)) for _ in range(options.seeks)]
    with tempfile.TemporaryDirectory() as folder:
        server = LiveServer(Path(folder), {"ADMIN_PASSWORD": PASSWORD})
        server.start()
        try:
            imported = json.loads(call(server, "/api/library/import", write_log(events).encode()))
            base = f"/api/library/workshops/{imported['workshop_id']}"
            opening = timed(lambda: call(server, f"{base}/replay"))
            served = [timed(lambda seq=seq: call(server, f"{base}/at/{seq}")) for seq in seqs]
        finally:
            server.stop()
    baseline = [
        timed(lambda seq=seq: json.dumps(facilitator_view(fold(events[:seq])))) for seq in seqs
    ]
    print(f"log: {len(events):,} events; opening the replay (first load): {opening:.0f} ms")
    print(f"{'seek':<34} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'seeks':>6}")
    print(row("server, HTTP, snapshots", served))
    print(row("baseline: fold from the start", baseline))


if __name__ == "__main__":
    main()
