"""WebSocket endpoints: participants, the big screen and the facilitator."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, Literal

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.types import Message
from starlette.websockets import WebSocketState

from app import protocol
from app.registry import Registry
from app.rooms import CLOSE_REPLACED, CLOSE_TOO_SLOW, Client, Room, dumps
from app.security import (
    SocketCount,
    TokenBucket,
    TooManyAttempts,
    check_secret,
    client_address,
    from_allowed_origin,
    hash_token,
    normalise_join_code,
)
from app.store import SeatRow, TeamRow
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
TOO_MANY_CODES = "Too many wrong codes from this address; wait a minute"
TOO_MANY_TOKENS = "Too many wrong tokens; wait a minute"
RATE_LIMITED_EVERY_S = 1.0  # at most one rate_limited answer a second per connection
# A send still waiting after this long: the client has stopped reading (its buffers are full).
SEND_STALL_S = 10.0
CLOSE_WAIT_S = 2.0


def _registry(ws: WebSocket) -> Registry:
    registry: Registry = ws.app.state.registry
    return registry


def _error(code: str, message: str) -> dict[str, Any]:
    return {"type": "error", "code": code, "message": message}


@asynccontextmanager
async def _opened(ws: WebSocket) -> AsyncIterator[bool]:
    """The handshake, every socket's way in: True if the socket is open and may go on. It is
    counted against its address until it closes, however it closes. A foreign origin is
    refused before the socket opens; a socket over the address's limit is opened, told
    `too_many_sockets` and closed."""
    if not from_allowed_origin(ws, _registry(ws).config):
        log.warning("refused a socket from origin %s", ws.headers.get("origin"))
        await ws.close(code=CLOSE_POLICY)
        yield False
        return
    sockets: SocketCount = ws.app.state.sockets
    address = client_address(ws)
    if not sockets.open(address):
        await ws.accept()
        await _refuse(
            ws, "too_many_sockets", "Too many connections from this address", CLOSE_POLICY
        )
        yield False
        return
    try:
        await ws.accept()
        yield True
    finally:
        sockets.close(address)


async def _refuse(ws: WebSocket, code: str, message: str, close_code: int) -> None:
    """Say why, then close; unless the other side has gone already."""
    if ws.client_state != WebSocketState.CONNECTED:
        return
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        await ws.send_json(_error(code, message))
        await ws.close(code=close_code, reason=message[:100])


async def _team_row(ws: WebSocket, raw_code: str) -> TeamRow | None:
    store = _registry(ws).store
    code = normalise_join_code(raw_code)
    return await store.run(store.team_by_code, code) if code else None


async def _team_room(ws: WebSocket, row: TeamRow | None) -> tuple[Room, str] | None:
    room = await _registry(ws).room(row.workshop_id) if row else None
    return None if row is None or room is None else (room, row.team_id)


async def _find_team(ws: WebSocket, raw_code: str) -> tuple[Room, str] | None:
    """The room and team of a join code, checked as every guessable secret is; a wrong code
    is refused `no_such_team`. TooManyAttempts when the address is past its budget."""

    async def lookup() -> tuple[Room, str] | None:
        return await _team_room(ws, await _team_row(ws, raw_code))

    found = await check_secret(ws.app.state.join_limiter, client_address(ws), lookup)
    if found is None:
        shown = normalise_join_code(raw_code) or raw_code[:12]
        await _refuse(ws, "no_such_team", f"No team has the code {shown!r}", CLOSE_NOT_FOUND)
    return found


async def _seated_past_the_limit(ws: WebSocket, raw_code: str) -> tuple[Room, str, str] | None:
    """An address past its budget of wrong codes is a venue where others mistyped, or someone
    guessing: the socket waits for its first message. A `resume` with a seat of this code's
    team (a long random token, no guess) is let in: the room, the team and that message.
    Anything else is refused `too_many_attempts`, whether the code exists or not."""
    text = await _first_text(ws, AUTH_TIMEOUT_S)
    row = await _team_row(ws, raw_code)
    if text is not None and row is not None and await _resumes_a_seat(ws, text, row):
        found = await _team_room(ws, row)
        if found is not None:
            return (*found, text)
    await _refuse(ws, "too_many_attempts", TOO_MANY_CODES, CLOSE_POLICY)
    return None


async def _resumes_a_seat(ws: WebSocket, text: str, team: TeamRow) -> bool:
    try:
        message = protocol.parse(text, "participant")
    except protocol.BadMessage:
        return False
    if not isinstance(message, protocol.Resume):
        return False
    store = _registry(ws).store
    seat = await store.run(store.seat, hash_token(message.seat_token))
    return seat is not None and (seat.workshop_id, seat.team_id) == (
        team.workshop_id,
        team.team_id,
    )


async def _first_text(ws: WebSocket, timeout_s: float) -> str | None:
    """The socket's next message within `timeout_s`, if it comes and is not too big."""
    try:
        message = await asyncio.wait_for(ws.receive(), timeout=max(timeout_s, 0.0))
    except (TimeoutError, WebSocketDisconnect, RuntimeError):
        return None
    if message["type"] == "websocket.disconnect":
        return None
    text = _text(message)
    return text if len(text.encode()) <= _registry(ws).config.max_message_bytes else None


def _text(message: Message) -> str:
    """A message's text; a binary frame is read as UTF-8."""
    text = message.get("text")
    if text is None:
        data = message.get("bytes") or b""
        text = data.decode("utf-8", errors="replace")
    return str(text)


async def _send_loop(
    ws: WebSocket, client: Client, room: Room, heartbeat_s: float, stall_s: float = SEND_STALL_S
) -> None:
    while True:
        try:
            text = await asyncio.wait_for(client.queue.get(), timeout=heartbeat_s)
        except TimeoutError:
            text = protocol_heartbeat(room)
        if text is None:
            break
        try:
            await asyncio.wait_for(ws.send_text(text), timeout=stall_s)
        except TimeoutError:
            # Closed as too slow, as when its queue overflows: the close frame goes out behind
            # what is already buffered, so a client that reads again learns why, and resumes.
            client.close(CLOSE_TOO_SLOW, "too far behind; reconnect to catch up")
            break
        except Exception:  # the socket is gone; the reader notices and cleans up
            return
    with contextlib.suppress(Exception):
        await asyncio.wait_for(
            ws.close(code=client.close_code or 1000, reason=client.close_reason[:100]),
            timeout=CLOSE_WAIT_S,
        )


def protocol_heartbeat(room: Room) -> str:
    return dumps(room.header("heartbeat"))


Handler = Callable[[str], Awaitable[None]]


async def _pump(
    ws: WebSocket, client: Client, room: Room, handle: Handler, first: str | None = None
) -> None:
    """Read messages until the socket closes, with the size and rate limits applied. `first`
    is a message already read (the one that let the socket in), handled before the rest."""
    config = _registry(ws).config
    bucket = TokenBucket(config.messages_per_second, config.messages_per_second * 2)
    sender = asyncio.create_task(_send_loop(ws, client, room, config.heartbeat_s))
    told_rate_limited_at = -math.inf
    try:
        if first is not None:
            await _dispatch(client, handle, first)
        while client.close_code is None:
            message = await ws.receive()
            if message["type"] == "websocket.disconnect":
                break
            text = _text(message)
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
            await _dispatch(client, handle, text)
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


async def _dispatch(client: Client, handle: Handler, text: str) -> None:
    try:
        await handle(text)
    except protocol.BadMessage as error:
        client.send(_error(error.code, str(error)))
    except Rejected as rejection:
        client.send(_error(rejection.code, rejection.message))


# --- participants ----------------------------------------------------------------------


def _client(
    ws: WebSocket, audience: Literal["participant", "screen", "facilitator"], team: str | None
) -> Client:
    return Client(audience, team, queue=asyncio.Queue(_registry(ws).config.send_queue_size))


@router.websocket("/ws/play/{join_code}")
async def play(ws: WebSocket, join_code: str) -> None:
    async with _opened(ws) as opened:
        if opened:
            await _play(ws, join_code)


async def _play(ws: WebSocket, join_code: str) -> None:
    first: str | None = None
    try:
        found = await _find_team(ws, join_code)
    except TooManyAttempts:
        seated = await _seated_past_the_limit(ws, join_code)
        found, first = (seated[:2], seated[2]) if seated else (None, None)
    if found is None:
        return
    room, team = found
    client = _client(ws, "participant", team)
    seat = _Seat(ws, room, client)
    try:
        await _pump(ws, client, room, seat.handle, first)
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
    async with _opened(ws) as opened:
        if opened:
            await _screen(ws, join_code)


async def _screen(ws: WebSocket, join_code: str) -> None:
    """A screen needs no seat, so nothing lets it past the limit of wrong codes."""
    try:
        found = await _find_team(ws, join_code)
    except TooManyAttempts:
        await _refuse(ws, "too_many_attempts", TOO_MANY_CODES, CLOSE_POLICY)
        return
    if found is None:
        return
    room, team = found
    client = _client(ws, "screen", team)
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
    async with _opened(ws) as opened:
        if opened:
            await _facilitate(ws, workshop_id)


async def _facilitate(ws: WebSocket, workshop_id: str) -> None:
    auth = await _authenticate(ws, workshop_id)
    if auth is None:
        return
    room, last_seq = auth
    registry = _registry(ws)
    client = _client(ws, "facilitator", None)
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
    """The room and `last_seq` of a facilitator's `auth`, its token checked as every
    guessable secret is; otherwise the socket is refused (and None)."""
    message = await _auth_message(ws)
    if message is None:
        await _refuse(ws, "unauthorised", "Sign in first", CLOSE_UNAUTHORISED)
        return None
    store = _registry(ws).store

    async def admitted() -> Room | None:
        if not await store.run(store.facilitator_admits, workshop_id, hash_token(message.token)):
            return None
        return await _registry(ws).room(workshop_id)

    try:
        room = await check_secret(ws.app.state.token_limiter, client_address(ws), admitted)
    except TooManyAttempts:
        await _refuse(ws, "too_many_attempts", TOO_MANY_TOKENS, CLOSE_POLICY)
        return None
    if room is not None:
        return room, message.last_seq
    if await store.run(store.workshop, workshop_id) is None:
        await _refuse(ws, "no_such_workshop", "No workshop has that id", CLOSE_NOT_FOUND)
    else:
        await _refuse(ws, "unauthorised", "That link is not valid for this workshop", 4401)
    return None


async def _auth_message(ws: WebSocket) -> protocol.Auth | None:
    """The facilitator's `auth`, within AUTH_TIMEOUT_S of the handshake. A `ping` before it
    is answered (with nothing of the workshop: `seq` 0), within the message rate (those over
    it are dropped); anything else, or nothing in time, gives None."""
    config = _registry(ws).config
    bucket = TokenBucket(config.messages_per_second, config.messages_per_second * 2)
    deadline = time.monotonic() + AUTH_TIMEOUT_S
    while (text := await _first_text(ws, deadline - time.monotonic())) is not None:
        try:
            message = protocol.parse(text, "facilitator")
        except protocol.BadMessage:
            return None
        if isinstance(message, protocol.Auth):
            return message
        if not isinstance(message, protocol.Ping):
            return None
        if bucket.allow():
            await ws.send_json({"type": "pong", "seq": 0, "now": _registry(ws).clock()})
    return None
