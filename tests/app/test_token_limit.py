"""Wrong facilitator tokens on the HTTP API count against the client's address too."""

from __future__ import annotations

from typing import Any

from tests.app.helpers import Server

SERVER_CONFIG: dict[str, Any] = {"join_attempts_per_minute": 3}


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
