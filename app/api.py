"""The HTTP API: health, creating workshops, and reading a workshop's log."""

from __future__ import annotations

import math
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from app.auth import TOO_MANY_TOKENS, facilitator_room
from app.pages import translate_for
from app.registry import Registry
from app.rooms import Room
from app.security import (
    AttemptLimiter,
    TooManyAttempts,
    check_secret,
    client_address,
    hash_token,
    new_token,
    recovery_code_matches,
)
from app.store import FacilitatorTokenRow, WorkshopRow
from facilitator.exports import download_name, log_jsonl
from game.rules import MAX_TEAMS, MAX_TITLE
from game.settings import SettingsError, parse_mazes, parse_settings

router = APIRouter()


class WorkshopRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    title: Annotated[str, Field(max_length=MAX_TITLE)] = "Electric Maze"
    teams: Annotated[int, Field(ge=1, le=MAX_TEAMS, strict=True)] = 1
    same_maze: bool = True  # false: each team gets a path of its own, from the next seeds
    team_names: Annotated[list[Annotated[str, Field(max_length=30)]], Field(max_length=12)] = []
    maze: dict[str, Any] | None = None
    rules: dict[str, Any] | None = None


class TeamLinks(BaseModel):
    team_id: str
    join_code: str
    join_url: str


class WorkshopCreated(BaseModel):
    workshop_id: str
    facilitator_token: str
    facilitator_url: str
    recovery_code: str
    teams: list[TeamLinks]


class RecoveryRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    recovery_code: Annotated[str, Field(max_length=64)]


class FacilitatorAccess(BaseModel):
    workshop_id: str
    facilitator_token: str
    title: str
    created_at: float


class FieldError(Exception):
    """A request field whose value the rules refuse; answered as a 422 naming the field."""

    def __init__(self, loc: list[str], message: str) -> None:
        super().__init__(message)
        self.loc = loc
        self.message = message


def field_error_response(loc: list[str | int], message: str) -> JSONResponse:
    name = ".".join(str(part) for part in loc if part != "body") or "body"
    return JSONResponse(
        status_code=422,
        content={
            "message": f"{name}: {message}",
            "detail": [{"loc": loc, "msg": message, "type": "value_error"}],
        },
    )


def _registry(request: Request) -> Registry:
    registry: Registry = request.app.state.registry
    return registry


@router.get("/healthz")
async def healthz(request: Request) -> JSONResponse:
    """200 when the rooms' clock runs and the store's writer answers; else 503 naming what is
    stuck. Polled by Docker's HEALTHCHECK: it waits for one store round trip at most."""
    registry = _registry(request)
    stuck = await registry.problems()
    if stuck:
        return JSONResponse({"status": "stuck", "stuck": stuck}, status_code=503)
    return JSONResponse({"status": "ok", "rooms": len(registry.rooms)})


def _too_many_workshops(limiter: AttemptLimiter, address: str) -> JSONResponse | None:
    """429 when the address has created its share of workshops this hour; `message` as on a
    422, for the set-up page to show."""
    if not limiter.blocked(address):
        return None
    wait = limiter.retry_after(address)
    minutes = math.ceil(wait / 60)
    message = (
        f"Too many workshops created from this address in the last hour ({limiter.limit}); "
        f"try again in {minutes} minute{'s' if minutes > 1 else ''}"
    )
    return JSONResponse(
        {"detail": message, "message": message},
        status_code=429,
        headers={"Retry-After": str(wait)},
    )


@router.post("/api/workshops", status_code=201, response_model=WorkshopCreated)
async def create_workshop(
    request: Request, body: WorkshopRequest | None = None
) -> WorkshopCreated | JSONResponse:
    limiter: AttemptLimiter = request.app.state.workshop_limiter
    address = client_address(request)
    refused = _too_many_workshops(limiter, address)
    if refused is not None:
        return refused
    attempt = limiter.record(address)  # counted at once: a burst of requests cannot outrun it
    try:
        return await _create(request, body or WorkshopRequest())
    except BaseException:
        limiter.forget(address, attempt)  # a refused body creates nothing and does not count
        raise


async def _create(request: Request, body: WorkshopRequest) -> WorkshopCreated:
    maze_fields = dict(body.maze or {})
    if "seed" not in maze_fields and "path" not in maze_fields:
        maze_fields["seed"] = secrets.randbelow(2**31)  # a new path for every workshop
    if not body.same_maze and "path" in maze_fields:
        raise FieldError(["body", "same_maze"], "a drawn path is the same for every team")
    try:
        mazes = parse_mazes(maze_fields, body.teams, same_maze=body.same_maze)
        settings = parse_settings(body.rules)
    except SettingsError as error:
        where = error.setting.split(".")
        loc = ["body", *where] if where[0] == "maze" else ["body", "rules", *where]
        raise FieldError(loc, error.reason) from None
    title = " ".join(body.title.split()) or "Electric Maze"
    registry = _registry(request)
    if len(body.team_names) > body.teams:
        raise FieldError(["body", "team_names"], f"at most one name per team ({body.teams})")
    names = [" ".join(name.split()) for name in body.team_names]
    names += [""] * (body.teams - len(names))
    created = await registry.create(
        title=title,
        team_names=[
            name or translate_for(request, "team.default_name", n=n)
            for n, name in enumerate(names, 1)
        ],
        mazes=mazes,
        settings=settings,
    )
    base = registry.config.base_url()
    return WorkshopCreated(
        workshop_id=created.workshop_id,
        facilitator_token=created.facilitator_token,
        facilitator_url=f"{base}/facilitate/{created.workshop_id}#{created.facilitator_token}",
        recovery_code=created.recovery_code,
        teams=[
            TeamLinks(
                team_id=team.team_id,
                join_code=team.join_code,
                join_url=f"{base}/join/{team.join_code}",
            )
            for team in created.teams
        ],
    )


@router.post("/api/workshops/{workshop_id}/recover", response_model=FacilitatorAccess)
async def recover_access(
    request: Request, workshop_id: str, body: RecoveryRequest
) -> FacilitatorAccess:
    """A new facilitator token for the workshop's recovery code; the tokens given out before
    stay valid. A wrong code (or an unknown workshop) is a wrong guess, counted as a token's."""
    registry = _registry(request)
    store = registry.store

    async def matched() -> WorkshopRow | None:
        code_hash = await store.run(store.recovery_hash, workshop_id)
        if code_hash is None or not recovery_code_matches(body.recovery_code, code_hash):
            return None
        return await store.run(store.workshop, workshop_id)

    limiter: AttemptLimiter = request.app.state.token_limiter
    try:
        row = await check_secret(limiter, client_address(request), matched)
    except TooManyAttempts as refused:
        raise refused.http(TOO_MANY_TOKENS) from None
    if row is None:
        raise HTTPException(
            status_code=401, detail="That recovery code is not valid for this workshop"
        )
    token = new_token()
    granted = FacilitatorTokenRow(
        token_hash=hash_token(token), workshop_id=workshop_id, created_at=registry.clock()
    )
    await store.run(store.add_facilitator_token, granted)
    return FacilitatorAccess(
        workshop_id=workshop_id, facilitator_token=token, title=row.title, created_at=row.created_at
    )


@router.get("/api/workshops/{workshop_id}/log")
async def workshop_log(room: Annotated[Room, Depends(facilitator_room)]) -> Response:
    return Response(
        log_jsonl(room.log),
        media_type="application/x-ndjson",
        headers={
            "Content-Disposition": f'attachment; filename="{download_name(room.log, ".jsonl")}"'
        },
    )
