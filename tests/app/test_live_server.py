"""The server as it is deployed: a real uvicorn process, real sockets, a crash and a restart."""

from __future__ import annotations

import asyncio
import copy
import json
import signal
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.typing import Origin

from app.config import Config
from game.events import from_record
from game.projections import public_event
from tests.live_server import LiveServer

ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT_S = 20.0
WAIT_S = 5.0
Message = dict[str, Any]


# --- a server process ------------------------------------------------------------------


@pytest.fixture
def fresh_server(tmp_path: Path) -> Iterator[LiveServer]:
    server = LiveServer(tmp_path)
    try:
        server.start()
        yield server
    finally:
        server.stop()


def _request(url: str, body: Message | None = None, token: str | None = None) -> bytes:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    with urllib.request.urlopen(urllib.request.Request(url, data, headers), timeout=5) as reply:
        content: bytes = reply.read()
        return content


async def create_workshop(server: LiveServer, body: Message) -> Message:
    raw = await asyncio.to_thread(_request, f"{server.http}/api/workshops", body)
    created: Message = json.loads(raw)
    return created


async def read_log(server: LiveServer, workshop: Message) -> list[Message]:
    url = f"{server.http}/api/workshops/{workshop['workshop_id']}/log"
    raw = await asyncio.to_thread(_request, url, None, workshop["facilitator_token"])
    return [json.loads(line) for line in raw.decode().splitlines()]


# --- a client --------------------------------------------------------------------------


@dataclass(eq=False)
class Peer:
    """One client across its connections: what it was told, in order."""

    name: str
    messages: list[Message] = field(default_factory=list)
    events: list[Message] = field(default_factory=list)
    base: int | None = None  # the seq of the first welcome or snapshot it got
    seq: int = 0  # the highest seq it has been told about
    view: Message = field(default_factory=dict)
    player: str | None = None
    seat_token: str | None = None
    connection: ClientConnection | None = None
    reader: asyncio.Task[None] | None = None

    async def open(self, url: str) -> None:
        self.connection = await connect(url, open_timeout=WAIT_S)
        self.reader = asyncio.create_task(self._read(self.connection))

    async def _read(self, connection: ClientConnection) -> None:
        try:
            async for text in connection:
                self._take(json.loads(text))
        except ConnectionClosed:
            pass

    def _take(self, message: Message) -> None:
        self.messages.append(message)
        if message["type"] in ("welcome", "snapshot") and self.base is None:
            self.base = message["seq"]
        if message["type"] in ("welcome", "snapshot", "resumed", "update"):
            self.events.extend(message.get("events", []))
            self.seq = max(self.seq, message["seq"])
            self.view = message["view"]

    async def send(self, message: Message) -> int:
        """Send; the index its answer will come after."""
        assert self.connection is not None
        start = len(self.messages)
        await self.connection.send(json.dumps(message))
        return start

    async def wait_for(self, matches: Callable[[Message], bool], start: int = 0) -> Message:
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            for message in self.messages[start:]:
                if matches(message):
                    return message
            await asyncio.sleep(0.005)
        raise AssertionError(f"{self.name} waited in vain; last: {self.messages[-3:]}")

    async def gone(self) -> None:
        """Wait until the connection has ended."""
        assert self.reader is not None
        await asyncio.wait_for(self.reader, WAIT_S)

    def event_seqs(self) -> list[int]:
        return [event["seq"] for event in self.events]


async def caught_up(peers: list[Peer], seq: int) -> None:
    deadline = time.monotonic() + WAIT_S
    while any(peer.seq < seq for peer in peers):
        if time.monotonic() > deadline:
            behind = {peer.name: peer.seq for peer in peers if peer.seq < seq}
            raise AssertionError(f"still behind seq {seq}: {behind}")
        await asyncio.sleep(0.005)


def of_type(kind: str) -> Callable[[Message], bool]:
    return lambda message: message["type"] == kind


def answer_after(seq: int) -> Callable[[Message], bool]:
    return lambda m: m["type"] == "error" or (m["type"] == "update" and m["seq"] > seq)


# --- a game ----------------------------------------------------------------------------


@dataclass
class Game:
    """A one-team workshop played over real sockets, moves chosen from the facilitator view."""

    server: LiveServer
    workshop: Message
    facilitator: Peer
    screen: Peer
    players: dict[str, Peer]

    @property
    def everyone(self) -> list[Peer]:
        return [self.facilitator, self.screen, *self.players.values()]

    @property
    def team(self) -> Message:
        team: Message = self.facilitator.view["teams"][0]
        return team

    @property
    def walker(self) -> Message:
        walkers: list[Message] = self.team["walkers"]
        assert len(walkers) == 1, walkers
        return walkers[0]

    async def act(self, peer: Peer, message: Message) -> Message:
        """Send a move or command, and wait until every client has heard what it did."""
        before = peer.seq
        start = await peer.send(message)
        answer = await peer.wait_for(answer_after(before), start)
        assert answer["type"] == "update", answer
        await caught_up(self.everyone, answer["seq"])
        return answer

    def safe_square(self) -> list[int]:
        square: list[int] = self.team["path"][self.walker["position"] + 1]
        return square

    def wrong_square(self) -> list[int]:
        """A square next to the walker (or in the first row) that is off the path."""
        board, path, trail = self.team["board"], self.team["path"], self.walker["trail"]
        if trail:
            row, col = trail[-1]
            near = [[row + dr, col + dc] for dr in (-1, 0, 1) for dc in (-1, 0, 1)]
        else:
            near = [[0, col] for col in range(board["cols"])]
        return next(
            square
            for square in near
            if 0 <= square[0] < board["rows"] and 0 <= square[1] < board["cols"]
            if square not in path
        )

    def step_message(self, square: list[int]) -> tuple[Peer, Message]:
        peer = self.players[self.walker["player"]]
        return peer, {"type": "step", "row": square[0], "col": square[1]}

    async def safe_step(self) -> Message:
        return await self.act(*self.step_message(self.safe_square()))

    async def beep(self) -> None:
        answer = await self.act(*self.step_message(self.wrong_square()))
        assert [e["type"] for e in answer["events"]][:2] == ["beeped", "turn_began"]

    def team_url(self, endpoint: str) -> str:
        return self.server.ws(f"/ws/{endpoint}/{self.workshop['teams'][0]['join_code']}")


async def sign_in(server: LiveServer, workshop: Message, peer: Peer, **extra: Any) -> Message:
    await peer.open(server.ws(f"/ws/facilitate/{workshop['workshop_id']}"))
    start = await peer.send({"type": "auth", "token": workshop["facilitator_token"], **extra})
    return await peer.wait_for(lambda m: m["type"] in ("welcome", "resumed", "error"), start)


async def set_up_game(server: LiveServer, names: list[str]) -> Game:
    workshop = await create_workshop(server, {"title": "Live", "maze": {"seed": 11}})
    code = workshop["teams"][0]["join_code"]
    facilitator = Peer("facilitator")
    assert (await sign_in(server, workshop, facilitator))["type"] == "welcome"
    screen = Peer("screen")
    await screen.open(server.ws(f"/ws/screen/{code}"))
    await screen.wait_for(of_type("snapshot"))
    game = Game(server, workshop, facilitator, screen, {})
    for name in names:
        peer = Peer(name)
        await peer.open(game.team_url("play"))
        welcome = await peer.wait_for(
            of_type("welcome"), await peer.send({"type": "join", "name": name})
        )
        peer.player, peer.seat_token = welcome["player"], welcome["seat_token"]
        game.players[welcome["player"]] = peer
        await caught_up(game.everyone, welcome["seq"])
    return game


def assert_no_gap_no_duplicate(peers: list[Peer]) -> None:
    for peer in peers:
        assert peer.base is not None
        assert peer.event_seqs() == list(range(peer.base + 1, peer.seq + 1)), peer.name


def comparable(view: Message) -> Message:
    """A facilitator view without what a restart rightly changes."""
    view = copy.deepcopy(view)
    for name in ("seq", "clock"):  # the restart appends its outage and a presence per player
        view.pop(name)
    view["session"].pop("outages")
    for team in view["teams"]:
        for phase in ("learning", "execution"):  # their clocks leave the outage out
            team[phase].pop("paused_s")
        for player in team["players"]:
            player.pop("connected")
        for walker in team["walkers"]:
            walker.pop("deadline")
    return view


# --- the tests -------------------------------------------------------------------------


async def test_a_crash_loses_nothing_a_client_saw_and_the_game_goes_on(tmp_path: Path) -> None:
    server = LiveServer(tmp_path)
    try:
        await asyncio.to_thread(server.start)
        await _crash_and_recover(server)
    finally:
        server.stop()


async def _crash_and_recover(server: LiveServer) -> None:
    game = await set_up_game(server, ["Ann", "Bob", "Cyd", "Dee"])
    facilitator, players = game.facilitator, game.players
    await game.act(facilitator, {"type": "start_learning"})
    await game.safe_step()
    await game.safe_step()
    await game.beep()
    await game.beep()
    await game.safe_step()
    await game.safe_step()
    assert game.team["failures"] == 2

    # One more step, and the server dies as soon as the facilitator has heard of it.
    peer, step = game.step_message(game.safe_square())
    before_seq = facilitator.seq
    start = len(facilitator.messages)
    await peer.send(step)
    await facilitator.wait_for(answer_after(before_seq), start)
    server.crash()
    for client in game.everyone:
        await client.gone()
    view_before, order_before = facilitator.view, [p["id"] for p in game.team["players"]]
    walker_before = game.walker["player"]
    told = max(client.seq for client in game.everyone)
    assert told == facilitator.seq

    await asyncio.to_thread(server.start)
    log = await read_log(server, game.workshop)

    # Every event any client heard of is in the log, as it was told.
    assert [record["seq"] for record in log] == list(range(1, len(log) + 1))
    assert all(client.seq <= told <= len(log) for client in game.everyone)
    assert facilitator.base is not None
    assert facilitator.events == log[facilitator.base : told]
    for client in [game.screen, *players.values()]:
        for event in client.events:
            assert event == public_event(from_record(log[event["seq"] - 1])), client.name
    # What the restart added: the outage first, then each player marked away; nothing else.
    assert log[told]["type"] == "server_away"
    assert sorted((r["type"], r["player"], r["connected"]) for r in log[told + 1 :]) == sorted(
        ("player_presence", player, False) for player in order_before
    )

    # The facilitator comes back to the same game.
    resumed = await sign_in(server, game.workshop, facilitator, last_seq=facilitator.seq)
    assert resumed["type"] == "resumed"
    assert resumed["events"] == log[told:]
    assert comparable(resumed["view"]) == comparable(view_before)
    assert resumed["view"]["seq"] == view_before["seq"] + 1 + len(players)
    assert not any(p["connected"] for p in game.team["players"])

    # Participants take their seats back and hear what they missed, once each.
    screen = Peer("screen after the restart")
    await screen.open(game.team_url("screen"))
    assert (await screen.wait_for(of_type("snapshot")))["seq"] == len(log)
    game.screen = screen
    for player, peer in players.items():
        await peer.open(game.team_url("play"))
        last_seq = peer.seq
        start = await peer.send(
            {"type": "resume", "seat_token": peer.seat_token, "last_seq": last_seq}
        )
        answer = await peer.wait_for(lambda m: m["type"] in ("resumed", "error"), start)
        assert answer["type"] == "resumed", answer
        assert answer["player"] == player
        assert answer["view"]["you"]["id"] == player
        assert answer["events"][0]["seq"] == last_seq + 1
    await caught_up(game.everyone, told + 1 + 2 * len(players))
    assert_no_gap_no_duplicate(game.everyone)
    assert all(p["connected"] for p in game.team["players"])
    assert [p["id"] for p in game.team["players"]] == order_before
    assert game.walker["player"] == walker_before

    # And the game can be played to the end.
    while game.team["phase"] == "learning":
        await game.safe_step()
    assert game.team["phase"] == "review"
    started = await game.act(facilitator, {"type": "start_execution"})
    assert started["events"][0]["order"] == order_before
    while game.team["phase"] == "execution":
        await game.safe_step()
    assert game.team["phase"] == "done"
    assert all(p["crossed"] for p in game.team["players"])
    await game.act(facilitator, {"type": "end"})
    assert facilitator.view["session"]["ended"]
    assert_no_gap_no_duplicate(game.everyone)
    log = await read_log(server, game.workshop)
    assert facilitator.events == log[facilitator.base :]
    assert log[-1]["type"] == "session_ended"
    for client in game.everyone:
        assert client.connection is not None
        await client.connection.close()

    # After another restart the ended workshop is still there for its console and debrief.
    await asyncio.to_thread(server.stop)
    await asyncio.to_thread(server.start)
    console = Peer("console after the end")
    welcome = await sign_in(server, game.workshop, console)
    assert welcome["type"] == "welcome", welcome
    assert welcome["view"]["session"]["ended"] is True
    assert comparable(welcome["view"]) == comparable(facilitator.view)
    assert await read_log(server, game.workshop) == log
    url = f"{server.http}/api/workshops/{game.workshop['workshop_id']}/metrics"
    metrics = json.loads(await asyncio.to_thread(_request, url, None, facilitator_token(game)))
    [team_metrics] = metrics["teams"].values()
    assert (team_metrics["phase"], team_metrics["learning"]["failures"]["total"]) == ("debrief", 2)
    assert console.connection is not None
    await console.connection.close()

    # No token ever reached the server's log, though every request and socket is logged there.
    output = server.log_path.read_text(errors="replace")
    assert f"/ws/play/{game.workshop['teams'][0]['join_code']}" in output
    tokens = [facilitator_token(game), *(peer.seat_token for peer in players.values())]
    for token in tokens:
        assert token and token not in output


def facilitator_token(game: Game) -> str:
    token: str = game.workshop["facilitator_token"]
    return token


async def test_a_graceful_stop_with_open_sockets_does_not_hang(fresh_server: LiveServer):
    game = await set_up_game(fresh_server, ["Ann"])
    await game.act(game.facilitator, {"type": "start_learning"})
    silent = Peer("facilitator who never signs in")
    await silent.open(fresh_server.ws(f"/ws/facilitate/{game.workshop['workshop_id']}"))
    clients = [*game.everyone, silent]

    began = time.monotonic()
    fresh_server.signal(signal.SIGTERM)
    assert fresh_server.process is not None
    await asyncio.to_thread(fresh_server.process.wait, Config().shutdown_timeout_s)
    took = time.monotonic() - began

    assert took < Config().shutdown_timeout_s / 2, took
    for client in clients:
        await client.gone()
        assert client.connection is not None
        assert client.connection.close_code == 1012, client.name  # service restart
    log = fresh_server.log()
    assert "Application shutdown complete" in log
    assert "Traceback" not in log, log


async def test_a_message_over_the_limit_closes_the_socket_with_1009(
    live_server: LiveServer,
):
    workshop = await create_workshop(live_server, {})
    peer = Peer("big talker")
    await peer.open(live_server.ws(f"/ws/play/{workshop['teams'][0]['join_code']}"))
    assert peer.connection is not None
    limit = Config().max_message_bytes

    await peer.connection.send("x" * (limit - 1000))  # under the limit: only a bad message
    assert (await peer.wait_for(of_type("error")))["code"] == "bad_message"

    await peer.connection.send("x" * (limit + 1))
    await peer.gone()
    assert peer.connection.close_code == 1009


@pytest.mark.parametrize("endpoint", ["play", "screen", "facilitate"])
async def test_a_page_from_another_site_cannot_open_a_socket(
    live_server: LiveServer, endpoint: str
):
    workshop = await create_workshop(live_server, {})
    key = workshop["workshop_id"] if endpoint == "facilitate" else workshop["teams"][0]["join_code"]
    url = live_server.ws(f"/ws/{endpoint}/{key}")
    first: Message = {"type": "ping"}
    expected = {"play": "pong", "screen": "snapshot", "facilitate": "welcome"}[endpoint]
    if endpoint == "facilitate":
        first = {"type": "auth", "token": workshop["facilitator_token"]}

    with pytest.raises(InvalidStatus) as refused:
        await connect(url, origin=Origin("https://evil.example"), open_timeout=WAIT_S)
    assert refused.value.response.status_code == 403

    for origin in (None, Origin(live_server.http)):  # a script, and the app's own pages
        async with connect(url, origin=origin, open_timeout=WAIT_S) as connection:
            await connection.send(json.dumps(first))
            reply = json.loads(await asyncio.wait_for(connection.recv(), WAIT_S))
            assert reply["type"] == expected, reply


async def test_a_flood_gets_an_error_and_the_connection_stays_open(live_server: LiveServer):
    workshop = await create_workshop(live_server, {})
    peer = Peer("flooder")
    await peer.open(live_server.ws(f"/ws/play/{workshop['teams'][0]['join_code']}"))
    assert peer.connection is not None
    burst = Config().messages_per_second * 2
    text = json.dumps({"type": "ping"})
    await asyncio.gather(*(peer.connection.send(text) for _ in range(1_000)))
    await peer.wait_for(of_type("error"))
    await asyncio.sleep(0.5)  # what the server still sends, and the rate limit refills a bit
    assert peer.reader is not None and not peer.reader.done(), peer.connection.close_code
    errors = [m for m in peer.messages if m["type"] == "error"]
    assert {m["code"] for m in errors} == {"rate_limited"}
    assert len(errors) <= 3  # at most one a second
    assert len([m for m in peer.messages if m["type"] == "pong"]) >= burst

    start = await peer.send({"type": "ping"})  # it still works
    await peer.wait_for(of_type("pong"), start)
    await peer.connection.close()
