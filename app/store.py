"""The event store: an append-only log per workshop, plus the few lookups around it.

SQLite (WAL mode) by default, PostgreSQL when the URL says so. Writes go through one thread,
so a room's events are committed in order and before anyone hears of them.
"""

from __future__ import annotations

import asyncio
import hmac
import json
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, event, func, insert, text
from sqlmodel import Field, Session, SQLModel, col, create_engine, delete, select

from game.events import Event, SessionEnded, from_record, to_record

T = TypeVar("T")


class WorkshopRow(SQLModel, table=True):
    __tablename__ = "workshops"
    id: str = Field(primary_key=True, max_length=32)
    title: str = Field(max_length=200)
    created_at: float
    token_hash: str = Field(max_length=64)


class RecoveryRow(SQLModel, table=True):
    """The hash of a workshop's facilitator recovery code (the code itself is never kept). A
    table of its own, so that a store made before recovery codes gets it from create_all."""

    __tablename__ = "facilitator_recovery"
    workshop_id: str = Field(primary_key=True, max_length=32)
    code_hash: str = Field(max_length=64)


class FacilitatorTokenRow(SQLModel, table=True):
    """A facilitator token given out for a recovery code: accepted alongside the workshop's
    first token (WorkshopRow.token_hash), which stays valid."""

    __tablename__ = "facilitator_tokens"
    token_hash: str = Field(primary_key=True, max_length=64)
    workshop_id: str = Field(index=True, max_length=32)
    created_at: float


class TeamRow(SQLModel, table=True):
    __tablename__ = "teams"
    join_code: str = Field(primary_key=True, max_length=16)
    workshop_id: str = Field(index=True, max_length=32)
    team_id: str = Field(max_length=32)


class SeatRow(SQLModel, table=True):
    __tablename__ = "seats"
    token_hash: str = Field(primary_key=True, max_length=64)
    workshop_id: str = Field(index=True, max_length=32)
    team_id: str = Field(max_length=32)
    player_id: str = Field(max_length=32)


class ImportRow(SQLModel, table=True):
    """A workshop brought in from a log file: kept for replay, never run live again."""

    __tablename__ = "imports"
    workshop_id: str = Field(primary_key=True, max_length=32)
    imported_at: float
    session_id: str = Field(max_length=200)


class HeartbeatRow(SQLModel, table=True):
    """When a server process last showed it was alive: after a crash, the outage began then."""

    __tablename__ = "heartbeats"
    server: str = Field(primary_key=True, max_length=100)
    at: float


class EventRow(SQLModel, table=True):
    __tablename__ = "events"
    workshop_id: str = Field(primary_key=True, max_length=32)
    seq: int = Field(primary_key=True)
    ts: float
    type: str = Field(max_length=40)
    body: str


class LibrarySessionRow(SQLModel, table=True):
    """A trainer signed in to the library: the hash of the cookie's token, when the session
    ends, and a fingerprint of the password it was opened with (a session opened under another
    password is refused). Kept in the store so that every server process knows it."""

    __tablename__ = "library_sessions"
    token_hash: str = Field(primary_key=True, max_length=64)
    expires_at: float = Field(index=True)
    password_fingerprint: str = Field(max_length=64)


def make_engine(url: str) -> Engine:
    url = _with_driver(url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _with_driver(url: str) -> str:
    """PostgreSQL URLs as people write them, served by psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # NORMAL keeps every commit across a process crash (kill -9); only power loss can cost
    # the last transactions, and it is several times faster than FULL.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


class EventStore:
    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        SQLModel.metadata.create_all(self.engine)
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="event-store")
        self._readers = ThreadPoolExecutor(max_workers=2, thread_name_prefix="store-reader")

    async def run(self, work: Callable[..., T], *args: Any) -> T:
        """Run a blocking store call on the store's own thread, in submission order."""
        return await asyncio.get_running_loop().run_in_executor(self._writer, work, *args)

    async def read(self, work: Callable[..., T], *args: Any) -> T:
        """Run reading (and the work on what it read) that no live room waits for, such as the
        library's lists and replays, on threads of its own: however long it takes, the rooms'
        writes on the store's thread go on."""
        return await asyncio.get_running_loop().run_in_executor(self._readers, work, *args)

    def close(self) -> None:
        self._readers.shutdown(wait=True)
        self._writer.shutdown(wait=True)
        self.engine.dispose()

    # --- writes ------------------------------------------------------------------------

    def create_workshop(
        self,
        workshop: WorkshopRow,
        teams: Iterable[TeamRow],
        events: Sequence[Event],
        rows: Sequence[SQLModel] = (),
    ) -> None:
        """The workshop, its teams, its first events and any rows that go with it (the hash of
        its recovery code), in one transaction."""
        with Session(self.engine, expire_on_commit=False) as session:
            session.add(workshop)
            session.add_all(list(teams))
            session.add_all(list(rows))
            session.add_all(_rows(workshop.id, events))
            session.commit()

    def append(
        self, workshop_id: str, events: Sequence[Event], rows: Sequence[SQLModel] = ()
    ) -> None:
        """The events, and any rows that go with them (a new seat), in one transaction. The
        events go in as one bulk insert: this runs at every step of every room."""
        with Session(self.engine, expire_on_commit=False) as session:
            session.execute(
                insert(EventRow), [row.model_dump() for row in _rows(workshop_id, events)]
            )
            session.add_all(list(rows))
            session.commit()

    def import_workshop(
        self, workshop: WorkshopRow, record: ImportRow, events: Sequence[Event]
    ) -> None:
        with Session(self.engine, expire_on_commit=False) as session:
            session.add(workshop)
            session.add(record)
            session.add_all(_rows(workshop.id, events))
            session.commit()

    def add_seat(self, seat: SeatRow) -> None:
        with Session(self.engine, expire_on_commit=False) as session:
            session.add(seat)
            session.commit()

    def add_facilitator_token(self, row: FacilitatorTokenRow) -> None:
        with Session(self.engine, expire_on_commit=False) as session:
            session.add(row)
            session.commit()

    def beat(self, server: str, at: float) -> None:
        """This server is alive at `at`."""
        with Session(self.engine, expire_on_commit=False) as session:
            session.merge(HeartbeatRow(server=server, at=at))
            session.commit()

    def delete_workshop(self, workshop_id: str) -> None:
        with Session(self.engine, expire_on_commit=False) as session:
            for table in (
                EventRow,
                SeatRow,
                TeamRow,
                ImportRow,
                RecoveryRow,
                FacilitatorTokenRow,
            ):
                session.exec(delete(table).where(col(table.workshop_id) == workshop_id))
            session.exec(delete(WorkshopRow).where(col(WorkshopRow.id) == workshop_id))
            session.commit()

    # --- reads -------------------------------------------------------------------------

    def ping(self) -> None:
        """A round trip to the database, for the health probe."""
        with Session(self.engine) as session:
            session.exec(text("SELECT 1"))  # type: ignore[call-overload]

    def workshop(self, workshop_id: str) -> WorkshopRow | None:
        with Session(self.engine, expire_on_commit=False) as session:
            return session.get(WorkshopRow, workshop_id)

    def facilitator_admits(self, workshop_id: str, token_hash: str) -> bool:
        """Whether a token of this hash is the workshop's facilitator token: its first one, or
        one given out for its recovery code."""
        with Session(self.engine, expire_on_commit=False) as session:
            row = session.get(WorkshopRow, workshop_id)
            if row is None:
                return False
            if hmac.compare_digest(row.token_hash, token_hash):
                return True
            other = session.get(FacilitatorTokenRow, token_hash)
            return other is not None and other.workshop_id == workshop_id

    def recovery_hash(self, workshop_id: str) -> str | None:
        """The hash of the workshop's recovery code; None for a workshop without one."""
        with Session(self.engine, expire_on_commit=False) as session:
            row = session.get(RecoveryRow, workshop_id)
            return None if row is None else row.code_hash

    def workshops(self) -> list[WorkshopRow]:
        with Session(self.engine, expire_on_commit=False) as session:
            return list(session.exec(select(WorkshopRow).order_by(col(WorkshopRow.created_at))))

    def open_workshops(self) -> list[tuple[str, float]]:
        """The workshops that may still change (neither ended nor imported), oldest first,
        each with the time of its last event."""
        ended = select(EventRow.workshop_id).where(col(EventRow.type) == SessionEnded.type)
        imported = select(ImportRow.workshop_id)
        query = (
            select(WorkshopRow.id, func.max(EventRow.ts))
            .join(EventRow, col(EventRow.workshop_id) == col(WorkshopRow.id))
            .where(col(WorkshopRow.id).not_in(ended), col(WorkshopRow.id).not_in(imported))
            .group_by(col(WorkshopRow.id), col(WorkshopRow.created_at))
            .order_by(col(WorkshopRow.created_at))
        )
        with Session(self.engine, expire_on_commit=False) as session:
            return [(str(workshop_id), float(ts)) for workshop_id, ts in session.exec(query)]

    def last_heartbeat(self) -> float | None:
        """The last time any server said it was alive on this store."""
        with Session(self.engine, expire_on_commit=False) as session:
            at = session.exec(select(func.max(HeartbeatRow.at))).one()
            return None if at is None else float(at)

    def imports(self) -> list[ImportRow]:
        with Session(self.engine, expire_on_commit=False) as session:
            return list(session.exec(select(ImportRow)))

    def team_by_code(self, join_code: str) -> TeamRow | None:
        with Session(self.engine, expire_on_commit=False) as session:
            return session.get(TeamRow, join_code)

    def teams(self, workshop_id: str) -> list[TeamRow]:
        with Session(self.engine, expire_on_commit=False) as session:
            query = select(TeamRow).where(col(TeamRow.workshop_id) == workshop_id)
            return list(session.exec(query))

    def seat(self, token_hash: str) -> SeatRow | None:
        with Session(self.engine, expire_on_commit=False) as session:
            return session.get(SeatRow, token_hash)

    def seats(self, workshop_id: str) -> list[SeatRow]:
        with Session(self.engine, expire_on_commit=False) as session:
            query = select(SeatRow).where(col(SeatRow.workshop_id) == workshop_id)
            return list(session.exec(query))

    def last_seqs(self) -> dict[str, int]:
        """Each workshop's newest event number: has its log grown since it was last read?"""
        query = select(EventRow.workshop_id, func.max(EventRow.seq)).group_by(
            col(EventRow.workshop_id)
        )
        with Session(self.engine, expire_on_commit=False) as session:
            return {str(workshop_id): int(seq) for workshop_id, seq in session.exec(query)}

    def last_seq(self, workshop_id: str) -> int:
        """The workshop's newest event number (0 for none)."""
        query = select(func.max(EventRow.seq)).where(col(EventRow.workshop_id) == workshop_id)
        with Session(self.engine, expire_on_commit=False) as session:
            return int(session.exec(query).one() or 0)

    def events(self, workshop_id: str) -> list[Event]:
        with Session(self.engine, expire_on_commit=False) as session:
            query = (
                select(EventRow.body)
                .where(col(EventRow.workshop_id) == workshop_id)
                .order_by(col(EventRow.seq))
            )
            return [from_record(json.loads(body)) for body in session.exec(query)]

    # --- library sessions ----------------------------------------------------------------

    def open_library_session(self, row: LibrarySessionRow, now: float) -> None:
        """A new session; those expired by `now` are forgotten on the way."""
        with Session(self.engine, expire_on_commit=False) as session:
            expired = col(LibrarySessionRow.expires_at) <= now
            session.exec(delete(LibrarySessionRow).where(expired))
            session.add(row)
            session.commit()

    def library_session(self, token_hash: str, now: float) -> LibrarySessionRow | None:
        """The session of this token hash, if it has not expired by `now`."""
        with Session(self.engine, expire_on_commit=False) as session:
            row = session.get(LibrarySessionRow, token_hash)
        return row if row is not None and row.expires_at > now else None

    def close_library_session(self, token_hash: str) -> None:
        with Session(self.engine, expire_on_commit=False) as session:
            query = delete(LibrarySessionRow).where(col(LibrarySessionRow.token_hash) == token_hash)
            session.exec(query)
            session.commit()


def _rows(workshop_id: str, events: Sequence[Event]) -> list[EventRow]:
    return [
        EventRow(
            workshop_id=workshop_id,
            seq=e.seq,
            ts=e.ts,
            type=e.type,
            body=json.dumps(to_record(e), separators=(",", ":")),
        )
        for e in events
    ]
