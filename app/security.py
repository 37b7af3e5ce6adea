"""Tokens, join codes, origin checks and rate limits."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections import deque
from collections.abc import Callable
from urllib.parse import urlsplit

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
    """Counts failed attempts per key (a client address) over a sliding window; at `limit`
    failures in `window_s` seconds the key is blocked until old failures age out. Only
    failures count, so a room of phones behind one address is never blocked for joining."""

    def __init__(
        self, limit: int, window_s: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit, self.window_s, self.clock = limit, window_s, clock
        self._failures: dict[str, deque[float]] = {}

    def blocked(self, key: str) -> bool:
        failures = self._failures.get(key)
        if not failures:
            return False
        cutoff = self.clock() - self.window_s
        while failures and failures[0] <= cutoff:
            failures.popleft()
        return len(failures) >= self.limit

    def failed(self, key: str) -> None:
        self._failures.setdefault(key, deque()).append(self.clock())
        if len(self._failures) > 10_000:  # forget addresses with nothing recent
            for stale in [k for k in self._failures if not self.blocked(k)]:
                del self._failures[stale]
