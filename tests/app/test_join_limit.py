"""Wrong join codes are limited per client address, against guessing them; a room behind one
address (a venue's Wi-Fi) is never locked out of seats it holds."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from app.security import AttemptLimiter
from tests.app.helpers import Server

SERVER_CONFIG: dict[str, Any] = {"join_attempts_per_minute": 3}


@pytest.fixture(autouse=True)
def fresh_limiter(server: Server) -> Iterator[None]:
    """Each test starts with no wrong codes counted against the test client."""
    server.app.state.join_limiter = AttemptLimiter(server.config.join_attempts_per_minute)
    yield


def use_up_the_budget(server: Server, stack: ExitStack) -> None:
    for guess in ("AAAAAA", "BBBBBB", "CCCCCC"):
        conn = server.connect(stack, f"/ws/play/{guess}")
        conn.expect_error("no_such_team")
        assert conn.expect_close() == 4404


def test_after_too_many_wrong_codes_a_new_player_waits(server: Server) -> None:
    workshop = server.create_workshop()
    code = workshop.codes[0]
    with ExitStack() as stack:
        use_up_the_budget(server, stack)
        player = server.connect(stack, f"/ws/play/{code}")
        player.send({"type": "join", "name": "Ann"})
        player.expect_error("too_many_attempts")
        assert player.expect_close() == 1008
        screen = server.connect(stack, f"/ws/screen/{code}")
        screen.expect_error("too_many_attempts")
        assert screen.expect_close() == 1008
        # tokens have a budget of their own: the facilitator still signs in
        server.facilitator(stack, workshop)
    assert server.room(workshop.id).seq == 1


def test_a_seated_player_resumes_whatever_others_behind_the_address_mistyped(
    server: Server,
) -> None:
    workshop = server.create_workshop()
    code = workshop.codes[0]
    with ExitStack() as stack:
        ann = server.join(stack, code, "Ann")
        ann.drop()
        use_up_the_budget(server, stack)
        again = server.connect(stack, f"/ws/play/{code}")
        again.send({"type": "resume", "seat_token": ann.seat_token, "last_seq": 0})
        resumed = again.recv()
        assert resumed["type"] in ("resumed", "snapshot") and resumed["player"] == ann.player


def test_past_the_budget_nothing_tells_whether_a_code_exists(server: Server) -> None:
    workshop = server.create_workshop(teams=2)
    with ExitStack() as stack:
        ann = server.join(stack, workshop.codes[0], "Ann")
        use_up_the_budget(server, stack)
        attempts: list[tuple[str, dict[str, Any] | str]] = [
            (workshop.codes[1], {"type": "resume", "seat_token": ann.seat_token or ""}),
            ("DDDDDD", {"type": "resume", "seat_token": ann.seat_token or ""}),
            ("DDDDDD", {"type": "join", "name": "Bo"}),
            (workshop.codes[0], {"type": "resume", "seat_token": "x" * 32}),
            (workshop.codes[0], "not json"),
        ]
        for code, first in attempts:
            conn = server.connect(stack, f"/ws/play/{code}")
            conn.send(first)
            error = conn.expect_error("too_many_attempts")
            assert error["message"] == "Too many wrong codes from this address; wait a minute"
            assert conn.expect_close() == 1008


def test_right_codes_never_count(server: Server) -> None:
    workshop = server.create_workshop()
    with ExitStack() as stack:
        for n in range(5):
            server.join(stack, workshop.codes[0], f"P{n}")
            server.screen(stack, workshop.codes[0])
    assert server.app.state.join_limiter.blocked("testclient") is False
