"""Every close code and error code that docs/protocol.md lists is produced by the case the
document names, through the real app.

The codes are read from the document's tables, so a code added there without a case here
fails `test_every_documented_code_has_a_case`. The few that no test can produce are listed in
UNREACHABLE, each with the reason.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from app.cli import uvicorn_options
from app.config import Config
from app.main import create_app
from app.security import SocketCount
from tests.app.documented import close_codes, error_codes
from tests.app.helpers import FOREIGN_ORIGIN, Closed, Conn, Server, Workshop
from tests.live_server import free_port

PASSWORD = "documented codes"
SERVER_CONFIG: dict[str, Any] = {
    "join_attempts_per_minute": 100_000,
    "token_attempts_per_minute": 100_000,
    "workshops_per_hour": 100_000,
    "admin_password": PASSWORD,
}
# A 3 by 3 board whose path goes straight down the middle column.
MAZE = {"cols": 3, "rows": 3, "path": [[0, 1], [1, 1], [2, 1]]}
PATH = [(0, 1), (1, 1), (2, 1)]
WRONG = (1, 0)  # next to the entry square, off the path: it beeps

# Codes no test can produce through the server, and why.
UNREACHABLE_ERRORS = {
    "bad_time": "the engine's guard against a command older than the log; the server stamps "
    "every command with its own clock when the room handles it",
    "no_session": "the engine's guard for a command before session_created; every room starts "
    "from its session_created",
    "session_exists": "the engine's guard against creating a session twice; a room is created "
    "once, by POST /api/workshops",
    "bad_title": "POST /api/workshops refuses a long title with 422 before the engine sees it",
    "bad_teams": "POST /api/workshops refuses a wrong number of teams with 422 first",
    "unknown_command": "the protocol turns only known messages into commands",
}
UNREACHABLE_CLOSES = {
    1000: "the server closes with 1000 only to complete a close the client began; no case "
    "of the server's own closes a socket with it",
}


# --- the server of this module, and one with tight attempt limits ------------------------


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A second app, only for the attempt limits: once they trip, its address is refused."""
    directory = tmp_path_factory.mktemp("limited")
    config = Config(
        database_url=f"sqlite:///{directory / 'maze.db'}",
        heartbeat_s=600.0,
        join_attempts_per_minute=2,
        token_attempts_per_minute=2,
        workshops_per_hour=100_000,
    )
    app = create_app(config)
    with TestClient(app) as http:
        yield Server(app, http, config)


def error(conn: Conn, code: str) -> dict[str, Any]:
    """Read past updates and metrics to the next error; it must have `code`."""
    while True:
        message = conn.recv()
        if message["type"] == "error":
            assert message["code"] == code, message
            assert message["message"].strip(), message
            return message


def closed(conn: Conn) -> int:
    return conn.expect_close()


def settle(conn: Conn) -> list[dict[str, Any]]:
    """Wait until everything sent on `conn` so far is handled; what it received meanwhile."""
    conn.send({"type": "ping"})
    seen: list[dict[str, Any]] = []
    while (message := conn.recv())["type"] != "pong":
        seen.append(message)
    return seen


def step(square: tuple[int, int]) -> dict[str, Any]:
    return {"type": "step", "row": square[0], "col": square[1]}


def walk(conn: Conn, squares: list[tuple[int, int]]) -> None:
    for square in squares:
        conn.send(step(square))
    for message in settle(conn):
        assert message["type"] != "error", message


class Scene:
    """A workshop on the module's server: its console, and phones joined by name."""

    def __init__(self, server: Server, stack: ExitStack, **body: Any) -> None:
        self.server, self.stack = server, stack
        self.workshop: Workshop = server.create_workshop(**{"maze": MAZE, **body})
        self.code = self.workshop.codes[0]
        self.console = server.facilitator(stack, self.workshop)
        self.phones: dict[str, Conn] = {}

    def join(self, *names: str) -> None:
        for name in names:
            self.phones[name] = self.server.join(self.stack, self.code, name)

    def phone(self, path: str = "play") -> Conn:
        return self.server.connect(self.stack, f"/ws/{path}/{self.code}")

    def command(self, message: dict[str, Any]) -> None:
        """A facilitator's command that the rules take."""
        self.console.send(message)
        for seen in settle(self.console):
            assert seen["type"] != "error", (message, seen)

    def refuse(self, message: dict[str, Any], code: str) -> None:
        """A facilitator's command refused with `code`."""
        self.console.send(message)
        error(self.console, code)

    def learning(self, *names: str) -> None:
        """Players joined and the learning phase started: the first one walks."""
        self.join(*names)
        self.command({"type": "start_learning"})

    def execution(self, *names: str) -> None:
        """The first player found the path; the execution phase started."""
        self.learning(*names)
        walk(self.phones[names[0]], PATH)
        self.command({"type": "start_execution"})


Case = Callable[[Server, ExitStack], None]
ERROR_CASES: dict[str, list[Case]] = {}
CLOSE_CASES: dict[int, list[Case]] = {}


def produces(*codes: str | int) -> Callable[[Case], Case]:
    def register(case: Case) -> Case:
        for code in codes:
            if isinstance(code, int):
                CLOSE_CASES.setdefault(code, []).append(case)
            else:
                ERROR_CASES.setdefault(code, []).append(case)
        return case

    return register


# --- the server's own codes -----------------------------------------------------------------


@produces("bad_message")
def _a_message_out_of_range(server: Server, stack: ExitStack) -> None:
    scene = Scene(server, stack)
    scene.join("Ann")
    cases: list[tuple[Conn, str | dict[str, Any]]] = [
        (scene.phones["Ann"], "not json"),
        (scene.phones["Ann"], {"type": "step", "row": -1, "col": 0}),
        (scene.phone("screen"), {"type": "fly"}),
        (scene.console, {"type": "huddle", "seconds": 5000}),
    ]
    for conn, message in cases:
        conn.send(message)
        error(conn, "bad_message")


@produces("rate_limited")
def _a_flood(server: Server, stack: ExitStack) -> None:
    phone = Scene(server, stack).phone()
    burst = int(server.config.messages_per_second * 2)
    for _ in range(burst + 10):
        phone.send({"type": "ping"})
    error(phone, "rate_limited")


@produces("too_many_attempts", 1008)
def _too_many_wrong_codes(_: Server, stack: ExitStack) -> None:
    server = _LIMITED[0]
    workshop = server.create_workshop()
    join = {"type": "join", "name": "Ann"}  # past the limit, a socket may wait for this
    for attempt in range(12):
        guess = server.connect(stack, f"/ws/play/ZZZZZ{'ABCDEFGHJKMN'[attempt]}")
        guess.send(join)
        if guess.recv()["code"] == "too_many_attempts":
            break
    for path, first in [
        (f"/ws/play/{workshop.codes[0]}", join),
        (f"/ws/screen/{workshop.codes[0]}", {"type": "ping"}),
    ]:
        conn = server.connect(stack, path)  # now even a right code is refused
        conn.send(first)
        error(conn, "too_many_attempts")
        assert closed(conn) == 1008


@produces("too_many_attempts", 1008)
def _too_many_wrong_tokens(_: Server, stack: ExitStack) -> None:
    server = _LIMITED[0]
    workshop = server.create_workshop()
    for _attempt in range(12):
        conn = server.connect(stack, f"/ws/facilitate/{workshop.id}")
        conn.send({"type": "auth", "token": "not the token"})
        if conn.recv()["code"] == "too_many_attempts":
            break
    conn = server.connect(stack, f"/ws/facilitate/{workshop.id}")
    conn.send({"type": "auth", "token": workshop.token})
    error(conn, "too_many_attempts")
    assert closed(conn) == 1008


@produces("too_many_sockets", 1008)
def _too_many_sockets(server: Server, stack: ExitStack) -> None:
    code = server.create_workshop().codes[0]
    counted = server.app.state.sockets
    server.app.state.sockets = SocketCount(1)  # this address may hold one socket
    try:
        server.screen(stack, code)
        extra = server.connect(stack, f"/ws/screen/{code}")
        error(extra, "too_many_sockets")
        assert closed(extra) == 1008
    finally:
        server.app.state.sockets = counted


@produces(1008)
def _a_foreign_origin(server: Server, stack: ExitStack) -> None:
    workshop = server.create_workshop()
    with (
        pytest.raises(WebSocketDisconnect) as refused,
        server.http.websocket_connect(
            f"/ws/screen/{workshop.codes[0]}", headers={"origin": FOREIGN_ORIGIN}
        ),
    ):
        pass
    assert refused.value.code == 1008


@produces("no_such_team", 4404)
def _an_unknown_join_code(server: Server, stack: ExitStack) -> None:
    for endpoint in ("play", "screen"):
        conn = server.connect(stack, f"/ws/{endpoint}/ZZZZZZ")
        error(conn, "no_such_team")
        assert closed(conn) == 4404


@produces("no_such_workshop", 4404)
def _an_unknown_workshop(server: Server, stack: ExitStack) -> None:
    conn = server.connect(stack, "/ws/facilitate/nosuchworkshop")
    conn.send({"type": "auth", "token": "x" * 32})
    error(conn, "no_such_workshop")
    assert closed(conn) == 4404


@produces("unauthorised", 4401)
def _a_wrong_token_or_no_auth(server: Server, stack: ExitStack) -> None:
    workshop = server.create_workshop()
    for first in ({"type": "auth", "token": "wrong"}, {"type": "start_learning"}):
        conn = server.connect(stack, f"/ws/facilitate/{workshop.id}")
        conn.send(first)
        error(conn, "unauthorised")
        assert closed(conn) == 4401


@produces("already_authenticated")
def _a_second_auth(server: Server, stack: ExitStack) -> None:
    scene = Scene(server, stack)
    scene.refuse({"type": "auth", "token": scene.workshop.token}, "already_authenticated")


@produces("team_required")
def _a_command_without_team(server: Server, stack: ExitStack) -> None:
    Scene(server, stack, teams=2).refuse({"type": "lock", "locked": True}, "team_required")


@produces("no_seat")
def _a_step_before_joining(server: Server, stack: ExitStack) -> None:
    scene = Scene(server, stack)
    for message in (step((0, 0)), {"type": "retrace", "row": 0, "col": 0}, {"type": "leave"}):
        phone = scene.phone()
        phone.send(message)
        error(phone, "no_seat")


@produces("already_joined")
def _a_second_seat_on_one_connection(server: Server, stack: ExitStack) -> None:
    scene = Scene(server, stack)
    scene.join("Ann")
    ann = scene.phones["Ann"]
    ann.send({"type": "join", "name": "Bob"})
    error(ann, "already_joined")
    ann.send({"type": "resume", "seat_token": ann.seat_token})
    error(ann, "already_joined")


@produces("unknown_seat")
def _a_resume_with_a_stranger_token(server: Server, stack: ExitStack) -> None:
    phone = Scene(server, stack).phone()
    phone.send({"type": "resume", "seat_token": "no-such-seat"})
    error(phone, "unknown_seat")


@produces("seat_gone", 4003)
def _a_resume_after_leaving(server: Server, stack: ExitStack) -> None:
    scene = Scene(server, stack)
    scene.join("Ann", "Bob")
    ann = scene.phones["Ann"]
    ann.send({"type": "leave"})
    assert closed(ann) == 4003
    back = scene.phone()
    back.send({"type": "resume", "seat_token": ann.seat_token})
    error(back, "seat_gone")
    bob = scene.phones["Bob"]
    scene.command({"type": "kick", "player": bob.player})
    assert closed(bob) == 4003


@produces("banned", "banned_name", 4003)
def _a_banned_seat(server: Server, stack: ExitStack) -> None:
    scene = Scene(server, stack)
    scene.join("Ann")
    ann = scene.phones["Ann"]
    scene.command({"type": "ban", "player": ann.player})
    assert closed(ann) == 4003
    back = scene.phone()
    back.send({"type": "resume", "seat_token": ann.seat_token})
    error(back, "banned")
    back.send({"type": "join", "name": "Someone else", "seat_token": ann.seat_token})
    error(back, "banned")
    back.send({"type": "join", "name": "ann"})  # the name, from another browser
    error(back, "banned_name")


@produces("replaced", 4001)
def _a_seat_opened_in_another_tab(server: Server, stack: ExitStack) -> None:
    scene = Scene(server, stack)
    scene.join("Ann")
    ann = scene.phones["Ann"]
    tab = scene.phone()
    tab.send({"type": "resume", "seat_token": ann.seat_token})
    tab.expect("resumed")
    error(ann, "replaced")
    assert closed(ann) == 4001


@produces("server_error")
def _the_store_fails(server: Server, stack: ExitStack) -> None:
    scene = Scene(server, stack)
    store = server.registry.store

    def broken(*args: Any, **kwargs: Any) -> None:
        raise OSError("disk full")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(store, "append", broken)
        scene.console.send({"type": "lock", "locked": True})
        error(scene.console, "server_error")
    scene.command({"type": "lock", "locked": True})  # nothing happened: it may be sent again


@produces(1001)
def _the_workshop_is_deleted(server: Server, stack: ExitStack) -> None:
    scene = Scene(server, stack)
    scene.join("Ann")
    screen = scene.phone("screen")
    screen.expect("snapshot")
    answer = server.http.delete(
        f"/api/library/workshops/{scene.workshop.id}",
        headers={"Authorization": f"Bearer {PASSWORD}"},
    )
    assert answer.status_code == 204, answer.text
    for conn in (scene.phones["Ann"], screen, scene.console):
        try:
            while True:
                conn.recv()
        except Closed as close:
            assert (close.code, close.reason) == (1001, "this workshop was deleted")


@produces(1009)
def _a_message_too_big(server: Server, stack: ExitStack) -> None:
    phone = Scene(server, stack).phone()
    phone.send({"type": "ping", "pad": "x" * server.config.max_message_bytes})
    assert closed(phone) == 1009


@produces(4008)
def _a_client_too_far_behind(server: Server, stack: ExitStack) -> None:
    scene = Scene(server, stack)
    scene.join("Ann")
    ann = scene.phones["Ann"]
    assert ann.player is not None
    room = server.room(scene.workshop.id)
    [client] = room.seat_clients(scene.workshop.team_ids[0], ann.player)

    def fall_behind() -> None:  # more messages at once than the queue holds, none sent yet
        for _ in range(server.config.send_queue_size + 1):
            client.send_text('{"type":"heartbeat","seq":0}')

    server.call(fall_behind)
    assert closed(ann) == 4008


@produces(1011)
def _a_client_that_never_answers_pings(_: Server, stack: ExitStack) -> None:
    """uvicorn as the server runs it (app.cli's options), but pinging every 0.2 seconds
    instead of 20; a client that never reads answers no ping and is dropped with 1011."""
    directory = Path(stack.enter_context(tempfile.TemporaryDirectory()))
    config = Config(database_url=f"sqlite:///{directory / 'maze.db'}", port=free_port())
    options = {**uvicorn_options(config), "ws_ping_interval": 0.2, "ws_ping_timeout": 0.2}
    live = uvicorn.Server(uvicorn.Config(create_app(config), **{**options, "log_level": "error"}))
    thread = threading.Thread(target=live.run, daemon=True)
    thread.start()
    stack.callback(thread.join, 10)
    stack.callback(setattr, live, "should_exit", True)
    while not live.started:
        time.sleep(0.01)
    base = f"http://127.0.0.1:{config.port}"
    request = urllib.request.Request(f"{base}/api/workshops", data=b"{}", method="POST")
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=5) as answer:
        code = json.loads(answer.read())["teams"][0]["join_code"]
    raw = stack.enter_context(socket.create_connection(("127.0.0.1", config.port), timeout=5))
    key = base64.b64encode(os.urandom(16)).decode()
    raw.sendall(
        f"GET /ws/screen/{code} HTTP/1.1\r\nHost: 127.0.0.1:{config.port}\r\n"
        f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    time.sleep(1.0)  # pings come and go unanswered
    received = b""
    while (chunk := raw.recv(65536)) and b"\r\n\r\n" not in received:
        received += chunk
    received += chunk
    head, _blank, frames = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 101"), head
    assert (1011, "keepalive ping timeout") in closes_in(frames, raw)


def closes_in(data: bytes, raw: socket.socket) -> list[tuple[int, str]]:
    """The close codes and reasons of the server's frames in `data` (reading on until a
    close comes)."""
    found: list[tuple[int, str]] = []
    while not found:
        while len(data) < 2 or len(data) < _frame_length(data):
            chunk = raw.recv(65536)
            if not chunk:
                return found
            data += chunk
        length = _frame_length(data)
        frame, data = data[:length], data[length:]
        if frame[0] & 0x0F == 0x8:  # a close frame: its code first
            header = length - (frame[1] & 0x7F) if frame[1] & 0x7F < 126 else 4
            payload = frame[header:]
            found.append((int.from_bytes(payload[:2], "big"), payload[2:].decode()))
    return found


def _frame_length(data: bytes) -> int:
    """The length of the (unmasked, server-sent) frame at the start of `data`."""
    size = data[1] & 0x7F
    if size < 126:
        return 2 + size
    if size == 126:
        return 4 + int.from_bytes(data[2:4], "big") if len(data) >= 4 else 1 << 30
    return 10 + int.from_bytes(data[2:10], "big") if len(data) >= 10 else 1 << 30


# --- the engine's codes ---------------------------------------------------------------------


@produces("session_over")
def _a_command_after_the_end(server: Server, stack: ExitStack) -> None:
    scene = Scene(server, stack)
    scene.join("Ann")
    scene.command({"type": "end"})
    scene.refuse({"type": "lock", "locked": True}, "session_over")
    ann = scene.phones["Ann"]
    ann.send(step(PATH[0]))
    error(ann, "session_over")


@produces("bad_name", "name_taken", "name_not_allowed")
def _nicknames(server: Server, stack: ExitStack) -> None:
    scene = Scene(server, stack)
    scene.join("Ann", "Bob")
    phone = scene.phone()
    for name, code in [("", "bad_name"), ("x" * 21, "bad_name"), ("b\u0007ell", "bad_name")]:
        phone.send({"type": "join", "name": name})
        error(phone, code)
    phone.send({"type": "join", "name": " ANN "})
    error(phone, "name_taken")
    phone.send({"type": "join", "name": "shithead"})
    error(phone, "name_not_allowed")
    bob = scene.phones["Bob"].player
    scene.refuse({"type": "rename", "player": bob, "name": "  "}, "bad_name")
    scene.refuse({"type": "rename", "player": bob, "name": "ann"}, "name_taken")
    scene.refuse({"type": "rename", "player": bob, "name": "puta"}, "name_not_allowed")


@produces("locked")
def _a_locked_team(server: Server, stack: ExitStack) -> None:
    scene = Scene(server, stack)
    scene.command({"type": "lock", "locked": True})
    phone = scene.phone()
    phone.send({"type": "join", "name": "Ann"})
    error(phone, "locked")


@produces("finished")
def _a_team_that_finished(server: Server, stack: ExitStack) -> None:
    scene = Scene(server, stack)
    scene.execution("Ann")
    walk(scene.phones["Ann"], PATH)  # everyone crossed: the team is done
    phone = scene.phone()
    phone.send({"type": "join", "name": "Late"})
    error(phone, "finished")


@produces("team_full")
def _a_full_team(server: Server, stack: ExitStack) -> None:
    scene = Scene(server, stack)
    scene.join(*(f"Player {n}" for n in range(30)))
    phone = scene.phone()
    phone.send({"type": "join", "name": "One too many"})
    error(phone, "team_full")


@produces("not_playing", "paused", "not_your_turn")
def _steps_out_of_turn(server: Server, stack: ExitStack) -> None:
    scene = Scene(server, stack)
    scene.join("Ann", "Bob")
    ann, bob = scene.phones["Ann"], scene.phones["Bob"]
    ann.send(step(PATH[0]))
    error(ann, "not_playing")
    scene.command({"type": "start_learning"})
    bob.send(step(PATH[0]))
    error(bob, "not_your_turn")
    scene.command({"type": "pause"})
    ann.send(step(PATH[0]))
    error(ann, "paused")


@produces("off_board", "enter_first_row", "not_adjacent", "not_retracing")
def _steps_the_board_refuses(server: Server, stack: ExitStack) -> None:
    scene = Scene(server, stack)
    scene.learning("Ann")
    ann = scene.phones["Ann"]
    for message, code in [
        (step((0, 5)), "off_board"),
        (step((1, 1)), "enter_first_row"),
        ({"type": "retrace", "row": 0, "col": 1}, "not_retracing"),
    ]:
        ann.send(message)
        error(ann, code)
    walk(ann, PATH[:1])
    ann.send(step((2, 2)))
    error(ann, "not_adjacent")


@produces("retracing")
def _a_step_while_retracing(server: Server, stack: ExitStack) -> None:
    scene = Scene(server, stack, rules={"retrace": "manual"})
    scene.learning("Ann")
    ann = scene.phones["Ann"]
    walk(ann, [PATH[0], WRONG])  # a beep: now Ann must tap her way back
    ann.send(step((0, 0)))
    error(ann, "retracing")


@produces("occupied", "which_walker")
def _two_walkers(server: Server, stack: ExitStack) -> None:
    scene = Scene(server, stack, rules={"max_walkers": 2})
    scene.execution("Ann", "Bob")
    ann, bob = scene.phones["Ann"], scene.phones["Bob"]
    walk(ann, PATH[:1])
    bob.send(step(PATH[0]))
    error(bob, "occupied")
    scene.refuse({"type": "skip_turn"}, "which_walker")


@produces("not_walking")
def _skipping_someone_who_waits(server: Server, stack: ExitStack) -> None:
    scene = Scene(server, stack)
    scene.learning("Ann", "Bob")
    scene.refuse({"type": "skip_turn", "player": scene.phones["Bob"].player}, "not_walking")


@produces("no_player", "no_team", "wrong_phase")
def _commands_for_nobody(server: Server, stack: ExitStack) -> None:
    scene = Scene(server, stack)
    scene.refuse({"type": "kick", "player": "pnobody"}, "no_player")
    scene.refuse({"type": "lock", "locked": True, "team": "t9"}, "no_team")
    scene.refuse({"type": "start_execution"}, "wrong_phase")


@produces("planning_off", "no_players", "order_fixed", "bad_order", "bad_prediction")
def _setting_up(server: Server, stack: ExitStack) -> None:
    scene = Scene(server, stack, rules={"planning_s": 0})
    scene.refuse({"type": "start_planning"}, "planning_off")
    scene.refuse({"type": "start_learning"}, "no_players")
    scene.join("Ann", "Bob")
    scene.refuse({"type": "reorder", "order": [scene.phones["Ann"].player]}, "bad_order")
    scene.refuse({"type": "predict", "seconds": 0}, "bad_prediction")
    scene.command({"type": "start_learning"})
    order = [scene.phones["Bob"].player, scene.phones["Ann"].player]
    scene.refuse({"type": "reorder", "order": order}, "order_fixed")


@produces("already_paused", "not_paused", "in_huddle", "no_huddle", "bad_huddle")
def _pauses_and_huddles(server: Server, stack: ExitStack) -> None:
    scene = Scene(server, stack, rules={"huddle_budget_s": 60})
    scene.learning("Ann")
    scene.refuse({"type": "resume"}, "not_paused")
    scene.refuse({"type": "end_huddle"}, "no_huddle")
    scene.refuse({"type": "huddle", "seconds": 600}, "bad_huddle")
    scene.command({"type": "pause"})
    scene.refuse({"type": "pause"}, "already_paused")
    scene.command({"type": "resume"})
    scene.command({"type": "huddle", "seconds": 30})
    scene.refuse({"type": "resume"}, "in_huddle")


@produces("no_huddle_left")
def _no_huddle_budget(server: Server, stack: ExitStack) -> None:
    scene = Scene(server, stack, rules={"huddle_budget_s": 0})
    scene.learning("Ann")
    scene.refuse({"type": "huddle"}, "no_huddle_left")


@produces("bad_penalty", "no_penalty")
def _penalties(server: Server, stack: ExitStack) -> None:
    scene = Scene(server, stack)
    scene.learning("Ann")
    scene.refuse({"type": "penalty", "kind": "shouting"}, "bad_penalty")
    scene.refuse({"type": "withdraw_penalty", "penalty": 999}, "no_penalty")


# --- the tests ------------------------------------------------------------------------------

_LIMITED: list[Server] = []


@pytest.fixture
def with_limited(limited: Server) -> Iterator[None]:
    _LIMITED[:] = [limited]
    yield
    _LIMITED.clear()


def test_the_documents_tables_are_read() -> None:
    """The parser finds the tables (so the tests below cannot pass on an empty list)."""
    assert {1008, 4001, 4404} <= set(close_codes())
    codes = error_codes()
    assert {"bad_message", "not_your_turn", "unknown_command"} <= set(codes)
    assert codes["bad_time"].to == "none"


def test_every_documented_code_has_a_case() -> None:
    errors, closes = error_codes(), close_codes()
    assert set(errors) - set(ERROR_CASES) - set(UNREACHABLE_ERRORS) == set()
    assert set(closes) - set(CLOSE_CASES) - set(UNREACHABLE_CLOSES) == set()
    # and nothing here that the document no longer names
    assert set(ERROR_CASES) | set(UNREACHABLE_ERRORS) <= set(errors)
    assert set(CLOSE_CASES) | set(UNREACHABLE_CLOSES) <= set(closes)
    assert not set(ERROR_CASES) & set(UNREACHABLE_ERRORS)
    # the codes the document says no client can reach are the ones listed as unreachable
    assert {code for code, e in errors.items() if e.to == "none"} == set(UNREACHABLE_ERRORS)


@pytest.mark.parametrize("code", sorted(error_codes()))
def test_each_error_code(server: Server, with_limited: None, code: str) -> None:
    if code in UNREACHABLE_ERRORS:
        pytest.skip(UNREACHABLE_ERRORS[code])
    assert code in ERROR_CASES, f"docs/protocol.md lists {code!r}: add a case that produces it"
    for case in ERROR_CASES[code]:
        with ExitStack() as stack:
            case(server, stack)


@pytest.mark.parametrize("code", sorted(close_codes()))
def test_each_close_code(server: Server, with_limited: None, code: int) -> None:
    if code in UNREACHABLE_CLOSES:
        pytest.skip(UNREACHABLE_CLOSES[code])
    assert code in CLOSE_CASES, f"docs/protocol.md lists close code {code}: add a case"
    for case in CLOSE_CASES[code]:
        with ExitStack() as stack:
            case(server, stack)
