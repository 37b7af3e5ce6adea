"""The event store, on SQLite and (when the tests are given one) on PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy.exc import IntegrityError

from app.store import EventStore, ImportRow, SeatRow, TeamRow, WorkshopRow
from game.bots import play_session
from game.events import Event
from game.settings import parse_maze

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL")
BACKENDS = [
    "sqlite",
    pytest.param(
        "postgres",
        marks=pytest.mark.skipif(
            not POSTGRES_URL, reason="TEST_POSTGRES_URL is not set (.ci/run sets it)"
        ),
    ),
]


@pytest.fixture(scope="module", params=BACKENDS)
def store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[EventStore]:
    if request.param == "postgres":
        assert POSTGRES_URL is not None
        url = POSTGRES_URL
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('store')}/events.db"
    store = EventStore(url)
    yield store
    store.close()


def a_log() -> list[Event]:
    return play_session(strategy="learner", maze=parse_maze({"seed": 5}), players=3, seed=5)


def a_workshop(store: EventStore, events: list[Event]) -> str:
    workshop_id = uuid.uuid4().hex[:12]
    row = WorkshopRow(id=workshop_id, title="Store test", created_at=events[0].ts, token_hash="x")
    team = TeamRow(join_code=uuid.uuid4().hex[:6].upper(), workshop_id=workshop_id, team_id="bots")
    store.create_workshop(row, [team], events[:1])
    store.append(workshop_id, events[1:])
    return workshop_id


def test_a_log_reads_back_as_it_was_written(store: EventStore) -> None:
    events = a_log()
    workshop_id = a_workshop(store, events)
    assert store.events(workshop_id) == events
    assert store.workshop(workshop_id) is not None
    assert [t.team_id for t in store.teams(workshop_id)] == ["bots"]


def test_an_event_number_is_never_written_twice(store: EventStore) -> None:
    events = a_log()
    workshop_id = a_workshop(store, events)
    with pytest.raises(IntegrityError):
        store.append(workshop_id, events[-1:])
    assert store.events(workshop_id) == events


def test_a_batch_is_written_whole_or_not_at_all(store: EventStore) -> None:
    events = a_log()
    workshop_id = a_workshop(store, events[:10])
    with pytest.raises(IntegrityError):
        store.append(workshop_id, [*events[10:20], events[5]])  # the last one clashes
    assert store.events(workshop_id) == events[:10]


def test_seats_and_deletion(store: EventStore) -> None:
    events = a_log()
    workshop_id = a_workshop(store, events)
    token = uuid.uuid4().hex
    store.add_seat(
        SeatRow(token_hash=token, workshop_id=workshop_id, team_id="bots", player_id="p1")
    )
    seat = store.seat(token)
    assert seat is not None and seat.player_id == "p1"
    store.delete_workshop(workshop_id)
    assert store.events(workshop_id) == []
    assert store.seat(token) is None
    assert store.workshop(workshop_id) is None


def test_a_seat_is_stored_with_its_events_or_not_at_all(store: EventStore) -> None:
    events = a_log()
    workshop_id = a_workshop(store, events[:10])
    kept, lost = uuid.uuid4().hex, uuid.uuid4().hex
    seat = SeatRow(token_hash=lost, workshop_id=workshop_id, team_id="bots", player_id="p1")
    with pytest.raises(IntegrityError):
        store.append(workshop_id, [events[10], events[5]], [seat])  # the events clash
    assert store.seat(lost) is None
    seat = SeatRow(token_hash=kept, workshop_id=workshop_id, team_id="bots", player_id="p2")
    store.append(workshop_id, events[10:12], [seat])
    assert [s.player_id for s in store.seats(workshop_id)] == ["p2"]
    assert store.events(workshop_id) == events[:12]


def test_open_workshops_are_those_neither_ended_nor_imported(store: EventStore) -> None:
    events = a_log()
    assert events[-1].type == "session_ended"
    ended = a_workshop(store, events)
    running = a_workshop(store, events[:-1])
    imported = uuid.uuid4().hex[:12]
    row = WorkshopRow(id=imported, title="Imported", created_at=events[0].ts, token_hash="x")
    record = ImportRow(workshop_id=imported, imported_at=events[-1].ts, session_id="s")
    store.import_workshop(row, record, events[:-1])
    open_now = dict(store.open_workshops())
    assert open_now[running] == events[-2].ts  # with the time of its last event
    assert ended not in open_now and imported not in open_now


def test_a_workshops_last_seq(store: EventStore) -> None:
    events = a_log()
    workshop_id = a_workshop(store, events[:7])
    assert store.last_seq(workshop_id) == 7
    assert store.last_seq("no such workshop") == 0


def test_heartbeats_keep_the_last_time_a_server_was_alive(store: EventStore) -> None:
    store.beat("one", 100.0)
    store.beat("one", 200.0)
    store.beat("two", 150.0)
    last = store.last_heartbeat()
    assert last is not None and last >= 200.0
