"""The room registry: finds, creates and rebuilds rooms, and lets time pass in them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from app.config import Config
from app.rooms import CLOSE_GOING_AWAY, Room
from app.security import hash_token, new_join_code, new_token, new_workshop_id
from app.store import EventStore, TeamRow, WorkshopRow
from game import commands as cmd
from game.board import Maze
from game.events import TeamSpec
from game.rules import decide
from game.settings import Settings
from game.state import SessionState

log = logging.getLogger("electric_maze.registry")

UNUSED_S = 60.0  # an ended workshop's room is dropped after this long without clients


@dataclass(frozen=True)
class CreatedWorkshop:
    workshop_id: str
    facilitator_token: str
    teams: list[TeamRow]


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

    async def start(self) -> None:
        """Rebuild every workshop still under way from its log, then start the clock.

        Ended and imported workshops are not loaded: they never change, and a room for one
        is opened from the store when someone asks for it (and dropped once unused)."""
        for workshop_id in await self.store.run(self.store.open_workshops):
            room = await self.room(workshop_id)
            if room is not None and not room.state.ended:
                await self._mark_everyone_away(room)
        self._ticker = asyncio.create_task(self._tick_forever(), name="ticker")

    async def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
        for room in list(self.rooms.values()):
            await room.close()
        self.rooms.clear()

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
                    room.ended_when_opened = room.state.ended
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
        await self.store.run(self.store.create_workshop, row, teams, events)
        self.rooms[workshop_id] = Room(workshop_id, events, self.store, self.config, self.clock)
        return CreatedWorkshop(workshop_id, token, teams)

    async def _free_join_code(self) -> str:
        while True:
            code = new_join_code()
            if await self.store.run(self.store.team_by_code, code) is None:
                return code

    async def _mark_everyone_away(self, room: Room) -> None:
        """After a restart nobody is connected until they come back."""
        for team in room.state.teams.values():
            for player in [p.id for p in team.players.values() if p.connected]:
                await room.submit(partial(_away, team.id, player))

    async def _tick_forever(self) -> None:
        while True:
            await asyncio.sleep(self.config.tick_s)
            for room in list(self.rooms.values()):
                room.tick()
            await self._drop_unused()

    async def _drop_unused(self) -> None:
        """Close the rooms of workshops that had ended before they were opened (for a late
        phone, a console, a debrief) once nobody has used them for a while: such a log never
        changes, and the store has it. Rooms that end while running are kept, so a replay
        the library made of one while it ran is renewed from the room, not reused as it was.
        """
        now = time.monotonic()
        for workshop_id, room in list(self.rooms.items()):
            if room.ended_when_opened and not room.clients and now - room.used_at > UNUSED_S:
                del self.rooms[workshop_id]
                await room.close()


def _away(team: str, player: str, at: float) -> cmd.Command:
    return cmd.SetPresence(at=at, team=team, player=player, connected=False)
