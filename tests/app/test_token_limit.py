"""Wrong facilitator tokens count against the client's address, on HTTP and the socket alike,
with a budget of their own (wrong join codes do not use it up, nor it theirs)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from app.security import AttemptLimiter
from tests.app.helpers import Server

SERVER_CONFIG: dict[str, Any] = {"token_attempts_per_minute": 3, "join_attempts_per_minute": 3}


@pytest.fixture(autouse=True)
def fresh_limiters(server: Server) -> Iterator[None]:
    """Each test starts with nothing counted against the test client."""
    state, config = server.app.state, server.config
    state.token_limiter = AttemptLimiter(config.token_attempts_per_minute)
    state.join_limiter = AttemptLimiter(config.join_attempts_per_minute)
    yield


def test_after_too_many_wrong_tokens_even_the_right_one_waits(server: Server) -> None:
    workshop = server.create_workshop()
    log = f"/api/workshops/{workshop.id}/log"
    right = {"Authorization": f"Bearer {workshop.token}"}
    assert server.http.get(log, headers=right).status_code == 200  # a right token never counts
    for guess in ("a", "b", "c"):
        answer = server.http.get(log, headers={"Authorization": f"Bearer {guess}"})
        assert answer.status_code == 401
    blocked = server.http.get(log, headers=right)
    assert blocked.status_code == 429
    assert blocked.json()["detail"] == "Too many wrong tokens; wait a minute"
    assert 1 <= int(blocked.headers["retry-after"]) <= 60
    with ExitStack() as stack:
        console = server.connect(stack, f"/ws/facilitate/{workshop.id}")
        console.send({"type": "auth", "token": workshop.token})
        console.expect_error("too_many_attempts")
        assert console.expect_close() == 1008
        server.join(stack, workshop.codes[0], "Ann")  # join codes have their own budget


def test_wrong_tokens_on_the_socket_count_as_on_http(server: Server) -> None:
    workshop = server.create_workshop()
    with ExitStack() as stack:
        for guess in ("a", "b", "c"):
            console = server.connect(stack, f"/ws/facilitate/{workshop.id}")
            console.send({"type": "auth", "token": guess})
            console.expect_error("unauthorised")
            assert console.expect_close() == 4401
    right = {"Authorization": f"Bearer {workshop.token}"}
    assert server.http.get(f"/api/workshops/{workshop.id}/log", headers=right).status_code == 429


def test_wrong_join_codes_do_not_use_up_the_tokens_budget(server: Server) -> None:
    workshop = server.create_workshop()
    with ExitStack() as stack:
        for guess in ("AAAAAA", "BBBBBB", "CCCCCC"):
            conn = server.connect(stack, f"/ws/play/{guess}")
            conn.expect_error("no_such_team")
        server.facilitator(stack, workshop)
    right = {"Authorization": f"Bearer {workshop.token}"}
    assert server.http.get(f"/api/workshops/{workshop.id}/log", headers=right).status_code == 200


def test_pings_before_signing_in_are_answered_and_are_no_wrong_tokens(server: Server) -> None:
    workshop = server.create_workshop()
    with ExitStack() as stack:
        console = server.connect(stack, f"/ws/facilitate/{workshop.id}")
        for _ in range(5):  # more than the budget of wrong tokens
            console.send({"type": "ping"})
            assert console.expect("pong")["seq"] == 0  # nothing of the workshop yet
        console.send({"type": "auth", "token": workshop.token})
        assert console.expect("welcome")["seq"] == 1
        server.facilitator(stack, workshop)  # and nothing was counted against the address
