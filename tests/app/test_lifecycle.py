"""What a room costs over its life: dropped once its workshop has ended, ended when abandoned,
ticked only when a timer is due, rebuilt after a restart with the outage in its log; and a
health check that tells when the rooms are stuck."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app import registry as registry_module
from app.config import Config
from app.main import create_app
from app.rooms import Room
from game import commands as cmd
from game.events import Event, to_record
from tests.app.helpers import Conn, Server
from tests.app.test_live_server import Peer, create_workshop, of_type, read_log, sign_in
from tests.live_server import LiveServer

WAIT_S = 15.0
ABANDON_S = 3600.0
IDLE_TIMEOUT_S = 10  # the shortest a turn may be left idle
OUTAGE_S = IDLE_TIMEOUT_S + 2


class Clock:
    """The server's wall clock, moved on by the test."""

    def __init__(self) -> None:
        self.now = float(int(time.time()))

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def housekeeping_at_every_tick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry_module, "HOUSEKEEPING_S", 0.0)
    monkeypatch.setattr(registry_module, "UNUSED_S", 0.0)


@contextmanager
def running(
    database: Path, clock: Callable[[], float] = time.time, **settings: Any
) -> Iterator[Server]:
    config = Config(
        database_url=f"sqlite:///{database}",
        heartbeat_s=600.0,
        tick_s=0.02,
        abandon_after_s=settings.pop("abandon_after_s", ABANDON_S),
        **settings,
    )
    app = create_app(config, clock)
    with TestClient(app) as http:
        yield Server(app, http, config)


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited in vain for {what}")
        time.sleep(0.01)


def next_where(conn: Conn, matches: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    while True:
        message = conn.recv(timeout=WAIT_S)
        if matches(message):
            return message


def ended(message: dict[str, Any]) -> bool:
    return message["type"] == "update" and message["view"]["session"]["ended"] is True


def stored_log(server: Server, workshop_id: str) -> list[Event]:
    return server.registry.store.events(workshop_id)


def ticker_runs(server: Server, times: int) -> None:
    """Wait until the rooms' clock has run `times` more times."""
    registry = server.registry
    for _ in range(times):
        before = registry.ticked_at

        def ran(before: float = before) -> bool:
            return registry.ticked_at != before

        wait_until(ran, "the rooms' clock")


# --- ended rooms leave memory ------------------------------------------------------------


def test_a_workshop_ended_while_running_leaves_memory_and_opens_again_from_its_log(
    tmp_path: Path,
) -> None:
    with running(tmp_path / "maze.db") as server, ExitStack() as stack:
        workshop = server.create_workshop()
        facilitator = server.facilitator(stack, workshop)
        player = server.join(stack, workshop.codes[0], "Ann")
        facilitator.send({"type": "end"})
        view = next_where(facilitator, ended)["view"]
        ticker_runs(server, 3)
        assert workshop.id in server.registry.rooms  # while its clients are there

        facilitator.close()
        player.close()
        wait_until(lambda: workshop.id not in server.registry.rooms, "the room to go")

        console = server.facilitator(stack, workshop)
        again = console.received[0]["view"]
        assert again["session"]["ended"] is True
        assert [p["name"] for p in again["teams"][0]["players"]] == ["Ann"]
        assert again["seq"] >= view["seq"]  # the player's leaving may come after
        console.send({"type": "start_learning"})
        console.expect_error("session_over")


def test_a_socket_that_outlived_its_ended_room_is_answered(tmp_path: Path) -> None:
    """A phone that opened the join page but has not joined is not yet one of the room's
    clients: the room may leave meanwhile. Its join is refused, not left waiting."""
    with running(tmp_path / "maze.db") as server, ExitStack() as stack:
        workshop = server.create_workshop()
        with ExitStack() as console:
            server.facilitator(console, workshop).send({"type": "end"})
        wait_until(lambda: workshop.id not in server.registry.rooms, "the room to go")
        phone = server.connect(stack, f"/ws/play/{workshop.codes[0]}")
        phone.send({"type": "ping"})
        phone.expect("pong")  # it holds the room now
        wait_until(lambda: workshop.id not in server.registry.rooms, "the room to go again")
        phone.send({"type": "join", "name": "Late"})
        phone.expect_error("session_over")


def test_the_library_renews_a_replay_made_while_the_room_ran(tmp_path: Path) -> None:
    password = "trainers only"
    with running(tmp_path / "maze.db", admin_password=password) as server, ExitStack() as stack:
        workshop = server.create_workshop()
        facilitator = server.facilitator(stack, workshop)
        url = f"/api/library/workshops/{workshop.id}/file"
        bearer = {"Authorization": f"Bearer {password}"}
        while_running = server.http.get(url, headers=bearer)
        assert while_running.status_code == 200, while_running.text
        assert "session_ended" not in while_running.text

        facilitator.send({"type": "end"})
        next_where(facilitator, ended)
        facilitator.close()
        wait_until(lambda: workshop.id not in server.registry.rooms, "the room to go")

        after = server.http.get(url, headers=bearer)
        assert after.status_code == 200, after.text
        assert after.text.rstrip().splitlines()[-1].find('"session_ended"') >= 0, after.text


# --- abandoned workshops end ----------------------------------------------------------------


def test_a_workshop_nobody_uses_is_ended_as_abandoned_dated_when_its_time_was_up(
    tmp_path: Path,
) -> None:
    clock = Clock()
    with running(tmp_path / "maze.db", clock) as server:
        abandoned, used = server.create_workshop(), server.create_workshop()
        created_at = clock.now
        clock.now += 100
        with ExitStack() as stack:  # a player comes and goes: both are commands
            ann = server.join(stack, used.codes[0], "Ann").player
        room = server.room(used.id)
        assert ann is not None
        wait_until(lambda: not room.state.teams["t1"].players[ann].connected, "Ann away")

        clock.now = created_at + ABANDON_S + 50  # noticed late
        wait_until(lambda: server.room(abandoned.id).state.ended, "the abandoned one to end")
        assert not room.state.ended
        [*_, last] = stored_log(server, abandoned.id)
        assert last.type == "session_ended"
        assert last.ts == created_at + ABANDON_S
        assert to_record(last)["reason"] == "abandoned"
        wait_until(lambda: abandoned.id not in server.registry.rooms, "its room to go")

        clock.now = created_at + 100 + ABANDON_S
        wait_until(lambda: room.state.ended, "the other one to end")
        assert stored_log(server, used.id)[-1].ts == created_at + 100 + ABANDON_S


def test_a_restart_ends_workshops_abandoned_meanwhile_without_loading_them(
    tmp_path: Path,
) -> None:
    clock = Clock()
    database = tmp_path / "maze.db"
    with running(database, clock) as server:
        old = server.create_workshop()
        created_at = clock.now
        clock.now += ABANDON_S - 10
        recent = server.create_workshop()
    clock.now += 20

    with running(database, clock) as again:
        assert old.id not in again.registry.rooms
        assert recent.id in again.registry.rooms
        [*_, last] = stored_log(again, old.id)
        assert (last.type, last.ts) == ("session_ended", created_at + ABANDON_S)
        assert to_record(last)["reason"] == "abandoned"
        assert old.id not in [w for w, _ in again.registry.store.open_workshops()]


# --- ticks --------------------------------------------------------------------------------


def test_only_rooms_with_a_timer_due_are_ticked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticks: Counter[str] = Counter()
    make_tick = Room._make_tick

    def counted(room: Room, at: float) -> cmd.Command:
        ticks[room.workshop_id] += 1
        return make_tick(room, at)

    monkeypatch.setattr(Room, "_make_tick", counted)
    clock = Clock()
    with running(tmp_path / "maze.db", clock) as server, ExitStack() as stack:
        idle, playing = server.create_workshop(), server.create_workshop()
        facilitator = server.facilitator(stack, playing)
        server.join(stack, playing.codes[0], "Ann")
        facilitator.send({"type": "start_learning"})
        walker = next_where(
            facilitator, lambda m: bool(m.get("view", {}).get("teams", [{}])[0].get("walkers"))
        )
        deadline = walker["view"]["teams"][0]["walkers"][0]["deadline"]
        ticker_runs(server, 5)
        assert ticks == Counter()  # nothing was due

        clock.now = deadline + 1
        next_where(
            facilitator, lambda m: any(e["type"] == "turn_lost" for e in m.get("events", []))
        )
        ticker_runs(server, 5)
        assert ticks[idle.id] == 0
        assert ticks[playing.id] >= 1


# --- a restart ------------------------------------------------------------------------------


def test_a_restart_records_the_outage_before_anything_else(tmp_path: Path) -> None:
    clock = Clock()
    crashed = tmp_path / "crashed.db"
    with running(tmp_path / "maze.db", clock) as server, ExitStack() as stack:
        workshop = server.create_workshop()
        facilitator = server.facilitator(stack, workshop)
        server.join(stack, workshop.codes[0], "Ann")
        facilitator.send({"type": "start_learning"})
        next_where(
            facilitator, lambda m: m["type"] == "update" and m["view"]["teams"][0]["walkers"]
        )
        clock.now += 30  # quiet, but the server is alive: its heartbeat says so
        alive = clock.now
        store = server.registry.store
        wait_until(lambda: (store.last_heartbeat() or 0) >= alive, "a heartbeat")
        told = len(stored_log(server, workshop.id))
        _copy_database(server, crashed)  # what a crash leaves behind

    clock.now += 1000
    with running(crashed, clock) as again:
        after = stored_log(again, workshop.id)[told:]
        assert [e.type for e in after] == ["server_away", "player_presence"]
        away = to_record(after[0])
        assert (away["ts"], away["since"]) == (clock.now, alive)
        ticker_runs(again, 5)
        assert "turn_lost" not in [e.type for e in stored_log(again, workshop.id)]


def _copy_database(server: Server, target: Path) -> None:
    source = server.config.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(source) as old, sqlite3.connect(target) as new:
        old.backup(new)


async def test_a_server_killed_mid_learning_logs_its_outage_which_costs_no_turn_and_no_time(
    tmp_path: Path,
) -> None:
    server = LiveServer(tmp_path)
    try:
        await asyncio.to_thread(server.start)
        await _crash_mid_learning(server)
    finally:
        server.stop()


async def _crash_mid_learning(server: LiveServer) -> None:
    rules = {"idle_timeout_s": IDLE_TIMEOUT_S}
    workshop = await create_workshop(server, {"maze": {"seed": 11}, "rules": rules})
    facilitator = Peer("facilitator")
    assert (await sign_in(server, workshop, facilitator))["type"] == "welcome"
    phones = {}
    for name in ("Ann", "Bob"):
        phone = Peer(name)
        await phone.open(server.ws(f"/ws/play/{workshop['teams'][0]['join_code']}"))
        joined = await phone.wait_for(
            of_type("welcome"), await phone.send({"type": "join", "name": name})
        )
        phones[joined["player"]] = phone
    start = await facilitator.send({"type": "start_learning"})
    await facilitator.wait_for(lambda m: "view" in m and m["view"]["teams"][0]["walkers"], start)
    [walker] = facilitator.view["teams"][0]["walkers"]
    row, col = facilitator.view["teams"][0]["path"][0]
    start = len(facilitator.messages)
    await phones[walker["player"]].send({"type": "step", "row": row, "col": col})
    await facilitator.wait_for(
        lambda m: m["type"] == "update" and m["view"]["teams"][0]["learning"]["started_at"], start
    )
    [walker] = facilitator.view["teams"][0]["walkers"]

    server.crash()
    await asyncio.sleep(OUTAGE_S)  # longer than a turn may stand idle
    await asyncio.to_thread(server.start)

    log = await read_log(server, workshop)
    told = facilitator.seq
    assert [r["type"] for r in log[told:]] == ["server_away"] + ["player_presence"] * 2
    away = log[told]
    assert away["since"] >= log[told - 1]["ts"]  # the last event before the crash
    assert away["ts"] - away["since"] >= OUTAGE_S
    assert "turn_lost" not in [r["type"] for r in log]

    console = Peer("console after the restart")
    view = (await sign_in(server, workshop, console))["view"]
    [same] = view["teams"][0]["walkers"]
    assert same["player"] == walker["player"]
    assert same["deadline"] == pytest.approx(walker["deadline"] + away["ts"] - away["since"])
    clock = view["teams"][0]["learning"]
    counted = away["ts"] - clock["started_at"] - clock["paused_s"]
    assert counted == pytest.approx(away["since"] - clock["started_at"])
    for peer in (facilitator, console, *phones.values()):
        if peer.connection is not None:
            await peer.connection.close()


# --- health -----------------------------------------------------------------------------


def test_health_names_a_stuck_store_writer_and_recovers_when_it_frees(tmp_path: Path) -> None:
    with running(tmp_path / "maze.db") as server:
        assert server.http.get("/healthz").json()["status"] == "ok"
        gate = threading.Event()
        server.registry.store._writer.submit(gate.wait)
        try:
            answer = server.http.get("/healthz")
            assert answer.status_code == 503
            assert answer.json()["status"] == "stuck"
            assert list(answer.json()["stuck"]) == ["store"]
        finally:
            gate.set()
        wait_until(lambda: server.http.get("/healthz").status_code == 200, "health again")


def test_health_names_a_stopped_clock(tmp_path: Path) -> None:
    with running(tmp_path / "maze.db") as server:
        assert server.http.get("/healthz").status_code == 200
        ticker = server.registry._ticker
        assert ticker is not None
        server.call(ticker.cancel)
        wait_until(lambda: server.http.get("/healthz").status_code == 503, "a 503")
        assert list(server.http.get("/healthz").json()["stuck"]) == ["ticker"]
