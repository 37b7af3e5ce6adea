"""The limits' bookkeeping, on a clock the test moves."""

from __future__ import annotations

import asyncio

import pytest

from app.security import (
    AttemptLimiter,
    SocketCount,
    TooManyAttempts,
    check_secret,
    client_address,
)


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


def burst(limiter: AttemptLimiter, answer: str | None, size: int) -> tuple[int, list[str]]:
    """`size` guesses at once, each held in its check until all have started: how many were
    checked, and how each ended."""
    checked = 0

    async def run() -> list[str]:
        release = asyncio.Event()

        async def check() -> str | None:
            nonlocal checked
            checked += 1
            await release.wait()
            return answer

        async def guess() -> str:
            try:
                return str(await check_secret(limiter, "a", check))
            except TooManyAttempts:
                return "blocked"

        tasks = [asyncio.create_task(guess()) for _ in range(size)]
        await asyncio.sleep(0)  # every task runs up to its check before this goes on
        release.set()
        return list(await asyncio.gather(*tasks))

    ended = asyncio.run(run())
    return checked, ended


def test_a_burst_of_guesses_at_once_cannot_outrun_the_limit() -> None:
    limiter = AttemptLimiter(3, clock=Clock())
    checked, ended = burst(limiter, None, 10)
    assert checked == 3 and ended == ["None"] * 3 + ["blocked"] * 7
    assert limiter.blocked("a")


def test_right_answers_are_taken_back_once_checked() -> None:
    limiter = AttemptLimiter(3, clock=Clock())
    for _ in range(3):
        assert burst(limiter, "right", 2) == (2, ["right", "right"])
    assert not limiter.blocked("a")


class _Conn:
    def __init__(self, host: str | None) -> None:
        self.client = None if host is None else type("Address", (), {"host": host})()


@pytest.mark.parametrize(
    ("host", "counted_as"),
    [
        ("192.0.2.7", "192.0.2.7"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:bbbb::9", "2001:db8:1:2::/64"),
        ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
        ("testclient", "testclient"),
        (None, "unknown"),
    ],
)
def test_limits_count_an_ipv6_client_by_its_64(host: str | None, counted_as: str) -> None:
    """A device may take any address of its /64: counting each would let it guess without
    end; IPv4 clients of a dual-stack socket are counted by their IPv4 address."""
    assert client_address(_Conn(host)) == counted_as  # type: ignore[arg-type]
