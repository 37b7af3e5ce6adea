"""The limits' bookkeeping, on a clock the test moves."""

from __future__ import annotations

from app.security import AttemptLimiter, SocketCount


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_address_is_blocked_until_enough_failures_are_old() -> None:
    clock = Clock()
    limiter = AttemptLimiter(3, window_s=60.0, clock=clock)
    for at in (0.0, 10.0, 20.0, 30.0):
        clock.now = 1000.0 + at
        limiter.record("a")
    clock.now = 1035.0
    assert limiter.blocked("a") and not limiter.blocked("b")
    # four failures, three allowed: free once two have aged out, the second at 1070
    assert limiter.retry_after("a") == 35
    clock.now = 1069.5
    assert limiter.retry_after("a") == 1
    clock.now = 1070.0
    assert not limiter.blocked("a") and limiter.retry_after("a") == 0


def test_sockets_are_counted_per_address_and_given_back() -> None:
    sockets = SocketCount(2)
    assert sockets.open("a") and sockets.open("a") and sockets.open("b")
    assert not sockets.open("a")  # refused, and not counted
    sockets.close("a")
    assert sockets.held("a") == 1 and sockets.open("a")
    for _ in range(2):
        sockets.close("a")
    assert sockets.held("a") == 0
