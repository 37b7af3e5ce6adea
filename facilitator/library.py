"""The trainers' library: past workshops, their logs as files, imports, and replays.

Everything here is behind the admin password (ADMIN_PASSWORD). Pages log in once and carry a
cookie; scripts may send the password as a Bearer token.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
import time
from collections import OrderedDict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel, Field

from app.registry import Registry
from app.security import (
    TooManyAttempts,
    check_secret,
    client_address,
    from_allowed_origin,
    hash_token,
    new_token,
    new_workshop_id,
)
from app.store import EventStore, ImportRow, LibrarySessionRow, WorkshopRow
from facilitator.exports import download_name
from game.events import Event, SessionCreated
from game.metrics import session_metrics
from game.projections import facilitator_view
from game.replay import LogError, LogFile, Replay, read_log_file, write_log

router = APIRouter()

COOKIE = "em_library"
COOKIE_S = 12 * 3600
NO_PASSWORD = "The library is closed: set ADMIN_PASSWORD in the server's environment and restart it"
WRONG_PASSWORD = "That is not the library password"
TOO_MANY_PASSWORDS = "Too many wrong passwords; wait a minute"
FOREIGN_ORIGIN = "This request must come from the library's own pages"
REPLAY_CACHE = 8
NOT_FOUND = "No workshop with that id in the library"
LOG_FILE_TYPES = frozenset({"application/x-ndjson", "application/jsonl", "application/json"})
# An id the pages route and the store holds (32 characters at most).
PORTABLE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}")


# --- access ------------------------------------------------------------------------------


def _password(request: Request) -> str:
    password: str | None = request.app.state.config.admin_password
    if not password:
        raise HTTPException(status_code=403, detail=NO_PASSWORD)
    return password


def _fingerprint(password: str, token: str) -> str:
    """Ties a session to the password it was opened with. Keyed by the session's token,
    which the store does not keep, so the store holds nothing to guess the password from."""
    return hmac.new(password.encode(), token.encode(), hashlib.sha256).hexdigest()


def _same_origin(request: Request) -> None:
    """Anything that changes the library comes from its own pages (as the sockets' Origin
    rule says), or from a script that sends no Origin and no cookie."""
    if not from_allowed_origin(request, request.app.state.config, cookie=COOKIE):
        raise HTTPException(status_code=403, detail=FOREIGN_ORIGIN)


async def _check_password(request: Request, given: str, password: str) -> None:
    """The password, checked as every guessable secret is (429 past the address's budget);
    401 if wrong."""

    async def right() -> bool | None:
        # hashes of equal length: the time taken tells nothing of the password's length
        return True if hmac.compare_digest(hash_token(given), hash_token(password)) else None

    limiter = request.app.state.token_limiter
    try:
        admitted = await check_secret(limiter, client_address(request), right)
    except TooManyAttempts as refused:
        raise refused.http(TOO_MANY_PASSWORDS) from None
    if admitted is None:
        raise HTTPException(status_code=401, detail=WRONG_PASSWORD)


async def _session_open(request: Request, password: str) -> bool:
    """Whether the request's cookie is a session opened under this password, not expired
    nor closed. Its token is long and random: a wrong one is no guess worth counting."""
    token = request.cookies.get(COOKIE)
    if not token:
        return False
    registry = _registry(request)
    store = registry.store
    row = await store.run(store.library_session, hash_token(token), registry.clock())
    return row is not None and hmac.compare_digest(
        row.password_fingerprint, _fingerprint(password, token)
    )


async def trainer(request: Request) -> None:
    """Admits the request if it carries a library session's cookie or the password as
    Bearer; anything but a read must also come from the library's own origin."""
    password = _password(request)
    if request.method not in ("GET", "HEAD"):
        _same_origin(request)
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        await _check_password(request, given, password)
    elif not await _session_open(request, password):
        raise HTTPException(status_code=401, detail="Log in to the library first")


Trainer = Annotated[None, Depends(trainer)]


class Login(BaseModel):
    password: Annotated[str, Field(max_length=200)]


def _secure(request: Request) -> bool:
    public = request.app.state.config.public_url or ""
    return request.url.scheme == "https" or public.startswith("https://")


@router.post("/api/library/login", status_code=204)
async def login(body: Login, request: Request, response: Response) -> None:
    """A new session: a random token in the cookie, its hash in the store."""
    password = _password(request)
    _same_origin(request)
    await _check_password(request, body.password, password)
    token = new_token()
    registry = _registry(request)
    now = registry.clock()
    row = LibrarySessionRow(
        token_hash=hash_token(token),
        expires_at=now + COOKIE_S,
        password_fingerprint=_fingerprint(password, token),
    )
    await registry.store.run(registry.store.open_library_session, row, now)
    response.set_cookie(
        COOKIE,
        token,
        max_age=COOKIE_S,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )


@router.post("/api/library/logout", status_code=204)
async def logout(request: Request, response: Response) -> None:
    """Closes the session: its cookie is refused from now on, wherever it was copied."""
    _same_origin(request)
    token = request.cookies.get(COOKIE)
    if token:
        store = _registry(request).store
        await store.run(store.close_library_session, hash_token(token))
    response.delete_cookie(COOKIE, httponly=True, samesite="strict", secure=_secure(request))


# --- the library -------------------------------------------------------------------------


Summary = dict[str, Any]


def summary(row: WorkshopRow, events: list[Event], *, imported: bool) -> Summary:
    """A workshop as the library lists it: when, what, and each team's headline measures."""
    metrics = session_metrics(events)
    ended = events[-1].type == "session_ended"
    return {
        "workshop_id": row.id,
        "title": row.title,
        "created_at": row.created_at,
        "imported": imported,
        "ended": ended,
        "events": len(events),
        "teams": [
            {
                "team_id": team_id,
                "name": team["name"],
                "players": team["players"],
                "phase": team["phase"],
                "path_found": team["learning"]["path_found"],
                "execution_complete": team["execution"]["complete"],
                "failures": team["learning"]["failures"]["total"],
                "learning_ratio": team["learning"]["learning_ratio"],
                "learning_s": team["learning"]["duration_s"],
                "learning_adjusted_s": team["learning"]["adjusted_s"],
                "execution_s": team["execution"]["duration_s"],
                "execution_adjusted_s": team["execution"]["adjusted_s"],
            }
            for team_id, team in metrics["teams"].items()
        ],
    }


def list_workshops(
    store: EventStore, query: str = "", known: dict[str, tuple[int, Summary]] | None = None
) -> list[Summary]:
    """Every workshop whose title holds `query`, newest first. `known` keeps summaries
    between calls: a workshop's log is read again only when it has grown."""
    known = {} if known is None else known
    imported = {row.workshop_id for row in store.imports()}
    last_seqs = store.last_seqs()
    found = []
    for row in reversed(store.workshops()):
        if query and query.casefold() not in row.title.casefold():
            continue
        last_seq = last_seqs.get(row.id)
        if last_seq is None:
            continue
        if known.get(row.id, (None,))[0] != last_seq:
            known[row.id] = (last_seq, summary(row, store.events(row.id), imported=False))
        found.append({**known[row.id][1], "imported": row.id in imported})
    return found


def save_import(store: EventStore, events: list[Event], now: float) -> tuple[str, bool]:
    """Save the events of a log file (already read and checked: `read_log_file`) as a new
    workshop of the library. A log already in the library is not saved twice: the answer is
    then the workshop that holds it, and False."""
    created = events[0]
    assert isinstance(created, SessionCreated)
    held = _holding(store, created.session_id, events)
    if held is not None:
        return held, False
    workshop_id = created.session_id
    if not _portable_id(workshop_id) or store.workshop(workshop_id) is not None:
        workshop_id = new_workshop_id()
    row = WorkshopRow(
        id=workshop_id,
        title=created.title,
        created_at=created.ts,
        token_hash=hash_token(new_token()),  # nobody facilitates an import
    )
    record = ImportRow(workshop_id=workshop_id, imported_at=now, session_id=created.session_id)
    store.import_workshop(row, record, events)
    return workshop_id, True


def _portable_id(session_id: str) -> bool:
    """Whether an imported session can keep the id it had where it ran, so that links to its
    moments work on every server that holds it."""
    return PORTABLE_ID.fullmatch(session_id) is not None


def _holding(store: EventStore, session_id: str, events: list[Event]) -> str | None:
    """The workshop with exactly these events: the session itself, run on this server, or an
    earlier import of it."""
    candidates = [row.workshop_id for row in store.imports() if row.session_id == session_id]
    if store.workshop(session_id) is not None:
        candidates.insert(0, session_id)
    return next((found for found in candidates if store.events(found) == events), None)


class Replays:
    """The few logs being replayed, kept with their snapshots so seeking stays fast."""

    def __init__(self) -> None:
        self._cache: OrderedDict[str, Replay] = OrderedDict()

    def build(self, workshop_id: str, events: list[Event]) -> Replay:
        """The replay of `events`: the cached one if it is up to date, extended if the log grew
        (a room still running), or new. It reads the cache only, so it may run on a thread."""
        replay = self._cache.get(workshop_id)
        if replay is None:
            return Replay(events)
        if replay.last_seq == (events[-1].seq if events else 0):
            return replay
        try:
            return replay.extended(events)
        except ValueError:
            return Replay(events)

    def keep(self, workshop_id: str, replay: Replay) -> Replay:
        self._cache[workshop_id] = replay
        self._cache.move_to_end(workshop_id)
        while len(self._cache) > REPLAY_CACHE:
            self._cache.popitem(last=False)
        return replay

    def cached(self, workshop_id: str) -> Replay | None:
        return self._cache.get(workshop_id)

    def forget(self, workshop_id: str) -> None:
        self._cache.pop(workshop_id, None)


def _registry(request: Request) -> Registry:
    registry: Registry = request.app.state.registry
    return registry


def _replays(request: Request) -> Replays:
    state = request.app.state
    if not hasattr(state, "replays"):
        state.replays = Replays()
    replays: Replays = state.replays
    return replays


async def _replay(request: Request, workshop_id: str) -> Replay:
    """The workshop's log ready for seeking: a live room's, or the store's. A cached replay
    is renewed when the log grew since (a room that ran on, then closed)."""
    registry, replays = _registry(request), _replays(request)
    store = registry.store
    room = registry.rooms.get(workshop_id)
    if room is not None:
        # Folded on a reader thread: a long log must not hold up the rooms' event loop.
        built = await store.read(replays.build, workshop_id, list(room.log))
        return replays.keep(workshop_id, built)
    replay = replays.cached(workshop_id)
    if replay is None or replay.last_seq < await store.read(store.last_seq, workshop_id):
        events = await store.read(store.events, workshop_id)
        if not events:
            raise HTTPException(status_code=404, detail=NOT_FOUND)
        replay = replays.keep(workshop_id, await store.read(replays.build, workshop_id, events))
    return replay


async def _events(request: Request, workshop_id: str) -> list[Event]:
    return list((await _replay(request, workshop_id)).events)


@router.get("/api/library/workshops")
async def workshops(request: Request, _: Trainer, q: str = "") -> list[dict[str, Any]]:
    store = _registry(request).store
    state = request.app.state
    if not hasattr(state, "library_summaries"):
        state.library_summaries = {}
    return await store.read(list_workshops, store, q[:100], state.library_summaries)


@router.delete("/api/library/workshops/{workshop_id}", status_code=204)
async def delete(request: Request, workshop_id: str, _: Trainer) -> None:
    registry = _registry(request)
    if await registry.store.run(registry.store.workshop, workshop_id) is None:
        raise HTTPException(status_code=404, detail=NOT_FOUND)
    await registry.forget(workshop_id)
    await registry.store.run(registry.store.delete_workshop, workshop_id)
    _replays(request).forget(workshop_id)
    getattr(request.app.state, "library_summaries", {}).pop(workshop_id, None)


@router.get("/api/library/workshops/{workshop_id}/file")
async def log_file(request: Request, workshop_id: str, _: Trainer) -> Response:
    events = await _events(request, workshop_id)
    return Response(
        await _registry(request).store.read(write_log, events),
        media_type="application/x-ndjson",
        headers={
            "Content-Disposition": f'attachment; filename="{download_name(events, ".jsonl")}"'
        },
    )


def _refusal(error: LogError) -> dict[str, Any]:
    return {"message": str(error), "line": error.line, "reason": error.reason}


@router.post("/api/library/import", status_code=201)
async def import_file(request: Request, response: Response, _: Trainer) -> dict[str, Any]:
    """A log file into the library. Its size is limited as it arrives (MAX_IMPORT_BYTES, in
    app/http_guard.py); it is checked on a thread of its own, since the check is long and the
    store's thread serves every live room; only the insert goes through the store."""
    _log_file_type(request)
    body = await request.body()
    try:
        log_file = await asyncio.to_thread(_read_upload, body)
    except LogError as error:
        raise HTTPException(status_code=422, detail=_refusal(error)) from None
    store = _registry(request).store
    workshop_id, new = await store.run(save_import, store, log_file.events, time.time())
    response.status_code = 201 if new else 200
    return {
        "workshop_id": workshop_id,
        "already_in_library": not new,
        "checksum": log_file.checksum,
    }


def _log_file_type(request: Request) -> None:
    """A log file comes as JSON Lines (or JSON), as the library page sends it: a form or text
    (what a page elsewhere could make a signed-in browser post) is not, nor a body of no
    type."""
    content_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if content_type not in LOG_FILE_TYPES:
        raise HTTPException(
            status_code=415,
            detail=f"A log file is sent as {', '.join(sorted(LOG_FILE_TYPES))}",
        )


def _read_upload(body: bytes) -> LogFile:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise LogError(1, "the file is not UTF-8 text") from None
    return read_log_file(text)


@router.get("/api/library/workshops/{workshop_id}/replay")
async def replay(request: Request, workshop_id: str, _: Trainer) -> dict[str, Any]:
    """What a replay needs up front: every event's time and kind for the timeline, the
    metrics at the end, and where the session starts and stops."""
    events = await _events(request, workshop_id)
    return await _registry(request).store.read(_replay_outline, workshop_id, events)


def _replay_outline(workshop_id: str, events: list[Event]) -> dict[str, Any]:
    return {
        "workshop_id": workshop_id,
        "events": [
            {
                "seq": e.seq,
                "ts": e.ts,
                "type": e.type,
                "team": getattr(e, "team", None),
                "player": getattr(e, "player", None),
            }
            for e in events
        ],
        "metrics": session_metrics(events),
    }


@router.get("/api/library/workshops/{workshop_id}/at/{seq}")
async def state_at(request: Request, workshop_id: str, seq: int, _: Trainer) -> dict[str, Any]:
    """The facilitator's view of the session right after event `seq`."""
    state = (await _replay(request, workshop_id)).state_at(seq)
    return {"seq": state.seq, "view": facilitator_view(state)}


@router.get("/api/library/workshops/{workshop_id}/metrics")
async def metrics(request: Request, workshop_id: str, _: Trainer) -> dict[str, Any]:
    events = await _events(request, workshop_id)
    return await _registry(request).store.read(session_metrics, events)
