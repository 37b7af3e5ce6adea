"""Who may open the library: its password, checked as every guessable secret is; sessions
that are random, kept by the server, ended by logging out, by time and by a new password; and
changes only from the library's own pages."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from app.security import AttemptLimiter, hash_token
from facilitator.library import COOKIE, COOKIE_S
from tests.app.helpers import FOREIGN_ORIGIN, OWN_ORIGIN, Server
from tests.facilitator.test_library import a_log_file

PASSWORD = "correct horse"
SERVER_CONFIG: dict[str, Any] = {"admin_password": PASSWORD, "token_attempts_per_minute": 3}
OWN = {"origin": OWN_ORIGIN}
LOG_FILE = {**OWN, "content-type": "application/x-ndjson"}  # an import
LIST = "/api/library/workshops"


@pytest.fixture(autouse=True)
def fresh_start(server: Server) -> Iterator[None]:
    """Each test starts signed out, with no wrong password counted against the client."""
    server.app.state.token_limiter = AttemptLimiter(server.config.token_attempts_per_minute)
    server.http.cookies.clear()
    yield
    server.http.cookies.clear()


def log_in(server: Server) -> str:
    answer = server.http.post("/api/library/login", json={"password": PASSWORD}, headers=OWN)
    assert answer.status_code == 204, answer.text
    return answer.cookies[COOKIE]


def with_cookie(token: str) -> dict[str, str]:
    return {"cookie": f"{COOKIE}={token}"}


def test_wrong_passwords_are_limited_by_login_and_bearer_alike(server: Server) -> None:
    wrong = server.http.get(LIST, headers={"Authorization": "Bearer guess"})
    assert wrong.status_code == 401
    assert wrong.json()["detail"] == "That is not the library password"
    for guess in ("guess 2", "guess 3"):
        login = server.http.post("/api/library/login", json={"password": guess}, headers=OWN)
        assert login.status_code == 401
    for route in ("bearer", "login"):
        if route == "bearer":
            answer = server.http.get(LIST, headers={"Authorization": f"Bearer {PASSWORD}"})
        else:
            answer = server.http.post(
                "/api/library/login", json={"password": PASSWORD}, headers=OWN
            )
        assert answer.status_code == 429, route
        assert answer.json()["detail"] == "Too many wrong passwords; wait a minute"
        assert 1 <= int(answer.headers["retry-after"]) <= 60


def test_right_passwords_never_count(server: Server) -> None:
    for _ in range(5):
        log_in(server)
        assert server.http.get(LIST, headers={"Authorization": f"Bearer {PASSWORD}"}).is_success


def test_each_login_is_a_session_of_its_own_that_logging_out_ends(server: Server) -> None:
    first, second = log_in(server), log_in(server)
    assert first != second and PASSWORD not in first
    store, now = server.registry.store, time.time()
    assert server.call(store.library_session, hash_token(first), now) is not None
    assert server.call(store.library_session, first, now) is None  # only its hash is kept
    server.http.cookies.clear()
    assert server.http.get(LIST, headers=with_cookie(first)).status_code == 200
    out = server.http.post("/api/library/logout", headers={**OWN, **with_cookie(first)})
    assert out.status_code == 204
    assert server.http.get(LIST, headers=with_cookie(first)).status_code == 401
    assert server.http.get(LIST, headers=with_cookie(second)).status_code == 200


def test_a_session_ends_after_twelve_hours(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    token = log_in(server)
    server.http.cookies.clear()
    opened = time.time()
    monkeypatch.setattr(server.registry, "clock", lambda: opened + COOKIE_S - 60)
    assert server.http.get(LIST, headers=with_cookie(token)).status_code == 200
    monkeypatch.setattr(server.registry, "clock", lambda: opened + COOKIE_S + 60)
    assert server.http.get(LIST, headers=with_cookie(token)).status_code == 401


def test_a_new_password_ends_the_sessions_of_the_old(server: Server) -> None:
    token = log_in(server)
    server.http.cookies.clear()
    server.app.state.config = replace(server.config, admin_password="battery staple")
    try:
        assert server.http.get(LIST, headers=with_cookie(token)).status_code == 401
        assert 'type="password"' in server.http.get("/library", headers=with_cookie(token)).text
    finally:
        server.app.state.config = server.config


def test_the_cookie_is_for_our_pages_only_and_secure_over_https(server: Server) -> None:
    plain = server.http.post("/api/library/login", json={"password": PASSWORD}, headers=OWN)
    cookie = plain.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" not in cookie
    https = server.http.post(
        "https://testserver/api/library/login",
        json={"password": PASSWORD},
        headers={"origin": "https://testserver"},
    )
    assert https.status_code == 204
    assert "; secure" in https.headers["set-cookie"].lower()


def test_changes_come_from_the_librarys_own_pages(server: Server) -> None:
    foreign = {"origin": FOREIGN_ORIGIN}
    login = server.http.post("/api/library/login", json={"password": PASSWORD}, headers=foreign)
    assert login.status_code == 403
    token = log_in(server)
    text = a_log_file(seed=7)
    # a cookie with no Origin, or a foreign one: not our page
    no_origin = {"content-type": "application/x-ndjson"}
    assert (
        server.http.post("/api/library/import", content=text, headers=no_origin).status_code == 403
    )
    imported = server.http.post("/api/library/import", content=text, headers=LOG_FILE)
    assert imported.status_code == 201, imported.text
    delete = f"/api/library/workshops/{imported.json()['workshop_id']}"
    assert server.http.delete(delete, headers=foreign).status_code == 403
    assert server.http.post("/api/library/logout", headers=foreign).status_code == 403
    assert server.http.get(LIST).status_code == 200  # reads need no Origin; still signed in
    assert server.http.delete(delete, headers=OWN).status_code == 204
    # a script: the password as Bearer, no cookie, no Origin
    server.http.cookies.clear()
    script = {"Authorization": f"Bearer {PASSWORD}", "content-type": "application/x-ndjson"}
    assert server.http.post("/api/library/import", content=text, headers=script).status_code == 201
    assert server.http.get(LIST, headers=with_cookie(token)).status_code == 200
