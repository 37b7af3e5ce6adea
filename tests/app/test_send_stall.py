"""A client that stops reading is closed as too slow (4008), as docs/protocol.md says, before
the keepalive ping would drop it with 1011: it then resumes with its last seq."""

from __future__ import annotations

import asyncio
from typing import Any

from app.rooms import CLOSE_TOO_SLOW, Client
from app.ws import _send_loop


class StuckSocket:
    """A socket whose peer reads nothing: the first send goes out, the next never completes."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.closed_with: tuple[int, str] | None = None

    async def send_text(self, text: str) -> None:
        if self.sent:
            await asyncio.Event().wait()  # the peer's buffers are full
        self.sent.append(text)

    async def close(self, code: int, reason: str = "") -> None:
        self.closed_with = (code, reason)


class QuietRoom:
    def header(self, kind: str) -> dict[str, Any]:
        return {"type": kind, "seq": 0, "now": 0.0}


async def test_a_send_that_stalls_closes_the_client_as_too_slow() -> None:
    socket, client = StuckSocket(), Client("participant", "t1")
    client.send_text("first")
    client.send_text("second")
    sender = _send_loop(socket, client, QuietRoom(), heartbeat_s=60, stall_s=0.05)  # type: ignore[arg-type]
    await asyncio.wait_for(sender, timeout=10)
    assert socket.sent == ["first"]
    assert client.close_code == CLOSE_TOO_SLOW
    assert socket.closed_with is not None and socket.closed_with[0] == CLOSE_TOO_SLOW


async def test_a_reading_client_is_not_closed() -> None:
    class ReadingSocket(StuckSocket):
        async def send_text(self, text: str) -> None:
            self.sent.append(text)

    socket, client = ReadingSocket(), Client("participant", "t1")
    for n in range(5):
        client.send_text(str(n))
    client.close(1000, "")
    sender = _send_loop(socket, client, QuietRoom(), heartbeat_s=60, stall_s=0.05)  # type: ignore[arg-type]
    await asyncio.wait_for(sender, timeout=10)
    assert socket.sent == ["0", "1", "2", "3", "4"]
    assert socket.closed_with == (1000, "")
