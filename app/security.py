"""Tokens, join codes, origin checks and rate limits."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TypeVar
from urllib.parse import urlsplit

from fastapi import HTTPException
from starlette.requests import HTTPConnection

from app.config import Config

T = TypeVar("T")

# No 0/O, 1/I/L, 5/S, 2/Z: easy to read off a projector and type on a phone.
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRTUVWXY346789"
JOIN_CODE_LENGTH = 6


WORKSHOP_ID_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
WORKSHOP_ID_LENGTH = 12


def new_token() -> str:
    return secrets.token_urlsafe(24)


def new_workshop_id() -> str:
    """60 random bits in letters and digits only: an id never starts with a dash, so it can
    be given to the command line (`electric-maze export ID`) without being taken for an option."""
    return "".join(secrets.choice(WORKSHOP_ID_ALPHABET) for _ in range(WORKSHOP_ID_LENGTH))


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(token: str, token_hash: str) -> bool:
    return hmac.compare_digest(hash_token(token), token_hash)


# 16 letters and digits of the join-code alphabet, in four groups of four: 76 bits, easy to
# copy onto paper and type back.
RECOVERY_CODE_GROUPS = 4
RECOVERY_CODE_GROUP_LENGTH = 4


def new_recovery_code() -> str:
    """A facilitator recovery code, as it is shown: "ABCD-EFGH-JKMN-PQRT"."""
    return "-".join(
        "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(RECOVERY_CODE_GROUP_LENGTH))
        for _ in range(RECOVERY_CODE_GROUPS)
    )


def hash_recovery_code(code: str) -> str:
    """The hash of a recovery code as typed: any case, with or without spaces and dashes."""
    return hash_token(normalise_join_code(code))


def recovery_code_matches(code: str, code_hash: str) -> bool:
    return hmac.compare_digest(hash_recovery_code(code), code_hash)


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def normalise_join_code(code: str) -> str:
    """What people type, in any case, with spaces or dashes."""
    return "".join(ch for ch in code.upper() if ch.isascii() and ch.isalnum())


def origin_allowed(origin: str | None, host: str | None, allowed: tuple[str, ...]) -> bool:
    """Browsers always send Origin; a page from another site may not open our sockets."""
    if origin is None:
        return True  # not a browser: scripts and tools, which Origin checks cannot stop anyway
    origin = origin.rstrip("/")
    if origin in allowed or "*" in allowed:
        return True
    parts = urlsplit(origin)
    return host is not None and parts.netloc == host and parts.scheme in ("http", "https")


def from_allowed_origin(conn: HTTPConnection, config: Config, *, cookie: str = "") -> bool:
    """Whether a request or handshake comes from our own pages or an allowed origin: the
    `Host` it was sent to, `PUBLIC_URL`'s origin (behind a proxy the Host header may not name
    it) or ALLOWED_ORIGINS. Without an Origin it is not a browser, unless it carries `cookie`:
    a browser sending our cookie also sends an Origin on anything that changes state."""
    origin = conn.headers.get("origin")
    if origin is None:
        return not (cookie and cookie in conn.cookies)
    allowed = config.allowed_origins
    public = origin_of(config.public_url) if config.public_url else None
    if public is not None:
        allowed = (*allowed, public)
    return origin_allowed(origin, conn.headers.get("host"), allowed)


def origin_of(url: str) -> str | None:
    """The origin a browser sends for pages under `url`: scheme, host and any port that is not
    the scheme's default (`https://maze.example.org/x` gives `https://maze.example.org`)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        return None
    default = 443 if parts.scheme == "https" else 80
    return f"{parts.scheme}://{host}" + (f":{port}" if port not in (None, default) else "")


class TokenBucket:
    """Allows `rate` events a second on average, bursts of `burst`."""

    def __init__(
        self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate, self.burst, self.clock = rate, burst, clock
        self.tokens = burst
        self.updated = clock()

    def allow(self) -> bool:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class AttemptLimiter:
    """Counts attempts per key (a client address) over a sliding window; at `limit` of them
    in `window_s` seconds the key is blocked until old ones age out. For secrets only
    failures are recorded, so a room of phones behind one address is never
    blocked for joining."""

    def __init__(
        self, limit: int, window_s: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit, self.window_s, self.clock = limit, window_s, clock
        self._seen: dict[str, deque[float]] = {}

    def blocked(self, key: str) -> bool:
        seen = self._seen.get(key)
        if not seen:
            return False
        cutoff = self.clock() - self.window_s
        while seen and seen[0] <= cutoff:
            seen.popleft()
        return len(seen) >= self.limit

    def retry_after(self, key: str) -> int:
        """Whole seconds until the key is no longer blocked (0 if it is not)."""
        if not self.blocked(key):
            return 0
        seen = self._seen[key]
        freed_at = seen[len(seen) - self.limit] + self.window_s
        return max(1, math.ceil(freed_at - self.clock()))

    def record(self, key: str) -> float:
        """Count one attempt; its time, to take it back with `forget`."""
        at = self.clock()
        self._seen.setdefault(key, deque()).append(at)
        if len(self._seen) > 10_000:  # forget addresses with nothing recent
            for stale in [k for k in self._seen if not self.blocked(k)]:
                del self._seen[stale]
        return at

    def forget(self, key: str, at: float) -> None:
        """Take back the attempt recorded at `at`: it did not count after all."""
        seen = self._seen.get(key)
        if seen is not None and at in seen:
            seen.remove(at)


class TooManyAttempts(Exception):
    """The address has had its share of wrong guesses; `retry_after` seconds to wait."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many attempts; retry after {retry_after} s")
        self.retry_after = retry_after

    def http(self, detail: str) -> HTTPException:
        return HTTPException(
            status_code=429, detail=detail, headers={"Retry-After": str(self.retry_after)}
        )


async def check_secret(
    limiter: AttemptLimiter, address: str, check: Callable[[], Awaitable[T | None]]
) -> T | None:
    """The one way a guessable secret (a join code, a facilitator token, the library
    password) is checked, whichever route carries it: TooManyAttempts, without checking,
    once the address has had `limiter.limit` wrong guesses in its window; otherwise what
    `check` found, and None (a wrong guess, counted against the address) if nothing.
    Each attempt counts while it is checked, so that a burst of them at once cannot outrun
    the limit; a right one is then taken back."""
    if limiter.blocked(address):
        raise TooManyAttempts(limiter.retry_after(address))
    attempt = limiter.record(address)
    try:
        found = await check()
    except BaseException:
        limiter.forget(address, attempt)  # not a guess: the check itself failed
        raise
    if found is not None:
        limiter.forget(address, attempt)
    return found


def client_address(conn: HTTPConnection) -> str:
    """The address limits are counted against: an IPv4 address, or an IPv6 address's /64,
    since one device (or one venue) is given a whole /64 and may use any address in it."""
    host = conn.client.host if conn.client else "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if not isinstance(address, ipaddress.IPv6Address):
        return host
    if address.ipv4_mapped is not None:  # an IPv4 client of a dual-stack socket
        return str(address.ipv4_mapped)
    return str(ipaddress.IPv6Network((address, 64), strict=False))


class SocketCount:
    """Open WebSockets per address, at most `limit` each."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._open: dict[str, int] = {}

    def open(self, address: str) -> bool:
        """Count a new socket in; False (not counted) when the address has its limit."""
        held = self._open.get(address, 0)
        if held >= self.limit:
            return False
        self._open[address] = held + 1
        return True

    def close(self, address: str) -> None:
        held = self._open.get(address, 0) - 1
        if held > 0:
            self._open[address] = held
        else:
            self._open.pop(address, None)

    def held(self, address: str) -> int:
        return self._open.get(address, 0)
