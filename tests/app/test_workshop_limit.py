"""Creating workshops needs no login, so it is limited per address."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from app import api
from app.api import WorkshopRequest
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


def test_a_burst_of_requests_at_once_cannot_outrun_the_limit(server: Server) -> None:
    scope = {
        "type": "http",
        "app": server.app,
        "client": ("192.0.2.7", 4000),  # an address of its own
        "method": "POST",
        "path": "/api/workshops",
        "headers": [],
        "query_string": b"",
    }

    async def burst() -> list[object]:
        requests = [api.create_workshop(Request(scope), WorkshopRequest()) for _ in range(5)]
        return list(await asyncio.gather(*requests))

    portal = server.http.portal
    assert portal is not None
    answers = portal.call(burst)  # on the app's own loop
    made = [a for a in answers if isinstance(a, api.WorkshopCreated)]
    refused = [a for a in answers if isinstance(a, JSONResponse) and a.status_code == 429]
    assert (len(made), len(refused)) == (3, 2)
