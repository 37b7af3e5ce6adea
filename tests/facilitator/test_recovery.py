"""The facilitator's recovery code: given once at creation, kept only as a hash, exchanged on
another device for a facilitator token that works alongside the first one."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import replace
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.security import JOIN_CODE_ALPHABET, hash_recovery_code, hash_token
from tests.app.helpers import Conn, Server, Workshop

CODE = re.compile(rf"[{JOIN_CODE_ALPHABET}]{{4}}(-[{JOIN_CODE_ALPHABET}]{{4}}){{3}}")


def create(server: Server, **body: Any) -> tuple[Workshop, str]:
    answer = server.http.post("/api/workshops", json=body)
    assert answer.status_code == 201, answer.text
    data = answer.json()
    workshop = Workshop(
        id=data["workshop_id"],
        token=data["facilitator_token"],
        codes=[team["join_code"] for team in data["teams"]],
        team_ids=[team["team_id"] for team in data["teams"]],
    )
    return workshop, data["recovery_code"]


def recover(server: Server, workshop_id: str, code: str) -> Any:
    return server.http.post(f"/api/workshops/{workshop_id}/recover", json={"recovery_code": code})


def database(server: Server) -> str:
    return server.config.database_url.split("///", 1)[1]


def test_a_workshop_is_created_with_a_recovery_code(server: Server) -> None:
    _, code = create(server, title="Recovery")
    assert CODE.fullmatch(code), code
    _, other = create(server)
    assert other != code


def test_the_code_is_stored_only_as_a_hash(server: Server) -> None:
    workshop, code = create(server)
    bare = code.replace("-", "")
    with sqlite3.connect(database(server)) as db:
        dump = "\n".join(db.iterdump())
        (stored,) = db.execute(
            "SELECT code_hash FROM facilitator_recovery WHERE workshop_id = ?", (workshop.id,)
        ).fetchone()
    assert code not in dump and bare not in dump
    assert stored == hash_recovery_code(code)


def test_a_right_code_gives_a_token_for_the_http_routes_and_the_socket(server: Server) -> None:
    workshop, code = create(server, title="Tablet")
    answer = recover(server, workshop.id, code.lower().replace("-", " "))  # as typed
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert data["workshop_id"] == workshop.id and data["title"] == "Tablet"
    assert isinstance(data["created_at"], float)
    token = data["facilitator_token"]
    assert token != workshop.token
    for path in ("log", "metrics"):
        refused = server.http.get(f"/api/workshops/{workshop.id}/{path}")
        assert refused.status_code == 401
        for held in (token, workshop.token):  # the first device is not logged out
            headers = {"Authorization": f"Bearer {held}"}
            answer = server.http.get(f"/api/workshops/{workshop.id}/{path}", headers=headers)
            assert answer.status_code == 200, answer.text
    with sqlite3.connect(database(server)) as db:
        dump = "\n".join(db.iterdump())
    assert token not in dump and hash_token(token) in dump
    # Both devices run the console at once: a command from one is seen on the other.
    with ExitStack() as stack:
        first = server.facilitator(stack, workshop)
        second = server.facilitator(stack, replace(workshop, token=token))
        second.send({"type": "lock", "team": workshop.team_ids[0], "locked": True})
        for conn in (second, first):
            assert locked(conn, workshop.team_ids[0])


def locked(conn: Conn, team_id: str) -> bool:
    while True:
        message = conn.recv()
        if message["type"] == "update":
            kinds = [event["type"] for event in message["events"]]
            if "team_locked" in kinds:
                team = next(t for t in message["view"]["teams"] if t["id"] == team_id)
                return bool(team["locked"])


def test_a_token_of_one_workshop_does_not_open_another(server: Server) -> None:
    workshop, code = create(server)
    other, _ = create(server)
    token = recover(server, workshop.id, code).json()["facilitator_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert server.http.get(f"/api/workshops/{other.id}/log", headers=headers).status_code == 401
    # nor does one workshop's code recover another
    assert recover(server, other.id, code).status_code == 401


@pytest.mark.parametrize("wrong", ["", "AAAA-AAAA-AAAA-AAAA", "x" * 64])
def test_a_wrong_code_is_refused(server: Server, wrong: str) -> None:
    workshop, _ = create(server)
    answer = recover(server, workshop.id, wrong)
    assert answer.status_code == 401, answer.text
    assert recover(server, "no-such-workshop", wrong).status_code == 401


def test_a_malformed_request_is_422(server: Server) -> None:
    workshop, _ = create(server)
    for body in ({}, {"recovery_code": 1}, {"recovery_code": "A" * 65}, {"code": "x"}):
        path = f"/api/workshops/{workshop.id}/recover"
        assert server.http.post(path, json=body).status_code == 422, body


LIMIT = 4


@pytest.fixture
def limited(server: Server) -> Iterator[Server]:
    """A server of its own, with a low limit of wrong tokens a minute."""
    config = replace(server.config, token_attempts_per_minute=LIMIT)
    with TestClient(create_app(config)) as http:
        yield Server(http.app, http, config)  # type: ignore[arg-type]


def test_wrong_codes_count_as_wrong_tokens_429_past_the_limit(limited: Server) -> None:
    workshop, code = create(limited)
    headers = {"Authorization": "Bearer not-the-token-at-all"}
    assert limited.http.get(f"/api/workshops/{workshop.id}/log", headers=headers).status_code == 401
    for _ in range(LIMIT - 1):
        assert recover(limited, workshop.id, "AAAA-AAAA-AAAA-AAAA").status_code == 401
    answer = recover(limited, workshop.id, code)  # even the right one, until the wait is over
    assert answer.status_code == 429, answer.text
    assert int(answer.headers["Retry-After"]) >= 1
    headers = {"Authorization": f"Bearer {workshop.token}"}
    assert limited.http.get(f"/api/workshops/{workshop.id}/log", headers=headers).status_code == 429
