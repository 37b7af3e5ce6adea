"""Fuzzing the three WebSocket endpoints through the real app with hypothesis.

Every message type each audience may send (app/protocol.py) is taken from a valid example and
mutated: a field dropped, an unknown one added, a value swapped for one of the wrong type, a
number huge, negative, fractional or not a number, text in any script, the whole frame cut
short, nested deep, or sent as a binary frame. For each, on a fresh workshop whose learning
phase is under way:

- the server answers without failing: no `server_error`, nothing logged at ERROR, every
  `error` carries a code of docs/protocol.md's tables, every close a documented close code;
- a message the protocol's own description (docs/protocol.md, restated in FIELDS below)
  says is malformed is answered with exactly one `error` `bad_message`, and nothing changes;
- the room is still playable: a new console signs in, a new phone joins, the walker can
  step, and the room's state is the fold of its log.
"""

from __future__ import annotations

import json
import math
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, note, settings
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from game.projections import facilitator_view, participant_view
from game.state import fold
from tests.app.documented import Recorder, close_codes, error_codes, recording_logs
from tests.app.helpers import Closed, Conn, Server, Workshop
from tests.live_server import LiveServer

SERVER_CONFIG: dict[str, Any] = {
    "join_attempts_per_minute": 1_000_000,
    "token_attempts_per_minute": 1_000_000,
    "workshops_per_hour": 1_000_000,
    "messages_per_second": 1000.0,
}
MAZE = {"cols": 4, "rows": 4, "path": [[0, 1], [1, 1], [2, 2], [3, 2]]}
ERROR_CODES = frozenset(error_codes())
CLOSE_CODES = frozenset(close_codes())
SERVER_SENDS = {"welcome", "snapshot", "resumed", "update", "metrics", "pong", "heartbeat", "error"}


def fuzz(count: int) -> settings:
    return settings(
        max_examples=count,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )


# --- what docs/protocol.md says each field takes ------------------------------------------


def _whole(value: Any, low: int | None = None, high: int | None = None) -> bool:
    """A JSON integer (never 1.0, "1" or true) within the bounds."""
    if type(value) is not int:
        return False
    return (low is None or value >= low) and (high is None or value <= high)


def _text(value: Any, low: int, high: int) -> bool:
    return isinstance(value, str) and low <= len(value) <= high


def _seconds(value: Any) -> bool:
    """A huddle's length: a number, more than 0 and at most 3600, or null."""
    if value is None:
        return True
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return not math.isnan(value) and 0 < value <= 3600


# Field: whether a value is one the protocol takes. Fields the document says may be null;
# other optional fields' null is not judged (the document does not say).
NULLABLE = {("auth", "last_seq"), ("huddle", "seconds"), ("skip_turn", "player")}
OPTIONAL = {("join", "seat_token"), *((kind, "team") for kind in ("huddle", "penalty"))}
Check = Callable[[Any], bool]
FIELDS: dict[str, dict[str, Check]] = {
    "join": {"name": lambda v: _text(v, 0, 100), "seat_token": lambda v: _text(v, 1, 100)},
    "resume/participant": {
        "seat_token": lambda v: _text(v, 1, 100),
        "last_seq": lambda v: _whole(v, 0),
    },
    "resume/screen": {"last_seq": lambda v: _whole(v, 0)},
    "step": {"row": lambda v: _whole(v, 0, 99), "col": lambda v: _whole(v, 0, 99)},
    "retrace": {"row": lambda v: _whole(v, 0, 99), "col": lambda v: _whole(v, 0, 99)},
    "auth": {"token": lambda v: _text(v, 1, 100), "last_seq": lambda v: _whole(v, 0)},
    "huddle": {"seconds": _seconds},
    "penalty": {"kind": lambda v: _text(v, 1, 40)},
    "withdraw_penalty": {"penalty": lambda v: _whole(v, 1)},
    "skip_turn": {"player": lambda v: _text(v, 1, 32)},
    "kick": {"player": lambda v: _text(v, 1, 32)},
    "ban": {"player": lambda v: _text(v, 1, 32)},
    "rename": {"player": lambda v: _text(v, 1, 32), "name": lambda v: _text(v, 0, 100)},
    "reorder": {
        "order": lambda v: isinstance(v, list) and len(v) <= 100 and all(_text(i, 1, 32) for i in v)
    },
    "lock": {"locked": lambda v: isinstance(v, bool)},
    "predict": {"seconds": _whole},
}
REQUIRED = {
    "join": {"name"},
    "resume/participant": {"seat_token"},
    "step": {"row", "col"},
    "retrace": {"row", "col"},
    "auth": {"token"},
    "penalty": {"kind"},
    "withdraw_penalty": {"penalty"},
    "kick": {"player"},
    "ban": {"player"},
    "rename": {"player", "name"},
    "reorder": {"order"},
    "lock": {"locked"},
    "predict": {"seconds"},
}
TEAM_COMMANDS = {
    "start_planning",
    "start_learning",
    "start_execution",
    "end_phase",
    "pause",
    "resume",
    "end_huddle",
    "shuffle",
    "huddle",
    "penalty",
    "withdraw_penalty",
    "skip_turn",
    "kick",
    "ban",
    "rename",
    "reorder",
    "lock",
    "predict",
}
for _kind in TEAM_COMMANDS:
    FIELDS.setdefault(_kind, {})["team"] = lambda v: _text(v, 1, 32)

# Valid messages of every type, with placeholders the workshop fills in.
PLAYER, SEAT, TOKEN = "<player>", "<seat>", "<token>"
PARTICIPANT: list[dict[str, Any]] = [
    {"type": "join", "name": "Bea"},
    {"type": "join", "name": "Bea", "seat_token": SEAT},
    {"type": "resume", "seat_token": SEAT, "last_seq": 0},
    {"type": "step", "row": 0, "col": 1},
    {"type": "retrace", "row": 0, "col": 1},
    {"type": "leave"},
    {"type": "ping"},
]
SCREEN: list[dict[str, Any]] = [{"type": "resume", "last_seq": 0}, {"type": "ping"}]
FACILITATOR: list[dict[str, Any]] = [
    *({"type": kind} for kind in sorted(TEAM_COMMANDS - set(REQUIRED) - {"huddle", "skip_turn"})),
    {"type": "huddle", "team": "t1", "seconds": 30},
    {"type": "huddle"},
    {"type": "penalty", "team": "t1", "kind": "talking"},
    {"type": "withdraw_penalty", "penalty": 1},
    {"type": "skip_turn", "player": PLAYER},
    {"type": "kick", "team": "t1", "player": PLAYER},
    {"type": "ban", "player": PLAYER},
    {"type": "rename", "player": PLAYER, "name": "Annie"},
    {"type": "reorder", "order": [PLAYER]},
    {"type": "lock", "team": "t1", "locked": True},
    {"type": "predict", "seconds": 40},
    {"type": "end"},
    {"type": "ping"},
    {"type": "auth", "token": TOKEN},
]


def kind_of(message: dict[str, Any], audience: str) -> str:
    kind = str(message["type"])
    return f"resume/{audience}" if kind == "resume" and audience != "facilitator" else kind


# --- strategies ---------------------------------------------------------------------------

# Text in any script, but no lone surrogates: those are not even JSON (see RAW).
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=120)
NUMBERS = st.one_of(
    st.integers(),
    st.integers(-(2**70), 2**70),
    st.sampled_from([0, -1, 1, 99, 100, 3600, 3601, 2**31, 2**53 + 1, 2**63, 2**64, -(2**63)]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, -0.0, 1.0, 0.5, 1e-300, 1e308, 3600.0, 3600.5]),
)
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, TEXT, st.sampled_from(["", "1", "true"]))
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)


@dataclass(frozen=True)
class Frame:
    """What is sent, and what docs/protocol.md says must come of it."""

    text: str
    binary: bool = False
    malformed: bool = False  # then: exactly one error bad_message, and nothing else
    why: str = ""


def _dump(message: Any) -> str:
    return json.dumps(message, ensure_ascii=False)


@st.composite
def mutated(draw: st.DrawFn, templates: list[dict[str, Any]], audience: str) -> Frame:
    """A valid message of a random type, perhaps mutated; `malformed` when the mutation makes
    it one the protocol refuses."""
    message = dict(draw(st.sampled_from(templates)))
    kind = kind_of(message, audience)
    fields = FIELDS.get(kind, {})
    how = draw(
        st.sampled_from(
            ["as is", "drop", "add", "value", "value", "confuse", "confuse", "type", "binary"]
        )
    )
    malformed, why = False, how
    if how == "drop":
        keys = sorted(message)
        key = draw(st.sampled_from(keys))
        del message[key]
        malformed = key == "type" or key in REQUIRED.get(kind, set())
        why = f"drop {key}"
    elif how == "add":
        key = draw(TEXT.filter(lambda k: k not in message and k not in fields and k != "type"))
        message[key] = draw(JSON)
        malformed, why = True, f"unknown field {key!r}"
    elif how == "value" and fields:
        key = draw(st.sampled_from(sorted(fields)))
        value = draw(JSON | st.just(draw(NUMBERS)))
        message[key] = value
        if value is None and (kind, key) in NULLABLE:
            malformed = False
        elif value is None and ((kind, key) in OPTIONAL or key == "team"):
            malformed = False  # not judged
        else:
            malformed = not fields[key](value)
        why = f"{key} = {value!r}"
    elif how == "confuse" and set(fields) & set(message):
        # the right value, as the wrong type: "30" for 30, 30.0, [30], true for a flag, ...
        key = draw(st.sampled_from(sorted(set(fields) & set(message))))
        right = message[key]
        wrong = draw(
            st.sampled_from(
                [
                    json.dumps(right),
                    str(right),
                    [right],
                    {"value": right},
                    not right if isinstance(right, bool) else True,
                    float(right) if type(right) is int else 1.0,
                    "yes",
                    1,
                    0,
                ]
            )
        )
        message[key] = wrong
        malformed = not fields[key](wrong)
        why = f"{key}: {right!r} sent as {wrong!r}"
    elif how == "type":
        value = draw(JSON | st.sampled_from(["Ping", " ping", "step ", "fly", "end", "auth"]))
        message["type"] = value
        known = {kind_of(t, audience).split("/")[0] for t in templates}
        malformed = not (isinstance(value, str) and value in known)
        if not malformed:  # a known type, with the fields of another: judge it by its own
            kind = kind_of(message, audience)
            own = FIELDS.get(kind, {})
            malformed = any(k not in own for k in message if k != "type") or any(
                not own[k](v) for k, v in message.items() if k != "type" and v is not None
            )
            malformed = malformed or not REQUIRED.get(kind, set()) <= set(message)
        why = f"type = {value!r}"
    return Frame(_dump(message), binary=how == "binary", malformed=malformed, why=why)


TOO_DEEP = "[" * 20_000 + "]" * 20_000
RAW = st.one_of(
    st.builds(Frame, TEXT, malformed=st.just(False)),  # text: JSON or not, judged below
    st.builds(
        Frame,
        st.sampled_from(
            [
                "",
                "{",
                "null",
                "[]",
                '"ping"',
                "[1, 2]",
                '{"type": null}',
                '{"type": 5}',
                '{"type": "ping", "x": NaN}',
                '{"type": "ping", "x": Infinity}',
                '{"type": "step", "row": -Infinity, "col": 0}',
                '{"type": "step", "row": 1e999, "col": 0}',
                '{"type": "ping", "x": ' + TOO_DEEP + "}",
                TOO_DEEP,
                '{"type": "step", "row": ' + "9" * 5_000 + ', "col": 0}',
                '{"type": "step", "row": 0, "col": 0}garbage',
                '{"type": "ping", "x": "\\ud800"}',
                '{"type": "join", "name": "\\udfff"}',
                "\ufeff{}",
            ]
        ),
        malformed=st.just(True),
    ),
)
BINARY = st.binary(max_size=200)


def frames(templates: list[dict[str, Any]], audience: str) -> st.SearchStrategy[Frame]:
    return st.one_of(mutated(templates, audience), RAW)


# --- a fresh workshop per example ---------------------------------------------------------


@dataclass
class Room:
    server: Server
    stack: ExitStack
    workshop: Workshop
    console: Conn
    seats: dict[str, str]  # player id: seat token, Ann's first

    @property
    def ann(self) -> tuple[str, str]:
        return next(iter(self.seats.items()))

    def fill(self, text: str) -> str:
        """The placeholders of a template, as this workshop has them."""
        player, seat = self.ann
        for name, value in ((PLAYER, player), (SEAT, seat), (TOKEN, self.workshop.token)):
            text = text.replace(name, value)
        return text

    @property
    def state(self) -> Any:
        return self.server.room(self.workshop.id).state


def open_room(server: Server, stack: ExitStack) -> Room:
    """A workshop in its learning phase: Ann walks, Ben waits; a console watches."""
    workshop = server.create_workshop(maze=MAZE, rules={"planning_s": 0})
    console = server.facilitator(stack, workshop)
    seats = {}
    for name in ("Ann", "Ben"):
        phone = server.join(stack, workshop.codes[0], name)
        assert phone.player and phone.seat_token
        seats[phone.player] = phone.seat_token
    console.send({"type": "start_learning"})
    replies(console)
    return Room(server, stack, workshop, console, seats)


def replies(conn: Conn) -> list[dict[str, Any]]:
    """Everything the server sent on `conn` until the answer to a ping (or a close)."""
    conn.send({"type": "ping"})
    seen: list[dict[str, Any]] = []
    try:
        while (message := conn.recv())["type"] != "pong":
            seen.append(message)
    except Closed as closed:
        assert closed.code in CLOSE_CODES, closed
    return seen


def send(conn: Conn, frame: Frame) -> None:
    if frame.binary:
        conn.session.send_bytes(frame.text.encode("utf-8", errors="surrogatepass"))
    else:
        conn.send(frame.text)


def judge(frame: Frame, answers: list[dict[str, Any]], changed: bool) -> None:
    note(f"sent {frame.text[:300]!r} ({frame.why}); got {answers}")
    for answer in answers:
        assert answer["type"] in SERVER_SENDS, answer
        if answer["type"] == "error":
            assert answer["code"] in ERROR_CODES, answer
            assert answer["code"] != "server_error", answer
            assert isinstance(answer["message"], str) and answer["message"].strip(), answer
    if frame.malformed:
        assert [a.get("code") for a in answers] == ["bad_message"], answers
        assert not changed


def assert_playable(room: Room) -> None:
    """The room still works: its state is its log's, a new console signs in, a new phone
    joins, and a walker who may move can."""
    server, stack = room.server, room.stack

    def folded() -> tuple[Any, Any]:
        live = server.room(room.workshop.id)
        return facilitator_view(fold(live.log)), facilitator_view(live.state)

    replayed, live = server.call(folded)
    assert replayed == live
    console = server.facilitator(stack, room.workshop)
    assert console.received[0]["seq"] == room.state.seq
    if room.state.ended:
        return
    team = room.state.teams["t1"]
    # The console's commands still take effect: lock the team (unless it is), then unlock.
    for locked in (False,) if team.locked else (True, False):
        console.send({"type": "lock", "locked": locked})
        [update] = [m for m in replies(console) if m["type"] != "metrics"]
        assert update["type"] == "update", update
        assert [e["type"] for e in update["events"]] == ["team_locked"], update
    newcomer = server.connect(stack, f"/ws/play/{room.workshop.codes[0]}")
    newcomer.send({"type": "join", "name": "Newcomer"})
    assert newcomer.recv()["type"] == "welcome"
    if team.paused:
        console.send({"type": "end_huddle" if team.in_huddle else "resume"})
        replies(console)
    for player in list(team.walks):
        view = server.call(participant_view, room.state, "t1", player)
        if not view["you"]["moves"]:
            continue
        if player not in room.seats:
            continue
        walker = server.connect(stack, f"/ws/play/{room.workshop.codes[0]}")
        walker.send({"type": "resume", "seat_token": room.seats[player]})
        row, col = view["you"]["moves"][0]
        walker.send({"type": "step", "row": row, "col": col})
        got = [m for m in replies(walker) if m["type"] in ("update", "error")]
        assert got and got[-1]["type"] == "update", got


@pytest.fixture(scope="module")
def logs() -> Iterator[Recorder]:
    with recording_logs() as recorder:
        yield recorder


@pytest.fixture(autouse=True)
def nothing_logged(logs: Recorder) -> Iterator[None]:
    logs.records.clear()
    yield
    assert logs.errors() == []


def play_one(server: Server, frame: Frame, audience: str, seated: bool = False) -> None:
    with ExitStack() as stack:
        room = open_room(server, stack)
        if audience == "participant":
            conn = server.connect(stack, f"/ws/play/{room.workshop.codes[0]}")
            if seated:  # this connection holds Ann's seat, and she walks: her moves count
                conn.send({"type": "resume", "seat_token": room.ann[1]})
                replies(conn)
        elif audience == "screen":
            conn = server.screen(stack, room.workshop.codes[0])
        else:
            conn = server.facilitator(stack, room.workshop)
            replies(conn)
        filled = Frame(room.fill(frame.text), frame.binary, frame.malformed, frame.why)
        before = room.state.seq
        send(conn, filled)
        answers = replies(conn)
        judge(filled, answers, changed=room.state.seq != before)
        assert_playable(room)


def bad(message: str, why: str) -> Frame:
    """A message the protocol refuses, whatever else the fuzz draws."""
    return Frame(message, malformed=True, why=why)


@fuzz(25)
@given(frame=frames(PARTICIPANT, "participant"), seated=st.booleans())
@example(frame=bad('{"type": "step", "row": "0", "col": 1}', "a string"), seated=True)
@example(frame=bad('{"type": "step", "row": true, "col": 1}', "a boolean"), seated=True)
@example(frame=bad('{"type": "step", "row": 0.0, "col": 1}', "a float"), seated=True)
@example(frame=bad('{"type": "retrace", "row": 0, "col": NaN}', "NaN"), seated=True)
@example(
    frame=bad(f'{{"type": "resume", "seat_token": "{SEAT}", "last_seq": "3"}}', "a string"),
    seated=False,
)
def test_participant_messages(server: Server, frame: Frame, seated: bool) -> None:
    play_one(server, frame, "participant", seated)


@fuzz(10)
@given(frame=frames(SCREEN, "screen"))
@example(frame=bad('{"type": "resume", "last_seq": "3"}', "a string"))
@example(frame=bad('{"type": "resume", "last_seq": true}', "a boolean"))
def test_screen_messages(server: Server, frame: Frame) -> None:
    play_one(server, frame, "screen")


@fuzz(25)
@given(frame=frames(FACILITATOR, "facilitator"))
@example(frame=bad('{"type": "huddle", "seconds": "30"}', "a string"))
@example(frame=bad('{"type": "huddle", "seconds": true}', "a boolean"))
@example(frame=bad('{"type": "huddle", "seconds": Infinity}', "Infinity"))
@example(frame=bad('{"type": "lock", "locked": "yes"}', "a string"))
@example(frame=bad('{"type": "lock", "locked": 1}', "a number"))
@example(frame=bad('{"type": "predict", "seconds": "40"}', "a string"))
@example(frame=bad('{"type": "predict", "seconds": 40.0}', "a float"))
@example(frame=bad('{"type": "withdraw_penalty", "penalty": true}', "a boolean"))
@example(frame=bad('{"type": "kick", "player": ["p1"]}', "a list"))
def test_facilitator_messages(server: Server, frame: Frame) -> None:
    play_one(server, frame, "facilitator")


@fuzz(10)
@given(data=BINARY, audience=st.sampled_from(["participant", "screen", "facilitator"]))
def test_binary_frames(server: Server, data: bytes, audience: str) -> None:
    """Bytes of any kind, UTF-8 or not: read as text, answered like any text."""
    with ExitStack() as stack:
        room = open_room(server, stack)
        if audience == "participant":
            conn = server.connect(stack, f"/ws/play/{room.workshop.codes[0]}")
        elif audience == "screen":
            conn = server.screen(stack, room.workshop.codes[0])
        else:
            conn = server.facilitator(stack, room.workshop)
        conn.session.send_bytes(data)
        judge(Frame(repr(data)), replies(conn), changed=False)
        assert_playable(room)


@fuzz(10)
@given(frame=frames(FACILITATOR, "facilitator"))
def test_the_first_message_to_the_console(server: Server, frame: Frame) -> None:
    """Before signing in, a console's first message is a valid `auth` (then `welcome`), a
    `ping` (then `pong`, and it may still sign in), or anything else: `unauthorised`, 4401."""
    with ExitStack() as stack:
        room = open_room(server, stack)
        conn = server.connect(stack, f"/ws/facilitate/{room.workshop.id}")
        text = room.fill(frame.text)
        send(conn, Frame(text, binary=frame.binary))
        try:
            first = conn.recv()
        except Closed as closed:
            raise AssertionError(f"closed {closed.code} without a word") from None
        note(f"sent {text[:300]!r}; got {first}")
        if first["type"] == "error":
            assert first["code"] == "unauthorised", first
            assert conn.expect_close() == 4401
        elif first["type"] == "pong":
            conn.send({"type": "auth", "token": room.workshop.token})
            conn.expect("welcome")
        else:
            assert first["type"] in ("welcome", "resumed", "snapshot"), first
            assert room.workshop.token in text
        assert_playable(room)


def test_a_binary_frame_is_read_as_utf8_text(server: Server) -> None:
    """docs/protocol.md: "a binary frame is read as UTF-8 text", on every endpoint, the
    console's first message included."""
    with ExitStack() as stack:
        room = open_room(server, stack)
        code = room.workshop.codes[0]
        phone = server.connect(stack, f"/ws/play/{code}")
        phone.session.send_bytes(json.dumps({"type": "join", "name": "Bytes"}).encode())
        phone.expect("welcome")
        screen = server.screen(stack, code)
        screen.session.send_bytes(b'{"type": "resume", "last_seq": 5}')
        screen.expect("resumed")
        console = server.connect(stack, f"/ws/facilitate/{room.workshop.id}")
        auth = {"type": "auth", "token": room.workshop.token}
        console.session.send_bytes(json.dumps(auth).encode())
        console.expect("welcome")
        console.session.send_bytes(b'{"type": "ping"}')
        console.expect("pong")


# --- the same, over real sockets: a server process, as `electric-maze serve` runs it ---------


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = LiveServer(
        tmp_path_factory.mktemp("live"),
        env={
            "WORKSHOPS_PER_HOUR": "1000000",
            "JOIN_ATTEMPTS_PER_MINUTE": "1000000",
            "TOKEN_ATTEMPTS_PER_MINUTE": "1000000",
            "MESSAGES_PER_SECOND": "1000",
        },
    )
    try:
        server.start()
        yield server
    finally:
        server.stop()


def live_workshop(live: LiveServer) -> dict[str, Any]:
    request = urllib.request.Request(live.url("/api/workshops"), data=b"{}", method="POST")
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=5) as answer:
        created: dict[str, Any] = json.loads(answer.read())
    return created


def live_replies(conn: Any) -> list[dict[str, Any]]:
    """What the server sent until the answer to a ping; a close ends it (documented codes)."""
    seen: list[dict[str, Any]] = []
    try:
        conn.send('{"type": "ping"}')
        while (message := json.loads(conn.recv(timeout=5)))["type"] != "pong":
            seen.append(message)
    except ConnectionClosed as closed:
        assert closed.rcvd is not None and closed.rcvd.code in CLOSE_CODES, closed
    return seen


@fuzz(15)
@given(
    audience=st.sampled_from(["participant", "screen", "facilitator"]),
    frame=st.one_of(frames(PARTICIPANT, "participant"), frames(FACILITATOR, "facilitator"), RAW),
    data=st.binary(max_size=100),
)
def test_over_real_sockets(live: LiveServer, audience: str, frame: Frame, data: bytes) -> None:
    """Any frame, text or bytes, on a real socket: answered with documented codes, and the
    server logs no error; the team can still be joined."""
    created = live_workshop(live)
    code, token = created["teams"][0]["join_code"], created["facilitator_token"]
    path = {
        "participant": f"/ws/play/{code}",
        "screen": f"/ws/screen/{code}",
        "facilitator": f"/ws/facilitate/{created['workshop_id']}",
    }[audience]
    with connect(live.ws(path), open_timeout=5) as conn:
        if audience == "facilitator":
            conn.send(json.dumps({"type": "auth", "token": token}))
        live_replies(conn)
        text = frame.text.replace(TOKEN, token)
        conn.send(text.encode("utf-8", "surrogatepass") if frame.binary else text)
        conn.send(data)
        for answer in live_replies(conn):
            assert answer["type"] in SERVER_SENDS, answer
            if answer["type"] == "error":
                assert answer["code"] in ERROR_CODES and answer["code"] != "server_error"
    with connect(live.ws(f"/ws/facilitate/{created['workshop_id']}"), open_timeout=5) as console:
        console.send(json.dumps({"type": "auth", "token": token}))
        console.send(json.dumps({"type": "lock", "locked": False}))  # if the fuzz locked it
        live_replies(console)
    with connect(live.ws(f"/ws/play/{code}"), open_timeout=5) as phone:
        phone.send(json.dumps({"type": "join", "name": "Newcomer"}))
        answer = json.loads(phone.recv(timeout=5))
        ended = answer.get("code") == "session_over" and '"end"' in text
        assert answer["type"] == "welcome" or ended, answer
    log = live.log_path.read_text(errors="replace")
    assert "Traceback" not in log and "ERROR" not in log, live.log()
