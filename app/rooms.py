"""Rooms: one authority per workshop, handling its commands one at a time in arrival order.

A room decides each command with the engine, commits the events to the store, and only then
applies them and tells its clients, each through a bounded queue of its own so that one slow
phone never holds up the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson
from sqlmodel import SQLModel

from app.config import Config
from app.store import EventStore
from game import commands as cmd
from game import projections
from game.events import Event, to_record
from game.metrics import session_metrics
from game.rules import Rejected, decide, next_due
from game.state import SessionState, apply, fold

log = logging.getLogger("electric_maze.rooms")

Audience = Literal["participant", "screen", "facilitator"]
MakeCommand = Callable[[float], cmd.Command]

CLOSE_TOO_SLOW = 4008  # the client fell behind; it may resume
CLOSE_REPLACED = 4001  # the seat was taken by a newer connection
CLOSE_REMOVED = 4003  # kicked or banned
CLOSE_GOING_AWAY = 1001
METRICS_EVERY_S = 1.0


def dumps(message: dict[str, Any]) -> str:
    """A message as sent: compact JSON. orjson, as this runs for every client at every step."""
    return orjson.dumps(message, option=orjson.OPT_NON_STR_KEYS).decode()


@dataclass(eq=False)
class Client:
    """One connection: who it is for, and the queue of messages waiting to be sent to it."""

    audience: Audience
    team: str | None
    player: str | None = None
    queue: asyncio.Queue[str | None] = field(default_factory=lambda: asyncio.Queue(256))
    close_code: int | None = None
    close_reason: str = ""

    def send(self, message: dict[str, Any]) -> None:
        self.send_text(dumps(message))

    def send_text(self, text: str) -> None:
        if self.close_code is not None:
            return
        try:
            self.queue.put_nowait(text)
        except asyncio.QueueFull:
            self.close(CLOSE_TOO_SLOW, "too far behind; reconnect to catch up")

    def close(self, code: int, reason: str) -> None:
        """Ask the sender to stop once what is queued is sent (dropped for a client too slow).

        A replaced or removed client must still hear why: its last message says so."""
        if self.close_code is not None:
            return
        self.close_code, self.close_reason = code, reason
        while self.queue.full() or (code == CLOSE_TOO_SLOW and not self.queue.empty()):
            self.queue.get_nowait()
        self.queue.put_nowait(None)


@dataclass
class _Job:
    make: MakeCommand
    done: asyncio.Future[list[Event]]
    rows: Sequence[SQLModel] = ()
    by_server: bool = False


class Room:
    def __init__(
        self,
        workshop_id: str,
        log_events: list[Event],
        store: EventStore,
        config: Config,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.workshop_id = workshop_id
        self.log = log_events
        self.state: SessionState = fold(log_events)
        self.store = store
        self.config = config
        self.clock = clock
        self.clients: set[Client] = set()
        self._inbox: asyncio.Queue[_Job] = asyncio.Queue()
        self._worker = asyncio.create_task(self._work(), name=f"room-{workshop_id}")
        self._tick_waiting = False
        self._metrics_due: asyncio.Task[None] | None = None
        self._metrics_sent_at = 0.0
        self.used_at = time.monotonic()  # last asked for, or last left by a client
        # When someone last did anything here (rebuilt: the log's last event): see abandoned_at
        self.last_command_at = log_events[-1].ts if log_events else clock()
        self.due_at = next_due(self.state)  # when time passing next changes something

    @property
    def abandoned_at(self) -> float:
        """When the workshop counts as abandoned if nobody does anything before."""
        return self.last_command_at + self.config.abandon_after_s

    @property
    def seq(self) -> int:
        return self.state.seq

    async def submit(
        self, make: MakeCommand, rows: Sequence[SQLModel] = (), *, by_server: bool = False
    ) -> list[Event]:
        """Queue a command (made with the time it is handled at); its events, or Rejected.

        `rows` are stored in the same transaction as the events, and only if the command is
        accepted: a refused command leaves no trace. A command `by_server` (a restart's
        outage, players marked away) does not count as someone using the workshop."""
        if self._worker.done():
            raise self._closed_refusal()
        done: asyncio.Future[list[Event]] = asyncio.get_running_loop().create_future()
        await self._inbox.put(_Job(make, done, rows, by_server))
        return await done

    def tick(self, now: float) -> None:
        """Let time pass if a timer is due, unless a tick is already waiting its turn."""
        if self._tick_waiting or self.due_at is None or self.due_at > now or self.state.ended:
            return
        self._tick_waiting = True
        done: asyncio.Future[list[Event]] = asyncio.get_running_loop().create_future()
        done.add_done_callback(_nobody_waits)
        self._inbox.put_nowait(_Job(self._make_tick, done, by_server=True))

    def _make_tick(self, at: float) -> cmd.Command:
        self._tick_waiting = False
        return cmd.Tick(at=at)

    async def close(self) -> None:
        if self._metrics_due is not None:
            self._metrics_due.cancel()
        self._worker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._worker
        while not self._inbox.empty():
            job = self._inbox.get_nowait()
            if not job.done.done():
                job.done.set_exception(self._closed_refusal())

    def _closed_refusal(self) -> Rejected:
        """The answer of a closed room: a socket may hold one after the registry let it go
        (an ended workshop's, unused; one deleted; the server stopping)."""
        if self.state.ended:
            return Rejected("session_over", "The session has ended")
        return Rejected("server_error", "This workshop is closed here; reload the page")

    async def _work(self) -> None:
        while True:
            job = await self._inbox.get()
            try:
                events = await self._handle(job)
            except Rejected as rejection:
                if not job.done.done():
                    job.done.set_exception(rejection)
                continue
            except Exception:  # a store failure must not stop the room
                log.exception("room %s could not handle a command", self.workshop_id)
                if not job.done.done():
                    job.done.set_exception(
                        Rejected("server_error", "The server could not save that; try again")
                    )
                continue
            if not job.done.done():
                job.done.set_result(events)

    async def _handle(self, job: _Job) -> list[Event]:
        command = job.make(self.clock())
        events = decide(self.state, command)
        if not events:
            return events
        await self.store.run(self.store.append, self.workshop_id, events, job.rows)
        for event in events:
            apply(self.state, event)
        self.log.extend(events)
        if not job.by_server:
            self.last_command_at = command.at
        self.due_at = next_due(self.state)
        self._broadcast(events)
        return events

    # --- clients -----------------------------------------------------------------------

    def add(self, client: Client) -> None:
        self.clients.add(client)
        self.used_at = time.monotonic()

    def remove(self, client: Client) -> None:
        self.clients.discard(client)
        self.used_at = time.monotonic()

    def seat_clients(self, team: str, player: str) -> list[Client]:
        return [c for c in self.clients if c.team == team and c.player == player]

    def _broadcast(self, events: list[Event]) -> None:
        public = [(e, projections.public_event(e)) for e in events]
        facilitator_text: str | None = None
        screen_text: dict[str, str] = {}
        for client in list(self.clients):
            if client.audience == "facilitator":
                if facilitator_text is None:
                    facilitator_text = dumps(self.facilitator_update(events))
                client.send_text(facilitator_text)
                self._schedule_metrics()
                continue
            assert client.team is not None
            team_events = [p for e, p in public if p is not None and _for_team(e, client.team)]
            if not team_events:
                continue
            if client.audience == "screen":
                if client.team not in screen_text:
                    screen_text[client.team] = dumps(
                        self.update_message(client, team_events, self.view_for(client))
                    )
                client.send_text(screen_text[client.team])
            else:
                client.send(self.update_message(client, team_events, self.view_for(client)))
            if client.player and client.player not in self.state.teams[client.team].players:
                client.close(CLOSE_REMOVED, "removed from the team")

    def header(self, kind: str) -> dict[str, Any]:
        """What every game-state message starts with: its type, the room's seq, and the
        server's clock, so that clients can count down deadlines whatever their own clock."""
        return {"type": kind, "seq": self.seq, "now": round(self.clock(), 3)}

    def metrics_message(self) -> dict[str, Any]:
        return {**self.header("metrics"), "metrics": session_metrics(self.log, now=self.clock())}

    def _schedule_metrics(self) -> None:
        """Facilitators get the live metrics at most once a second: computing them reads the
        whole log, which a step every half second in a hundred rooms must not pay for."""
        if self._metrics_due is None or self._metrics_due.done():
            self._metrics_due = asyncio.create_task(self._send_metrics())

    async def _send_metrics(self) -> None:
        wait = METRICS_EVERY_S - (time.monotonic() - self._metrics_sent_at)
        if wait > 0:
            await asyncio.sleep(wait)
        self._metrics_sent_at = time.monotonic()
        text = dumps(self.metrics_message())
        for client in list(self.clients):
            if client.audience == "facilitator":
                client.send_text(text)

    def facilitator_update(self, events: Iterable[Event]) -> dict[str, Any]:
        return {
            **self.header("update"),
            "events": [to_record(e) for e in events],
            "view": projections.facilitator_view(self.state),
        }

    def update_message(
        self, client: Client, events: list[dict[str, Any]], view: dict[str, Any]
    ) -> dict[str, Any]:
        return {**self.header("update"), "events": events, "view": view}

    def view_for(self, client: Client) -> dict[str, Any]:
        if client.audience == "facilitator":
            return projections.facilitator_view(self.state)
        assert client.team is not None
        if client.audience == "screen":
            return projections.screen_view(self.state, client.team)
        assert client.player is not None
        return projections.participant_view(self.state, client.team, client.player)

    def catch_up(self, client: Client, last_seq: int) -> dict[str, Any]:
        """The events a returning client missed, or a full snapshot when that is simpler."""
        view = self.view_for(client)
        missed = len(self.log) - last_seq
        if last_seq < 0 or missed < 0 or missed > self.config.resume_limit:
            return {**self.header("snapshot"), "view": view}
        events = []
        for event in self.log[last_seq:]:
            record = (
                to_record(event)
                if client.audience == "facilitator"
                else projections.public_event(event)
            )
            if record is not None and (client.team is None or _for_team(event, client.team)):
                events.append(record)
        return {**self.header("resumed"), "events": events, "view": view}


def _nobody_waits(done: asyncio.Future[list[Event]]) -> None:
    """A tick's outcome is for no one: a failure was logged where it happened."""
    if not done.cancelled():
        done.exception()


def _for_team(event: Event, team: str) -> bool:
    return getattr(event, "team", team) == team
