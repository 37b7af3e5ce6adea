"""The room registry: finds, creates and rebuilds rooms, and lets time pass in them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from app.config import Config
from app.rooms import CLOSE_GOING_AWAY, Room
from app.security import hash_token, new_join_code, new_token
from app.store import EventStore, TeamRow, WorkshopRow
from game import commands as cmd
from game.board import Maze
from game.events import TeamSpec
from game.rules import decide
from game.settings import Settings
from game.state import SessionState

log = logging.getLogger("electric_maze.registry")


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
        """Rebuild every workshop still under way from its log, then start the clock."""
        imported = {row.workshop_id for row in await self.store.run(self.store.imports)}
        for row in await self.store.run(self.store.workshops):
            if row.id in imported:
                continue  # an imported log is replayed, never run again
            room = await self.room(row.id)
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
        if room is not None:
            return room
        async with self._loading:
            if workshop_id in self.rooms:
                return self.rooms[workshop_id]
            events = await self.store.run(self.store.events, workshop_id)
            if not events:
                return None
            room = Room(workshop_id, events, self.store, self.config, self.clock)
            self.rooms[workshop_id] = room
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
        workshop_id = secrets.token_urlsafe(8)
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


def _away(team: str, player: str, at: float) -> cmd.Command:
    return cmd.SetPresence(at=at, team=team, player=player, connected=False)
