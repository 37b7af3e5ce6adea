"""WebSocket endpoints: participants, the big screen and the facilitator."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.websockets import WebSocketState

from app import protocol
from app.registry import Registry
from app.rooms import CLOSE_REPLACED, Client, Room, dumps
from app.security import (
    TokenBucket,
    hash_token,
    normalise_join_code,
    origin_allowed,
    origin_of,
    token_matches,
)
from app.store import SeatRow
from game import commands as cmd
from game.rules import Rejected
from game.state import TeamState

log = logging.getLogger("electric_maze.ws")
router = APIRouter()

CLOSE_POLICY = 1008
CLOSE_TOO_BIG = 1009
CLOSE_NOT_FOUND = 4404
CLOSE_UNAUTHORISED = 4401
AUTH_TIMEOUT_S = 15
RATE_LIMITED_EVERY_S = 1.0  # at most one rate_limited answer a second per connection


def _registry(ws: WebSocket) -> Registry:
    registry: Registry = ws.app.state.registry
    return registry


def _error(code: str, message: str) -> dict[str, Any]:
    return {"type": "error", "code": code, "message": message}


async def _handshake(ws: WebSocket) -> bool:
    """Accept the socket if its origin may open it; refuse the handshake otherwise."""
    config = _registry(ws).config
    origin = ws.headers.get("origin")
    allowed = config.allowed_origins
    public = origin_of(config.public_url) if config.public_url else None
    if public is not None:  # behind a proxy the Host header may not name it
        allowed = (*allowed, public)
    if not origin_allowed(origin, ws.headers.get("host"), allowed):
        log.warning("refused a socket from origin %s", origin)
        await ws.close(code=CLOSE_POLICY)
        return False
    await ws.accept()
    return True


async def _refuse(ws: WebSocket, code: str, message: str, close_code: int) -> None:
    await ws.send_json(_error(code, message))
    await ws.close(code=close_code, reason=message[:100])


async def _find_team(ws: WebSocket, raw_code: str) -> tuple[Room, str] | None:
    registry = _registry(ws)
    limiter = ws.app.state.join_limiter
    address = _address(ws)
    if limiter.blocked(address):
        await _refuse(ws, "too_many_attempts", "Too many wrong codes; wait a minute", CLOSE_POLICY)
        return None
    code = normalise_join_code(raw_code)
    row = await registry.store.run(registry.store.team_by_code, code) if code else None
    room = await registry.room(row.workshop_id) if row else None
    if row is None or room is None:
        limiter.failed(address)
        await _refuse(ws, "no_such_team", f"No team has the code {code or raw_code[:12]!r}", 4404)
        return None
    return room, row.team_id


def _address(ws: WebSocket) -> str:
    return ws.client.host if ws.client else "unknown"


async def _send_loop(ws: WebSocket, client: Client, room: Room, heartbeat_s: float) -> None:
    while True:
        try:
            text = await asyncio.wait_for(client.queue.get(), timeout=heartbeat_s)
        except TimeoutError:
            text = protocol_heartbeat(room)
        if text is None:
            break
        try:
            await ws.send_text(text)
        except Exception:  # the socket is gone; the reader notices and cleans up
            return
    with contextlib.suppress(Exception):
        await ws.close(code=client.close_code or 1000, reason=client.close_reason[:100])


def protocol_heartbeat(room: Room) -> str:
    return dumps(room.header("heartbeat"))


Handler = Callable[[str], Awaitable[None]]


async def _pump(ws: WebSocket, client: Client, room: Room, handle: Handler) -> None:
    """Read messages until the socket closes, with the size and rate limits applied."""
    config = _registry(ws).config
    bucket = TokenBucket(config.messages_per_second, config.messages_per_second * 2)
    sender = asyncio.create_task(_send_loop(ws, client, room, config.heartbeat_s))
    told_rate_limited_at = -math.inf
    try:
        while client.close_code is None:
            message = await ws.receive()
            if message["type"] == "websocket.disconnect":
                break
            text = message.get("text")
            if text is None:
                data = message.get("bytes") or b""
                text = data.decode("utf-8", errors="replace")
            if len(text.encode()) > config.max_message_bytes:
                client.close(CLOSE_TOO_BIG, "message too big")
                break
            if not bucket.allow():
                # One answer a second at most: answering every message of a flood would fill
                # the send queue and drop the client. The rest are dropped without a word.
                now = time.monotonic()
                if now - told_rate_limited_at >= RATE_LIMITED_EVERY_S:
                    told_rate_limited_at = now
                    client.send(_error("rate_limited", "Too many messages; slow down"))
                continue
            try:
                await handle(text)
            except protocol.BadMessage as error:
                client.send(_error(error.code, str(error)))
            except Rejected as rejection:
                client.send(_error(rejection.code, rejection.message))
    except WebSocketDisconnect:
        client.close(1000, "")  # the other side went away: stop sending, then clean up
    finally:
        if client.close_code is None:
            client.close(1000, "")
        room.remove(client)  # first: the wait below may be cancelled (a server stopping)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(sender, timeout=2)
        if not sender.done():
            sender.cancel()


# --- participants ----------------------------------------------------------------------


async def _team_socket(
    ws: WebSocket, join_code: str, audience: Literal["participant", "screen"]
) -> tuple[Room, Client] | None:
    """An accepted socket for a team's join code, and its client; None if refused."""
    if not await _handshake(ws):
        return None
    found = await _find_team(ws, join_code)
    if found is None:
        return None
    room, team = found
    return room, Client(audience, team, queue=asyncio.Queue(_registry(ws).config.send_queue_size))


@router.websocket("/ws/play/{join_code}")
async def play(ws: WebSocket, join_code: str) -> None:
    opened = await _team_socket(ws, join_code, "participant")
    if opened is None:
        return
    room, client = opened
    seat = _Seat(ws, room, client)
    try:
        await _pump(ws, client, room, seat.handle)
    finally:
        await seat.leave()


class _Seat:
    """One participant connection: before the seat is known, then playing on it."""

    def __init__(self, ws: WebSocket, room: Room, client: Client) -> None:
        self.ws, self.room, self.client = ws, room, client
        self.registry = _registry(ws)
        self._pending: asyncio.Task[None] | None = None

    @property
    def team(self) -> str:
        assert self.client.team is not None
        return self.client.team

    async def handle(self, text: str) -> None:
        message = protocol.parse(text, "participant")
        if isinstance(message, protocol.Ping):
            self.client.send(self.room.header("pong"))
        elif isinstance(message, protocol.Join):
            await self._join(message)
        elif isinstance(message, protocol.Resume):
            await self._resume(message)
        elif self.client.player is None:
            raise Rejected("no_seat", "Join the team first")
        elif isinstance(message, protocol.StepMessage | protocol.RetraceMessage):
            await self._move(message)
        elif isinstance(message, protocol.LeaveMessage):
            player = self.client.player
            await self.room.submit(lambda at: cmd.Leave(at=at, team=self.team, player=player))

    async def _join(self, message: protocol.Join) -> None:
        if self.client.player is not None:
            raise Rejected("already_joined", "You are already in this team")
        if message.seat_token is not None:
            previous = await self.registry.store.run(
                self.registry.store.seat, hash_token(message.seat_token)
            )
            if previous is not None and previous.player_id in self._team_state().banned:
                raise Rejected("banned", "The facilitator removed you from this team")
        player = "p" + secrets.token_hex(5)
        token = secrets.token_urlsafe(24)
        seat = SeatRow(
            token_hash=hash_token(token),
            workshop_id=self.room.workshop_id,
            team_id=self.team,
            player_id=player,
        )
        # The seat is stored with the join's events, so a refused join leaves no seat behind.
        await self.room.submit(
            lambda at: cmd.Join(at=at, team=self.team, player=player, name=message.name),
            rows=[seat],
        )
        self._take_seat(player)
        self.client.send(
            {
                **self.room.header("welcome"),
                "seat_token": token,
                "player": player,
                "view": self.room.view_for(self.client),
            }
        )

    async def _resume(self, message: protocol.Resume) -> None:
        if self.client.player is not None:
            raise Rejected("already_joined", "This connection already has a seat")
        store = self.registry.store
        seat = await store.run(store.seat, hash_token(message.seat_token))
        if seat is None or seat.workshop_id != self.room.workshop_id or seat.team_id != self.team:
            raise Rejected("unknown_seat", "That seat is not in this team; join again")
        team = self._team_state()
        if seat.player_id in team.banned:
            raise Rejected("banned", "The facilitator removed you from this team")
        if seat.player_id not in team.players:
            raise Rejected("seat_gone", "You are no longer in this team; join again")
        self._take_seat(seat.player_id)
        self.client.send(
            {**self.room.catch_up(self.client, message.last_seq), "player": seat.player_id}
        )

    def _team_state(self) -> TeamState:
        return self.room.state.teams[self.team]

    def _take_seat(self, player: str) -> None:
        for older in self.room.seat_clients(self.team, player):
            if older is self.client:
                continue
            older.send(_error("replaced", "This seat was opened in another tab or device"))
            older.close(CLOSE_REPLACED, "opened elsewhere")
            self.room.remove(older)
        self.client.player = player
        self.room.add(self.client)
        # Always, even when the player still counts as connected: a closing tab of the same
        # seat (a page reload) may have queued its "away" just before; this comes after it.
        # The engine records nothing when the presence does not change.
        self._pending = asyncio.create_task(self._presence(player, True))

    async def _move(self, message: protocol.StepMessage | protocol.RetraceMessage) -> None:
        player = self.client.player
        assert player is not None
        square = (message.row, message.col)
        kind = cmd.Step if isinstance(message, protocol.StepMessage) else cmd.RetraceStep
        await self.room.submit(lambda at: kind(at=at, team=self.team, player=player, square=square))

    async def _presence(self, player: str, connected: bool) -> None:
        with contextlib.suppress(Rejected):
            await self.room.submit(
                lambda at: cmd.SetPresence(
                    at=at, team=self.team, player=player, connected=connected
                )
            )

    async def leave(self) -> None:
        player = self.client.player
        if player is None or self.room.seat_clients(self.team, player):
            return
        if player in self.room.state.teams[self.team].players and not self.room.state.ended:
            await self._presence(player, False)


# --- the big screen --------------------------------------------------------------------


@router.websocket("/ws/screen/{join_code}")
async def screen(ws: WebSocket, join_code: str) -> None:
    opened = await _team_socket(ws, join_code, "screen")
    if opened is None:
        return
    room, client = opened
    room.add(client)
    client.send({**room.header("snapshot"), "view": room.view_for(client)})

    async def handle(text: str) -> None:
        message = protocol.parse(text, "screen")
        if isinstance(message, protocol.WatchResume):
            client.send(room.catch_up(client, message.last_seq))
        else:
            client.send(room.header("pong"))

    await _pump(ws, client, room, handle)


# --- the facilitator -------------------------------------------------------------------


@router.websocket("/ws/facilitate/{workshop_id}")
async def facilitate(ws: WebSocket, workshop_id: str) -> None:
    if not await _handshake(ws):
        return
    auth = await _authenticate(ws, workshop_id)
    if auth is None:
        return
    room, last_seq = auth
    registry = _registry(ws)
    client = Client("facilitator", None, queue=asyncio.Queue(registry.config.send_queue_size))
    links = await _join_links(registry, workshop_id)
    room.add(client)
    if last_seq is None:
        client.send({**room.header("welcome"), "view": room.view_for(client), **links})
    else:
        client.send({**room.catch_up(client, last_seq), **links})
    client.send(room.metrics_message())

    async def handle(text: str) -> None:
        message = protocol.parse(text, "facilitator")
        if isinstance(message, protocol.Ping):
            client.send(room.header("pong"))
            return
        if isinstance(message, protocol.Auth):
            raise Rejected("already_authenticated", "This connection is already signed in")
        team = _team_for(room, message)
        seed = secrets.randbits(32)
        await room.submit(lambda at: protocol.facilitator_command(message, team, at, seed))

    await _pump(ws, client, room, handle)


async def _join_links(registry: Registry, workshop_id: str) -> dict[str, Any]:
    """Where phones join: the server's address and each team's code and link."""
    base = registry.config.base_url()
    rows = await registry.store.run(registry.store.teams, workshop_id)
    return {
        "base_url": base,
        "phones_can_reach": registry.config.phones_can_reach(),
        "join": [
            {
                "team_id": r.team_id,
                "join_code": r.join_code,
                "join_url": f"{base}/join/{r.join_code}",
            }
            for r in sorted(rows, key=lambda r: int(r.team_id.removeprefix("t")))
        ],
    }


def _team_for(room: Room, message: protocol.Message) -> str:
    team = getattr(message, "team", None)
    if team is not None:
        return str(team)
    teams = list(room.state.teams)
    if len(teams) == 1 or isinstance(message, protocol.EndSessionMessage):
        return teams[0]
    raise Rejected("team_required", f"Say which team: one of {', '.join(teams)}")


async def _authenticate(ws: WebSocket, workshop_id: str) -> tuple[Room, int | None] | None:
    registry = _registry(ws)
    try:
        text = await asyncio.wait_for(ws.receive_text(), timeout=AUTH_TIMEOUT_S)
        if len(text) > registry.config.max_message_bytes:
            raise protocol.BadMessage("message too big")
        message = protocol.parse(text, "facilitator")
    except (TimeoutError, WebSocketDisconnect, protocol.BadMessage, KeyError):
        if ws.client_state == WebSocketState.CONNECTED:
            await _refuse(ws, "unauthorised", "Sign in first", CLOSE_UNAUTHORISED)
        return None
    limiter = ws.app.state.join_limiter
    if limiter.blocked(_address(ws)):
        await _refuse(ws, "too_many_attempts", "Too many wrong tokens; wait a minute", CLOSE_POLICY)
        return None
    row = await registry.store.run(registry.store.workshop, workshop_id)
    if (
        not isinstance(message, protocol.Auth)
        or row is None
        or not token_matches(message.token, row.token_hash)
    ):
        limiter.failed(_address(ws))
        await _refuse(ws, "unauthorised", "That link is not valid for this workshop", 4401)
        return None
    room = await registry.room(workshop_id)
    if room is None:
        await _refuse(ws, "no_such_workshop", "This workshop has no log", CLOSE_NOT_FOUND)
        return None
    return room, message.last_seq
