"""The hot path under load: from a walker's step to the moment its whole room has heard of it.

Starts a server process, fills it with one-team workshops of ten players (and a facilitator
console each), starts learning, and has the walker in every room step every 0.5 s, a safe step
onto the path and then a step that beeps, turn after turn. For each step it measures the time
from sending it to the moment the last socket of that room received the update it caused, and
it reads the server's CPU time over the run from /proc. The same load with fewer rooms, on a
fresh server, is the baseline the figures are compared with.

    python bench/hot_path.py [--seconds 30] [--rooms 100] [--baseline-rooms 10]

Not a test: it prints a table and exits.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
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
from tests.live_server import LiveServer

STEP_TIMEOUT_S = 10.0  # a step whose update has not reached every socket by then is lost
SETUP_CONCURRENCY = 20  # rooms being set up at once
# Messages are compact JSON starting with their type and seq: enough to time a player's copy
# without parsing the whole view.
HEAD = re.compile(r'^\{"type":"(\w+)","seq":(\d+)')

Message = dict[str, Any]


# --- the server ------------------------------------------------------------------------


def create_workshop(server: LiveServer, title: str = "Bench") -> Message:
    request = urllib.request.Request(
        server.url("/api/workshops"),
        data=json.dumps({"title": title, "rules": {"planning_s": 0}}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as reply:
        created: Message = json.loads(reply.read())
        return created


# --- rooms and their sockets -----------------------------------------------------------


@dataclass
class Pending:
    """A step on its way: sent after `after`, waiting for every socket to hear of it."""

    after: int
    sent_at: float
    heard: set[int] = field(default_factory=set)
    done: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass(eq=False)
class Room:
    server: LiveServer
    workshop: Message
    facilitator: ClientConnection | None = None
    players: dict[str, ClientConnection] = field(default_factory=dict)
    sockets: int = 0
    view: Message = field(default_factory=dict)  # the facilitator's view of the team
    seq: int = 0
    pending: Pending | None = None
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lost: int = 0
    late: int = 0
    readers: list[asyncio.Task[None]] = field(default_factory=list)

    def heard(self, index: int, kind: str, seq: int) -> None:
        pending = self.pending
        if pending is None or kind != "update" or seq <= pending.after or index in pending.heard:
            return
        pending.heard.add(index)
        if len(pending.heard) == self.sockets:
            self.latencies.append(time.perf_counter() - pending.sent_at)
            pending.done.set()

    def refused(self, text: str) -> None:
        self.errors.append(text)
        if self.pending is not None:
            self.pending.done.set()

    async def read(self, index: int, connection: ClientConnection, full: bool) -> None:
        try:
            async for raw in connection:
                text = raw if isinstance(raw, str) else raw.decode()
                if full:
                    message = json.loads(text)
                    if "view" in message:
                        self.view = message["view"]["teams"][0]
                        self.seq = message["seq"]
                    kind, seq = message["type"], message.get("seq", 0)
                elif text.startswith('{"type":"error"'):
                    kind, seq = "error", 0
                else:
                    head = HEAD.match(text)
                    kind, seq = (head.group(1), int(head.group(2))) if head else ("other", 0)
                if kind == "error":
                    self.refused(text)
                else:
                    self.heard(index, kind, seq)
        except ConnectionClosed:
            pass

    def listen(self, connection: ClientConnection, *, full: bool = False) -> None:
        index = self.sockets
        self.sockets += 1
        self.readers.append(asyncio.create_task(self.read(index, connection, full)))


async def open_socket(url: str) -> ClientConnection:
    return await connect(url, open_timeout=60, ping_interval=None, max_size=2**20)


async def first_message(connection: ClientConnection) -> Message:
    message: Message = json.loads(await asyncio.wait_for(connection.recv(), 30))
    return message


async def set_up_room(server: LiveServer, players: int, gate: asyncio.Semaphore) -> Room:
    async with gate:
        workshop = await asyncio.to_thread(create_workshop, server)
        room = Room(server, workshop)
        facilitator = await open_socket(server.ws(f"/ws/facilitate/{workshop['workshop_id']}"))
        await facilitator.send(json.dumps({"type": "auth", "token": workshop["facilitator_token"]}))
        welcome = await first_message(facilitator)
        assert welcome["type"] == "welcome", welcome
        room.facilitator = facilitator
        room.listen(facilitator, full=True)
        code = workshop["teams"][0]["join_code"]
        for number in range(1, players + 1):
            connection = await open_socket(server.ws(f"/ws/play/{code}"))
            await connection.send(json.dumps({"type": "join", "name": f"Player {number}"}))
            joined = await first_message(connection)
            assert joined["type"] == "welcome", joined
            room.players[joined["player"]] = connection
            room.listen(connection)
        await facilitator.send(json.dumps({"type": "start_learning"}))
        return room


# --- the walkers -----------------------------------------------------------------------


def next_square(team: Message) -> list[int]:
    """A safe first step onto the path when the walker is off the maze, else a beep."""
    path, board = team["path"], team["board"]
    trail = team["walkers"][0]["trail"]
    if not trail:
        square: list[int] = path[0]
        return square
    row, col = trail[-1]
    return next(
        [r, c]
        for r in range(row - 1, row + 2)
        for c in range(col - 1, col + 2)
        if 0 <= r < board["rows"] and 0 <= c < board["cols"] and [r, c] not in path
    )


async def walk(room: Room, started: float, until: float, interval: float, offset: float) -> None:
    due = started + offset
    while True:
        now = time.perf_counter()
        if due > now:
            await asyncio.sleep(due - now)
        elif now - due > interval / 2:
            room.late += 1
            due = now
        if due >= until:
            return
        due += interval
        walker = room.view["walkers"][0]["player"]
        square = next_square(room.view)
        room.pending = pending = Pending(after=room.seq, sent_at=time.perf_counter())
        await room.players[walker].send(
            json.dumps({"type": "step", "row": square[0], "col": square[1]})
        )
        try:
            await asyncio.wait_for(pending.done.wait(), STEP_TIMEOUT_S)
        except TimeoutError:
            room.lost += 1
        await wait_for_view(room, pending.after)


async def wait_for_view(room: Room, after: int) -> None:
    """The facilitator's view of the step must be in before the next one is chosen."""
    deadline = time.perf_counter() + STEP_TIMEOUT_S
    while room.seq <= after and time.perf_counter() < deadline:
        await asyncio.sleep(0.001)


# --- a run -----------------------------------------------------------------------------


@dataclass
class Result:
    rooms: int
    sockets: int
    latencies: list[float]
    beeps: int
    errors: int
    lost: int
    late: int
    server_cpu_s: float
    bench_cpu_s: float
    machine_cpu_s: float
    seconds: float


ONE_ADDRESS_ENV = {
    "JOIN_ATTEMPTS_PER_MINUTE": "1000000",
    "WORKSHOPS_PER_HOUR": "1000000",
    "MAX_SOCKETS_PER_ADDRESS": "1000000",
}


async def run(rooms: int, players: int, seconds: float, interval: float) -> Result:
    with tempfile.TemporaryDirectory(prefix="maze-bench-") as directory:
        # Every client connects from this machine: the per-address limits (wrong join codes,
        # workshops created, open sockets) must not refuse the benchmark's own load.
        server = LiveServer(Path(directory), env=ONE_ADDRESS_ENV)
        await asyncio.to_thread(server.start)
        try:
            return await drive(server, rooms, players, seconds, interval)
        finally:
            await asyncio.to_thread(server.stop)


async def drive(
    server: LiveServer, rooms: int, players: int, seconds: float, interval: float
) -> Result:
    gate = asyncio.Semaphore(SETUP_CONCURRENCY)
    all_rooms = await asyncio.gather(*(set_up_room(server, players, gate) for _ in range(rooms)))
    for room in all_rooms:
        while not room.view.get("walkers"):
            await asyncio.sleep(0.01)
    await asyncio.sleep(1)  # let the setup settle before the clock starts

    cpu_before, bench_before = server.cpu_seconds(), time.process_time()
    machine_before = machine_cpu_seconds()
    started = time.perf_counter()
    until = started + seconds
    await asyncio.gather(
        *(
            walk(room, started, until, interval, interval * n / rooms)
            for n, room in enumerate(all_rooms)
        )
    )
    elapsed = time.perf_counter() - started
    cpu_after, bench_after = server.cpu_seconds(), time.process_time()
    machine_after = machine_cpu_seconds()

    for room in all_rooms:
        for connection in [room.facilitator, *room.players.values()]:
            if connection is not None:
                await connection.close()
        for reader in room.readers:
            reader.cancel()
    return Result(
        rooms=rooms,
        sockets=sum(room.sockets for room in all_rooms),
        latencies=[latency for room in all_rooms for latency in room.latencies],
        beeps=sum(room.view["failures"] for room in all_rooms),
        errors=sum(len(room.errors) for room in all_rooms),
        lost=sum(room.lost for room in all_rooms),
        late=sum(room.late for room in all_rooms),
        server_cpu_s=cpu_after - cpu_before,
        bench_cpu_s=bench_after - bench_before,
        machine_cpu_s=machine_after - machine_before,
        seconds=elapsed,
    )


def machine_cpu_seconds() -> float:
    """Busy time of every CPU of the machine so far: to see what else competed for them."""
    with open("/proc/stat") as stat:
        ticks = [int(n) for n in stat.readline().split()[1:]]
    idle = ticks[3] + ticks[4]  # idle and iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.5)))
    return ordered[rank - 1]


def table(results: list[Result]) -> str:
    header = (
        f"{'rooms':>5} {'sockets':>7} {'steps':>6} {'beeps':>5} {'lost':>4} "
        f"{'errors':>6} {'late':>4} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7} "
        f"{'server CPU s':>12} {'CPU %':>6} {'ms/step':>7} {'bench CPU %':>11} "
        f"{'others CPU %':>12}"
    )
    lines = [header, "-" * len(header)]
    for r in results:
        ms = [1000 * percentile(r.latencies, q) for q in (0.50, 0.95, 0.99)] if r.latencies else []
        top = 1000 * max(r.latencies) if r.latencies else float("nan")
        p50, p95, p99 = ms or [float("nan")] * 3
        others = max(0.0, r.machine_cpu_s - r.server_cpu_s - r.bench_cpu_s)
        lines.append(
            f"{r.rooms:>5} {r.sockets:>7} {len(r.latencies):>6} {r.beeps:>5} {r.lost:>4} "
            f"{r.errors:>6} {r.late:>4} {p50:>7.1f} {p95:>7.1f} {p99:>7.1f} {top:>7.1f} "
            f"{r.server_cpu_s:>12.2f} {100 * r.server_cpu_s / r.seconds:>6.1f} "
            f"{1000 * r.server_cpu_s / max(1, len(r.latencies)):>7.2f} "
            f"{100 * r.bench_cpu_s / r.seconds:>11.1f} {100 * others / r.seconds:>12.1f}"
        )
    return "\n".join(lines)


def raise_open_file_limit(needed: int) -> None:
    """Each socket is a file on both ends; the server inherits this process's limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= needed:
        return
    target = needed if hard == resource.RLIM_INFINITY else min(hard, needed)
    resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    if target < needed:
        print(f"warning: only {target} open files allowed; {needed} wanted", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="stepping time per run")
    parser.add_argument("--rooms", type=int, default=100)
    parser.add_argument("--baseline-rooms", type=int, default=10)
    parser.add_argument("--players", type=int, default=10, help="players per room")
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between steps")
    args = parser.parse_args(argv)

    raise_open_file_limit(2 * args.rooms * (args.players + 1) + 256)
    results = []
    for rooms in (args.baseline_rooms, args.rooms):
        print(f"{rooms} rooms of {args.players} players, {args.seconds:g} s ...", flush=True)
        results.append(asyncio.run(run(rooms, args.players, args.seconds, args.interval)))
    print()
    print(table(results))
    print(
        "\nLatency: from sending a step to the moment the last socket of its room (players and"
        " facilitator) received the update.\nCPU %: CPU time over the stepping time (100 = one"
        f" core; this machine has {os.cpu_count()}); ms/step: the server's CPU time per step."
        " others: every other process on the"
        " machine, which competes for the same CPUs.\nlate: steps started over half an"
        " interval behind schedule."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
