"""Driving the real app through Starlette's TestClient: workshops, sockets, and checks on what
each audience received."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession

from app.config import Config
from app.registry import Registry
from app.rooms import Room
from game.board import Square, neighbours

RECEIVE_TIMEOUT_S = 5.0
OWN_ORIGIN = "http://testserver"  # the TestClient's Host is "testserver"
FOREIGN_ORIGIN = "https://elsewhere.example"

T = TypeVar("T")

# Keys only the facilitator may see: the hidden path and everything derived from it.
SECRET_KEYS = frozenset(
    {
        "path",
        "revealed",
        "progress",
        "failures_by_kind",
        "position",
        "pending_beep",
        "on_path",
        "came_from",
        "safe",
    }
)


class Closed(Exception):
    """The server closed the socket."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"closed {code} {reason!r}")
        self.code = code
        self.reason = reason


class Conn:
    """One WebSocket seen from the test: everything it received is kept, in order."""

    def __init__(self, session: WebSocketTestSession) -> None:
        self.session = session
        self.received: list[dict[str, Any]] = []
        self.metrics: list[dict[str, Any]] = []
        self.texts: list[str] = []
        self.close_code: int | None = None
        self.player: str | None = None
        self.seat_token: str | None = None
        self._open = True

    def send(self, message: dict[str, Any] | str) -> None:
        if isinstance(message, str):
            self.session.send_text(message)
        else:
            self.session.send_json(message)

    def recv(self, timeout: float = RECEIVE_TIMEOUT_S) -> dict[str, Any]:
        """The next message, live metrics apart (they come at their own pace and are kept in
        `metrics`); Closed if the server closed the socket instead."""
        while True:
            message = self._recv_any(timeout)
            if message["type"] != "metrics":
                return message
            self.metrics.append(message)

    def _recv_any(self, timeout: float) -> dict[str, Any]:
        session = self.session

        async def receive() -> dict[str, Any]:
            with anyio.fail_after(timeout):
                # The session's own receive() would wait for ever when nothing comes.
                return dict(await session._send_rx.receive())

        raw = session.portal.call(receive)
        if raw["type"] == "websocket.close":
            self.close_code = raw.get("code", 1000)
            raise Closed(raw.get("code", 1000), raw.get("reason") or "")
        text = raw.get("text") or raw["bytes"].decode()
        message: dict[str, Any] = json.loads(text)
        self.texts.append(text)
        self.received.append(message)
        return message

    def expect(self, kind: str) -> dict[str, Any]:
        message = self.recv()
        assert message["type"] == kind, message
        return message

    def expect_error(self, code: str) -> dict[str, Any]:
        message = self.expect("error")
        assert message["code"] == code, message
        assert isinstance(message["message"], str) and message["message"].strip(), message
        return message

    def expect_close(self) -> int:
        """Read until the server closes the socket; its close code."""
        while True:
            try:
                self.recv()
            except Closed as closed:
                return closed.code

    def is_quiet(self, seconds: float = 0.1) -> bool:
        try:
            self.recv(timeout=seconds)
        except TimeoutError:
            return True
        return False

    @property
    def last_seq(self) -> int:
        return int(next(m["seq"] for m in reversed(self.received) if "seq" in m))

    def drop(self) -> None:
        """The client goes away (the server sees a disconnect and cleans up in its own time)."""
        self.session.close(1000)

    def close(self) -> None:
        if self._open:
            self._open = False
            self.session.__exit__(None, None, None)


@dataclass(frozen=True)
class Workshop:
    id: str
    token: str
    codes: list[str]
    team_ids: list[str]


@dataclass
class Server:
    app: FastAPI
    http: TestClient
    config: Config

    @property
    def registry(self) -> Registry:
        registry: Registry = self.app.state.registry
        return registry

    def room(self, workshop_id: str) -> Room:
        return self.registry.rooms[workshop_id]

    def call(self, work: Callable[..., T], *args: Any) -> T:
        """Run `work` on the app's event loop (where rooms and their queues live)."""
        portal = self.http.portal
        assert portal is not None
        return portal.call(work, *args)

    def create_workshop(self, **body: Any) -> Workshop:
        response = self.http.post("/api/workshops", json=body)
        assert response.status_code == 201, response.text
        data = response.json()
        return Workshop(
            id=data["workshop_id"],
            token=data["facilitator_token"],
            codes=[t["join_code"] for t in data["teams"]],
            team_ids=[t["team_id"] for t in data["teams"]],
        )

    def connect(self, stack: ExitStack, path: str, origin: str | None = None) -> Conn:
        headers = {"origin": origin} if origin else {}
        conn = Conn(stack.enter_context(self.http.websocket_connect(path, headers=headers)))
        stack.callback(conn.close)
        return conn

    def facilitator(self, stack: ExitStack, workshop: Workshop) -> Conn:
        conn = self.connect(stack, f"/ws/facilitate/{workshop.id}")
        conn.send({"type": "auth", "token": workshop.token})
        conn.expect("welcome")
        return conn

    def screen(self, stack: ExitStack, code: str) -> Conn:
        conn = self.connect(stack, f"/ws/screen/{code}")
        conn.expect("snapshot")
        return conn

    def join(self, stack: ExitStack, code: str, name: str) -> Conn:
        conn = self.connect(stack, f"/ws/play/{code}")
        conn.send({"type": "join", "name": name})
        welcome = conn.expect("welcome")
        conn.player, conn.seat_token = welcome["player"], welcome["seat_token"]
        return conn


# --- the board -------------------------------------------------------------------------


def path_of(facilitator_view: dict[str, Any], team: int = 0) -> list[Square]:
    return [(r, c) for r, c in facilitator_view["teams"][team]["path"]]


def wrong_step(path: list[Square], position: int, cols: int, rows: int) -> Square:
    """A square next to the walker's one (path[position]) that is neither way along the path."""
    here = path[position]
    safe = {path[position + 1], path[position - 1] if position else here}
    return next(sq for sq in neighbours(here, cols, rows, diagonal=True) if sq not in safe)


def wrong_entry(path: list[Square], cols: int) -> Square:
    return next((0, c) for c in range(cols) if (0, c) != path[0])


# --- checks on what a client received ----------------------------------------------------


def assert_seq_discipline(messages: list[dict[str, Any]]) -> None:
    """Every state message carries seq; updates follow each other without gap or overlap."""
    last: int | None = None
    for message in messages:
        kind = message["type"]
        if kind == "error":
            continue
        assert isinstance(message.get("seq"), int), message
        if "view" in message:
            assert message["view"]["seq"] == message["seq"], message
        if kind in ("welcome", "snapshot"):
            last = message["seq"]
        elif kind in ("update", "resumed"):
            seqs = [event["seq"] for event in message["events"]]
            if kind == "update":
                assert seqs, message
                assert last is not None
                assert seqs[0] == last + 1, (last, message)
            assert seqs == list(range(message["seq"] - len(seqs) + 1, message["seq"] + 1)), message
            last = message["seq"]
        else:  # pong, heartbeat: where the client already is
            assert message["seq"] == last, (last, message)


def find_keys(value: Any, keys: frozenset[str]) -> set[str]:
    found: set[str] = set()
    if isinstance(value, dict):
        found |= keys & set(value)
        for item in value.values():
            found |= find_keys(item, keys)
    elif isinstance(value, list):
        for item in value:
            found |= find_keys(item, keys)
    return found


def assert_keeps_secrets(conn: Conn, secrets: list[str]) -> None:
    """Nothing a participant or the big screen received gives the hidden path away."""
    for message in conn.received:
        assert not find_keys(message, SECRET_KEYS), message
        for event in message.get("events", []):
            if event["type"] == "beeped":
                assert "kind" not in event, event
    for text in conn.texts:
        for secret in secrets:
            assert secret not in text


def events_of(messages: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for message in messages:
        yield from message.get("events", [])
