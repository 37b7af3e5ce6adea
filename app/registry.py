"""The room registry: finds, creates and rebuilds rooms, and lets time pass in them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from functools import partial
from typing import Any

from app.config import Config
from app.rooms import CLOSE_GOING_AWAY, Room
from app.security import (
    hash_recovery_code,
    hash_token,
    new_join_code,
    new_recovery_code,
    new_token,
    new_workshop_id,
)
from app.store import EventStore, RecoveryRow, TeamRow, WorkshopRow
from game import commands as cmd
from game.board import Maze
from game.events import TeamSpec
from game.rules import Rejected, decide
from game.settings import Settings
from game.state import SessionState, fold

log = logging.getLogger("electric_maze.registry")

HOUSEKEEPING_S = 5.0  # how often ended rooms are dropped, abandoned ones ended, a beat written
UNUSED_S = 45.0  # an ended workshop's room is dropped once this long without clients
STORE_ANSWER_S = 1.5  # the health probe's wait for the store's writer thread
TICKER_LATE_S = 2.0  # the health probe's limit on the time since the rooms' clock last ran
SERVER_NAME = socket.gethostname()  # whose heartbeats these are, in the store


@dataclass(frozen=True)
class CreatedWorkshop:
    workshop_id: str
    facilitator_token: str
    teams: list[TeamRow]
    recovery_code: str  # shown once; only its hash is kept


class Registry:
    def __init__(
        self, store: EventStore, config: Config, clock: Callable[[], float] = time.time
    ) -> None:
        self.store = store
        self.config = config
        self.clock = clock
        self.rooms: dict[str, Room] = {}
        self._loading = asyncio.Lock()
        self._ticker: asyncio.Task[None] | None = None
        self.ticked_at = time.monotonic()  # when the rooms' clock last ran
        self._housekept_at = time.monotonic()
        self._background: dict[str, asyncio.Task[None]] = {}
        self._store_probe: asyncio.Future[None] | None = None

    async def start(self) -> None:
        """Rebuild every workshop still under way from its log, then start the clock.

        A workshop left alone past `abandon_after_s` is ended instead, in the store only.
        Ended and imported workshops are not loaded: they never change, and a room for one
        is opened from the store when someone asks for it (and dropped once unused)."""
        last_alive = await self.store.run(self.store.last_heartbeat) or 0.0
        for workshop_id, last_event_at in await self.store.run(self.store.open_workshops):
            if last_event_at + self.config.abandon_after_s <= self.clock():
                await self._end_expired(workshop_id, last_event_at)
                continue
            room = await self.room(workshop_id)
            if room is not None:
                await self._after_restart(room, since=max(last_event_at, last_alive))
        self.ticked_at = self._housekept_at = time.monotonic()
        self._ticker = asyncio.create_task(self._tick_forever(), name="ticker")

    async def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
        for task in list(self._background.values()):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for room in list(self.rooms.values()):
            await room.close()
        self.rooms.clear()
        await self._beat()

    async def room(self, workshop_id: str) -> Room | None:
        room = self.rooms.get(workshop_id)
        if room is None:
            async with self._loading:
                room = self.rooms.get(workshop_id)
                if room is None:
                    events = await self.store.run(self.store.events, workshop_id)
                    if not events:
                        return None
                    room = Room(workshop_id, events, self.store, self.config, self.clock)
                    self.rooms[workshop_id] = room
        room.used_at = time.monotonic()
        return room

    async def forget(self, workshop_id: str) -> None:
        """Stop a workshop's room (before its log is deleted)."""
        room = self.rooms.pop(workshop_id, None)
        if room is not None:
            for client in list(room.clients):
                client.close(CLOSE_GOING_AWAY, "this workshop was deleted")
            await room.close()

    async def create(
        self, *, title: str, team_names: list[str], mazes: list[Maze], settings: Settings
    ) -> CreatedWorkshop:
        """A workshop with a team per name; one maze for all, or one maze per team."""
        workshop_id = new_workshop_id()
        token = new_token()
        recovery_code = new_recovery_code()
        teams = [
            TeamRow(
                join_code=await self._free_join_code(), workshop_id=workshop_id, team_id=f"t{n}"
            )
            for n in range(1, len(team_names) + 1)
        ]
        specs = tuple(
            TeamSpec(row.team_id, name, mazes[n % len(mazes)])
            for n, (row, name) in enumerate(zip(teams, team_names, strict=True))
        )
        command = cmd.CreateSession(
            at=self.clock(), session_id=workshop_id, title=title, settings=settings, teams=specs
        )
        events = decide(SessionState(), command)
        row = WorkshopRow(
            id=workshop_id, title=title, created_at=command.at, token_hash=hash_token(token)
        )
        recovery = RecoveryRow(workshop_id=workshop_id, code_hash=hash_recovery_code(recovery_code))
        await self.store.run(self.store.create_workshop, row, teams, events, [recovery])
        self.rooms[workshop_id] = Room(workshop_id, events, self.store, self.config, self.clock)
        return CreatedWorkshop(workshop_id, token, teams, recovery_code)

    async def _free_join_code(self) -> str:
        while True:
            code = new_join_code()
            if await self.store.run(self.store.team_by_code, code) is None:
                return code

    # --- after a restart ---------------------------------------------------------------

    async def _end_expired(self, workshop_id: str, last_event_at: float) -> None:
        """End a workshop abandoned while the server was away, without opening a room."""
        events = await self.store.run(self.store.events, workshop_id)
        ending = _abandoned(last_event_at + self.config.abandon_after_s)
        try:
            ended = decide(fold(events), ending)
        except Rejected as rejection:  # the log refuses it: it stays in the store as it is
            log.warning("workshop %s could not be ended: %s", workshop_id, rejection)
            return
        await self.store.run(self.store.append, workshop_id, ended)
        log.info("workshop %s was abandoned: ended", workshop_id)

    async def _after_restart(self, room: Room, since: float) -> None:
        """The server was away since `since`: that goes in the log first, then nobody is
        connected until they come back."""
        if room.state.ended:
            return
        with contextlib.suppress(Rejected):
            await room.submit(partial(_outage, since=since), by_server=True)
        for team in room.state.teams.values():
            for player in [p.id for p in team.players.values() if p.connected]:
                await room.submit(partial(_away, team.id, player), by_server=True)

    # --- time passing ------------------------------------------------------------------

    async def _tick_forever(self) -> None:
        while True:
            await asyncio.sleep(self.config.tick_s)
            self.ticked_at = time.monotonic()
            now = self.clock()
            for room in list(self.rooms.values()):
                room.tick(now)
            if self.ticked_at - self._housekept_at >= HOUSEKEEPING_S:
                self._housekept_at = self.ticked_at
                await self._housekeeping(now)

    async def _housekeeping(self, now: float) -> None:
        """Drop the rooms of ended workshops once unused, end abandoned ones, and say that
        the server is alive."""
        self._in_background("heartbeat", self._beat())
        unused_since = time.monotonic() - UNUSED_S
        for workshop_id, room in list(self.rooms.items()):
            if room.state.ended:
                if not room.clients and room.used_at < unused_since:
                    del self.rooms[workshop_id]
                    await room.close()
            elif room.abandoned_at <= now:
                self._in_background(workshop_id, self._end_abandoned(room))

    async def _end_abandoned(self, room: Room) -> None:
        """End a workshop nobody used for `abandon_after_s`, dated when that time was up."""

        def end(at: float) -> cmd.Command:
            if room.abandoned_at > at:
                raise Rejected("in_use", "Someone used the workshop in the meantime")
            return _abandoned(room.abandoned_at)

        with contextlib.suppress(Rejected):
            await room.submit(end, by_server=True)
            log.info("workshop %s was abandoned: ended", room.workshop_id)

    async def _beat(self) -> None:
        try:
            await self.store.run(self.store.beat, SERVER_NAME, self.clock())
        except Exception:  # the health probe tells of a store in trouble
            log.exception("could not write the heartbeat")

    def _in_background(self, name: str, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` without holding the clock up; once at a time per name."""
        if name in self._background:
            work.close()
            return
        task = asyncio.create_task(work, name=name)
        self._background[name] = task
        task.add_done_callback(lambda _: self._background.pop(name, None))

    # --- health ------------------------------------------------------------------------

    async def problems(self) -> dict[str, str]:
        """What is stuck, if anything: the rooms' clock, the store's writer thread."""
        found = {}
        late = time.monotonic() - self.ticked_at
        if late > TICKER_LATE_S:
            found["ticker"] = f"the rooms' clock last ran {late:.1f} s ago"
        if not await self._store_answers():
            found["store"] = f"the store's writer thread did not answer in {STORE_ANSWER_S:g} s"
        return found

    async def _store_answers(self) -> bool:
        """A round trip through the store's writer thread (one at a time, however often the
        health is asked for)."""
        if self._store_probe is None or self._store_probe.done():
            self._store_probe = asyncio.ensure_future(self.store.run(self.store.ping))
        try:
            await asyncio.wait_for(asyncio.shield(self._store_probe), STORE_ANSWER_S)
        except Exception:
            return False
        return True


def _abandoned(at: float) -> cmd.Command:
    return cmd.EndSession(at=at, reason="abandoned")


def _outage(at: float, since: float) -> cmd.Command:
    return cmd.RecordOutage(at=at, since=since)


def _away(team: str, player: str, at: float) -> cmd.Command:
    return cmd.SetPresence(at=at, team=team, player=player, connected=False)
