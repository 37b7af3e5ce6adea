"""Creating workshops needs no login, so it is limited per address."""

from __future__ import annotations

from typing import Any

from tests.app.helpers import Server

SERVER_CONFIG: dict[str, Any] = {"workshops_per_hour": 3}


def test_an_address_creates_so_many_workshops_an_hour(server: Server) -> None:
    refused = server.http.post("/api/workshops", json={"teams": 99})
    assert refused.status_code == 422  # a refused body creates nothing and does not count
    for _ in range(3):
        server.create_workshop()
    answer = server.http.post("/api/workshops", json={})
    assert answer.status_code == 429
    assert 3540 <= int(answer.headers["retry-after"]) <= 3600
    message = (
        "Too many workshops created from this address in the last hour (3); try again in 60 minutes"
    )
    assert answer.json() == {"detail": message, "message": message}  # as the set-up page shows
    assert len(server.call(server.registry.store.workshops)) == 3
