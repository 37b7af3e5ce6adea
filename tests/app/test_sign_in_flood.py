"""Before signing in, a console's pings are held to the message rate like every message."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

from tests.app.helpers import Server

SERVER_CONFIG: dict[str, Any] = {"messages_per_second": 1}  # bursts of 2


def test_a_flood_of_pings_before_auth_is_mostly_dropped(server: Server) -> None:
    workshop = server.create_workshop()
    with ExitStack() as stack:
        console = server.connect(stack, f"/ws/facilitate/{workshop.id}")
        for _ in range(20):
            console.send({"type": "ping"})
        console.send({"type": "auth", "token": workshop.token})
        pongs = 0
        while (message := console.recv())["type"] == "pong":
            pongs += 1
        assert message["type"] == "welcome"
        assert 2 <= pongs < 20  # the burst, and what the rate allowed meanwhile
