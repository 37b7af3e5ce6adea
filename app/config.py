"""Server settings, read from the environment."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_DB_FILE = Path("var") / "electric-maze.db"


@dataclass(frozen=True)
class Config:
    database_url: str = f"sqlite:///{DEFAULT_DB_FILE}"
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str | None = None  # as phones must reach the server, e.g. behind a proxy
    allowed_origins: tuple[str, ...] = ()
    max_message_bytes: int = 64 * 1024
    messages_per_second: float = 20.0  # per connection, with a burst of twice that
    # Wrong join codes an address may try a minute: sized for a venue behind one NAT
    join_attempts_per_minute: int = 100
    # Wrong facilitator tokens and library passwords an address may try a minute
    token_attempts_per_minute: int = 10
    workshops_per_hour: int = 60  # workshops one address may create an hour
    max_sockets_per_address: int = 1000  # open WebSockets from one address at once
    max_body_bytes: int = 1024 * 1024  # a request body, before it is read
    max_import_bytes: int = 50 * 1024 * 1024  # a log file brought into the library
    abandon_after_s: float = 4 * 3600.0  # a workshop with no command this long is ended
    forwarded_allow_ips: tuple[str, ...] = ()  # proxies whose X-Forwarded-For is believed
    allowed_hosts: tuple[str, ...] = ()  # Host headers answered; empty: any
    send_queue_size: int = 256  # per connection; a client that falls further behind is dropped
    tick_s: float = 0.25  # how often rooms let time pass (idle timeouts, delayed beeps)
    heartbeat_s: float = 15.0
    resume_limit: int = 500  # missed events beyond which a client gets a full snapshot
    shutdown_timeout_s: int = 5
    admin_password: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Config:
        env = os.environ if env is None else env
        base = cls()
        origins = tuple(o.strip().rstrip("/") for o in env.get("ALLOWED_ORIGINS", "").split(","))

        def whole(name: str, default: int, low: int, high: int) -> int:
            return int(_number(env, name, default, low, high))

        return cls(
            database_url=env.get("DATABASE_URL", base.database_url),
            host=env.get("HOST", base.host),
            port=int(_number(env, "PORT", base.port, 1, 65535)),
            public_url=(env.get("PUBLIC_URL") or "").rstrip("/") or None,
            allowed_origins=tuple(o for o in origins if o),
            max_message_bytes=int(
                _number(env, "MAX_MESSAGE_BYTES", base.max_message_bytes, 1024, 16 * 2**20)
            ),
            messages_per_second=_number(
                env, "MESSAGES_PER_SECOND", base.messages_per_second, 1, 1000, whole=False
            ),
            join_attempts_per_minute=whole(
                "JOIN_ATTEMPTS_PER_MINUTE", base.join_attempts_per_minute, 1, 1_000_000
            ),
            token_attempts_per_minute=whole(
                "TOKEN_ATTEMPTS_PER_MINUTE", base.token_attempts_per_minute, 1, 1_000_000
            ),
            workshops_per_hour=whole("WORKSHOPS_PER_HOUR", base.workshops_per_hour, 1, 1_000_000),
            max_sockets_per_address=whole(
                "MAX_SOCKETS_PER_ADDRESS", base.max_sockets_per_address, 1, 1_000_000
            ),
            max_body_bytes=whole("MAX_BODY_BYTES", base.max_body_bytes, 1024, 2**30),
            max_import_bytes=whole("MAX_IMPORT_BYTES", base.max_import_bytes, 1024, 2**32),
            abandon_after_s=_number(
                env, "ABANDON_AFTER_S", base.abandon_after_s, 1, 365 * 86400, whole=False
            ),
            forwarded_allow_ips=_words(env, "FORWARDED_ALLOW_IPS"),
            allowed_hosts=_words(env, "ALLOWED_HOSTS"),
            admin_password=env.get("ADMIN_PASSWORD") or None,
        )

    def base_url(self) -> str:
        """The address join links and QR codes carry."""
        if self.public_url:
            return self.public_url
        host = self.host
        if host in ("0.0.0.0", "::", ""):
            host = lan_address()
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    def phones_can_reach(self) -> bool:
        """False when join links point at this computer itself, where no phone can follow."""
        host = urlsplit(self.base_url()).hostname or ""
        if host == "localhost":
            return False
        try:
            return not ipaddress.ip_address(host).is_loopback
        except ValueError:
            return True  # a name: trust whoever chose it


def _number(
    env: Mapping[str, str],
    name: str,
    default: float,
    low: float,
    high: float,
    *,
    whole: bool = True,
) -> float:
    """A setting from the environment, or the server does not start and says why."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    kind = "a whole number" if whole else "a number"
    try:
        value = int(raw) if whole else float(raw)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise SystemExit(f"{name} must be {kind} from {low:g} to {high:g}, not {raw!r}")
    return value


def _words(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """A comma-separated list from the environment, blanks dropped."""
    return tuple(word.strip() for word in env.get(name, "").split(",") if word.strip())


def lan_address() -> str:
    """This machine's address on the local network, as phones on the same Wi-Fi reach it."""
    return _routed_address() or _named_address() or "127.0.0.1"


def _routed_address() -> str | None:
    """The address of the interface that would carry traffic out (no packet is sent)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # a documentation address: never routed anywhere
            address = str(probe.getsockname()[0])
    except OSError:
        return None
    return None if address.startswith("127.") or address == "0.0.0.0" else address


def _named_address() -> str | None:
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
    except OSError:
        return None
    for info in infos:
        address = str(info[4][0])
        if not address.startswith("127."):
            return address
    return None
