"""Join attempts are limited per client address, against guessing join codes."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

from tests.app.helpers import Server

SERVER_CONFIG: dict[str, Any] = {"join_attempts_per_minute": 3}


def test_after_too_many_tries_even_a_right_code_waits(server: Server) -> None:
    workshop = server.create_workshop()
    code = workshop.codes[0]
    with ExitStack() as stack:
        for guess in ("AAAAAA", "BBBBBB", "CCCCCC"):
            conn = server.connect(stack, f"/ws/play/{guess}")
            conn.expect_error("no_such_team")
            assert conn.expect_close() == 4404

        for path in (f"/ws/play/{code}", f"/ws/screen/{code}"):
            conn = server.connect(stack, path)
            conn.expect_error("too_many_attempts")
            assert conn.expect_close() == 1008
        facilitator = server.connect(stack, f"/ws/facilitate/{workshop.id}")
        facilitator.send({"type": "auth", "token": workshop.token})
        facilitator.expect_error("too_many_attempts")
        assert facilitator.expect_close() == 1008

    assert server.room(workshop.id).seq == 1
