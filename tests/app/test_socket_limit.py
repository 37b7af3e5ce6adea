"""Open WebSockets are limited per address: one address cannot hold the server's files."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from app.security import SocketCount
from tests.app.helpers import RECEIVE_TIMEOUT_S, Server

LIMIT = 3
SERVER_CONFIG: dict[str, Any] = {"max_sockets_per_address": LIMIT}


def held(server: Server) -> int:
    sockets: SocketCount = server.app.state.sockets
    return sockets.held("testclient")


def wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + RECEIVE_TIMEOUT_S
    while not condition():
        assert time.monotonic() < deadline, "the condition never came true"
        time.sleep(0.01)


def test_one_socket_too_many_is_told_and_closed(server: Server) -> None:
    workshop = server.create_workshop()
    code = workshop.codes[0]
    with ExitStack() as stack:
        screens = [server.screen(stack, code) for _ in range(LIMIT)]
        for path in (f"/ws/screen/{code}", f"/ws/play/{code}", f"/ws/facilitate/{workshop.id}"):
            extra = server.connect(stack, path)
            extra.expect_error("too_many_sockets")
            assert extra.expect_close() == 1008
        screens[0].drop()
        wait_until(lambda: held(server) == LIMIT - 1)
        server.screen(stack, code)
    wait_until(lambda: held(server) == 0)


def test_every_way_out_gives_the_socket_back(server: Server) -> None:
    workshop = server.create_workshop()
    with ExitStack() as stack:
        wrong_code = server.connect(stack, "/ws/play/ZZZZZZ")
        wrong_code.expect_error("no_such_team")
        wrong_token = server.connect(stack, f"/ws/facilitate/{workshop.id}")
        wrong_token.send({"type": "auth", "token": "wrong"})
        wrong_token.expect_error("unauthorised")
        player = server.join(stack, workshop.codes[0], "Ann")
        player.send({"type": "leave"})
        assert player.expect_close() == 4003
        console = server.facilitator(stack, workshop)
        console.drop()
    wait_until(lambda: held(server) == 0)
    with ExitStack() as stack:
        for _ in range(LIMIT):
            server.screen(stack, workshop.codes[0])
