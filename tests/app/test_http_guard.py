"""The HTTP guard: bodies limited before they are read, the log import's own limit, content
type and thread, the headers on every answer, and the hosts answered."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from fastapi.testclient import TestClient
from starlette.types import Message
from starlette.websockets import WebSocketDisconnect

from app.config import Config
from app.http_guard import BodyTooLarge, HttpGuard
from app.main import create_app
from facilitator import library
from game.replay import write_log
from tests.app.helpers import Server

PASSWORD = "correct horse"
BODY_LIMIT = 4096
IMPORT_LIMIT = 16384
SERVER_CONFIG: dict[str, Any] = {
    "max_body_bytes": BODY_LIMIT,
    "max_import_bytes": IMPORT_LIMIT,
    "admin_password": PASSWORD,
}
TRAINER = {"authorization": f"Bearer {PASSWORD}"}
NDJSON = {**TRAINER, "content-type": "application/x-ndjson"}
CHUNK = 1024


def chunks(total: int) -> Iterator[bytes]:
    """A body sent as a stream, with no Content-Length (chunked)."""
    for _ in range(total // CHUNK):
        yield b" " * CHUNK


def a_log_file(server: Server) -> str:
    workshop = server.create_workshop()
    return write_log(server.room(workshop.id).log)


def test_a_declared_length_over_the_limit_is_refused_at_once(server: Server) -> None:
    for route, limit, headers in [
        ("/api/workshops", BODY_LIMIT, {"content-type": "application/json"}),
        ("/api/maze/preview", BODY_LIMIT, {}),
        ("/api/library/import", IMPORT_LIMIT, NDJSON),
    ]:
        answer = server.http.post(route, content=b" " * (limit + 1), headers=headers)
        assert answer.status_code == 413, (route, answer.text)
        assert f"{limit:,} bytes" in answer.json()["detail"]
        assert answer.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("declared", ["9" * 5000, "99999999999999999999"])
def test_a_declared_length_of_any_size_is_refused(declared: str) -> None:
    sent: list[Message] = []

    async def nothing() -> Message:
        raise AssertionError("the body was read")

    async def send(message: Message) -> None:
        sent.append(message)

    async def app(scope: Any, receive: Any, send: Any) -> None:
        raise AssertionError("the app was called")

    guard = HttpGuard(app, max_body_bytes=BODY_LIMIT, max_import_bytes=IMPORT_LIMIT)
    headers = [(b"content-length", declared.encode()), (b"content-type", b"application/json")]
    scope = {"type": "http", "method": "POST", "path": "/api/workshops", "headers": headers}
    anyio.run(guard, scope, nothing, send)
    assert sent[0]["status"] == 413


def test_a_stream_over_the_limit_is_refused(server: Server) -> None:
    for route, limit, headers in [
        ("/api/workshops", BODY_LIMIT, {"content-type": "application/json"}),
        ("/api/library/import", IMPORT_LIMIT, NDJSON),
    ]:
        answer = server.http.post(route, content=chunks(limit + CHUNK), headers=headers)
        assert answer.status_code == 413, (route, answer.text)


def test_a_body_at_the_limit_is_read(server: Server) -> None:
    body = b"{}" + b" " * (BODY_LIMIT - 2)
    answer = server.http.post(
        "/api/workshops", content=body, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 201, answer.text


@pytest.mark.parametrize("route", ["/api/workshops", "/api/library/import"])
def test_the_guard_never_reads_past_the_limit(route: str) -> None:
    """An endless stream: the guard stops pulling at the limit, whoever reads the body."""
    pulled = 0
    sent: list[Message] = []

    async def endless() -> Message:
        nonlocal pulled
        pulled += CHUNK
        return {"type": "http.request", "body": b" " * CHUNK, "more_body": True}

    async def send(message: Message) -> None:
        sent.append(message)

    async def reader(scope: Any, receive: Any, send: Any) -> None:
        while (await receive())["more_body"]:
            pass

    guard = HttpGuard(reader, max_body_bytes=BODY_LIMIT, max_import_bytes=IMPORT_LIMIT)
    scope = {"type": "http", "method": "POST", "path": route, "headers": []}

    async def run() -> None:
        try:
            await guard(scope, endless, send)
        except BodyTooLarge:
            sent.append({"type": "http.response.start", "status": 413})  # as the app answers

    anyio.run(run)
    limit = IMPORT_LIMIT if route.endswith("import") else BODY_LIMIT
    assert pulled <= limit + CHUNK
    assert sent[0]["status"] == 413


def test_the_import_takes_log_files_only(server: Server) -> None:
    text = a_log_file(server)
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "text/html"):
        answer = server.http.post(
            "/api/library/import",
            content=text,
            headers={**TRAINER, "content-type": content_type},
        )
        assert answer.status_code == 415, (content_type, answer.text)
    untyped = server.http.post("/api/library/import", content=text, headers=TRAINER)
    assert "content-type" not in untyped.request.headers
    assert untyped.status_code == 415, untyped.text
    for content_type in ("application/x-ndjson", "application/jsonl; charset=utf-8"):
        answer = server.http.post(
            "/api/library/import", content=text, headers={**TRAINER, "content-type": content_type}
        )
        assert answer.status_code == 200, (content_type, answer.text)  # already there


def test_the_import_is_checked_off_the_stores_thread(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[str] = []
    read_log_file = library.read_log_file  # type: ignore[attr-defined]

    def watched(text: str) -> Any:
        threads.append(threading.current_thread().name)
        return read_log_file(text)

    monkeypatch.setattr(library, "read_log_file", watched)
    answer = server.http.post("/api/library/import", content=a_log_file(server), headers=NDJSON)
    assert answer.status_code == 200, answer.text
    assert threads and not any(name.startswith("event-store") for name in threads)


def test_every_answer_carries_the_common_headers(server: Server) -> None:
    version = server.app.state.site.version
    for path in ("/healthz", "/", "/api/library/workshops", f"/static/{version}/favicon.svg"):
        answer = server.http.get(path)
        assert answer.headers["x-content-type-options"] == "nosniff", path
        assert answer.headers["referrer-policy"] == "no-referrer", path
    page = server.http.get("/")
    assert "script-src 'self'" in page.headers["content-security-policy"]


def test_only_the_allowed_hosts_are_answered(tmp_path: Path) -> None:
    config = Config(
        database_url=f"sqlite:///{tmp_path / 'maze.db'}", allowed_hosts=("maze.example",)
    )
    with TestClient(create_app(config), base_url="http://maze.example") as http:
        assert http.get("/healthz").status_code == 200
        assert http.get("/healthz", headers={"host": "evil.example"}).status_code == 400
        with (
            pytest.raises(WebSocketDisconnect),
            http.websocket_connect("/ws/screen/ABCDEF", headers={"host": "evil.example"}),
        ):
            pass
        own = {"host": "maze.example", "origin": "http://maze.example"}
        with http.websocket_connect("/ws/screen/ABCDEF", headers=own) as allowed:
            assert allowed.receive_json()["code"] == "no_such_team"  # let in, then looked up
