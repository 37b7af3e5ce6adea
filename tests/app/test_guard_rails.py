"""Behind a proxy (PUBLIC_URL), heartbeats on idle connections, and what a restart loads."""

from __future__ import annotations

import json
import sqlite3
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from app import registry as registry_module
from app.config import Config
from app.main import create_app
from tests.app.helpers import FOREIGN_ORIGIN, OWN_ORIGIN, Conn, Server

PUBLIC_ORIGIN = "https://maze.example.org"
HEARTBEAT_S = 0.2
SERVER_CONFIG: dict[str, Any] = {
    # The proxy in front sends its own Host (here the TestClient's "testserver"), not this.
    "public_url": f"{PUBLIC_ORIGIN}/",
    "heartbeat_s": HEARTBEAT_S,
    "join_attempts_per_minute": 10_000,
}


def test_the_public_urls_origin_may_open_sockets(server: Server) -> None:
    workshop = server.create_workshop()
    code = workshop.codes[0]
    first: list[tuple[str, dict[str, Any], str]] = [
        (f"/ws/play/{code}", {"type": "ping"}, "pong"),
        (f"/ws/screen/{code}", {"type": "ping"}, "snapshot"),
        (f"/ws/facilitate/{workshop.id}", {"type": "auth", "token": workshop.token}, "welcome"),
    ]
    for path, message, answer in first:
        for origin in (PUBLIC_ORIGIN, OWN_ORIGIN, None):
            with ExitStack() as stack:
                conn = server.connect(stack, path, origin=origin)
                conn.send(message)
                assert conn.recv()["type"] == answer, (path, origin)
        for foreign in (FOREIGN_ORIGIN, "https://maze.example.org.evil.example", "null"):
            with (
                pytest.raises(WebSocketDisconnect) as refused,
                server.http.websocket_connect(path, headers={"origin": foreign}),
            ):
                pass
            assert refused.value.code == 1008


def test_an_idle_connection_gets_heartbeats(server: Server) -> None:
    workshop = server.create_workshop()
    with ExitStack() as stack:
        screen = server.screen(stack, workshop.codes[0])
        player = server.join(stack, workshop.codes[0], "Ann")
        facilitator = server.facilitator(stack, workshop)
        for conn in (screen, player, facilitator):
            heartbeats = [_next_of(conn, "heartbeat") for _ in range(2)]
            seq = server.room(workshop.id).seq
            assert [h["seq"] for h in heartbeats] == [seq, seq]
            assert heartbeats[1]["now"] - heartbeats[0]["now"] >= HEARTBEAT_S * 0.9
            conn.send({"type": "ping"})  # the connection still answers
            _next_of(conn, "pong")


def _next_of(conn: Conn, kind: str) -> dict[str, Any]:
    """The next message of a kind, skipping the updates a join makes elsewhere."""
    deadline = time.monotonic() + 5 * HEARTBEAT_S + 2
    while time.monotonic() < deadline:
        message = conn.recv()
        if message["type"] == kind:
            return message
        assert message["type"] in ("update", "heartbeat"), message
    raise AssertionError(f"no {kind}")


def test_a_restart_loads_only_workshops_under_way(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ended, running = server.create_workshop(), server.create_workshop()
    with ExitStack() as stack:
        facilitator = server.facilitator(stack, ended)
        server.join(stack, ended.codes[0], "Ann")
        _next_of(facilitator, "update")
        facilitator.send({"type": "end"})
        assert _next_of(facilitator, "update")["view"]["session"]["ended"] is True

    # The server restarts on (a copy of) the same database.
    copy = tmp_path / "restarted.db"
    source = server.config.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(source) as old, sqlite3.connect(copy) as new:
        old.backup(new)
    config = Config(database_url=f"sqlite:///{copy}", heartbeat_s=600.0, tick_s=0.05)
    app = create_app(config)
    with TestClient(app) as http, ExitStack() as stack:
        again = Server(app, http, config)
        assert running.id in again.registry.rooms
        assert ended.id not in again.registry.rooms

        # The ended workshop still opens: its console, its metrics and exports, its log.
        console = again.facilitator(stack, ended)
        view = console.received[0]["view"]
        assert view["session"]["ended"] is True
        assert [p["name"] for p in view["teams"][0]["players"]] == ["Ann"]
        bearer = {"Authorization": f"Bearer {ended.token}"}
        for route in ("metrics", "export/summary.csv", "log"):
            answer = http.get(f"/api/workshops/{ended.id}/{route}", headers=bearer)
            assert answer.status_code == 200, (route, answer.text)
        log = http.get(f"/api/workshops/{ended.id}/log", headers=bearer).text.splitlines()
        assert json.loads(log[-1])["type"] == "session_ended"

        # Unused, its room is dropped; it opens again when asked for.
        monkeypatch.setattr(registry_module, "UNUSED_S", 0.0)
        monkeypatch.setattr(registry_module, "HOUSEKEEPING_S", 0.0)
        assert ended.id in again.registry.rooms  # while the console is open
        console.close()
        deadline = time.monotonic() + 5
        while ended.id in again.registry.rooms and time.monotonic() < deadline:
            time.sleep(0.02)
        assert ended.id not in again.registry.rooms
        assert running.id in again.registry.rooms  # a workshop under way is never dropped
        console = again.facilitator(stack, ended)
        assert console.received[0]["view"] == view
        console.send({"type": "start_learning"})
        console.expect_error("session_over")
