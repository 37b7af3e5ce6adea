"""The facilitator's token, checked on every facilitator request."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, HTTPException, Request

from app.registry import Registry
from app.rooms import Room
from app.security import token_matches


async def facilitator_room(
    request: Request,
    workshop_id: str,
    authorization: Annotated[str | None, Header()] = None,
) -> Room:
    """The workshop's room, if the request carries its facilitator token; 401 otherwise."""
    registry: Registry = request.app.state.registry
    limiter = request.app.state.join_limiter
    address = request.client.host if request.client else "unknown"
    if limiter.blocked(address):
        raise HTTPException(status_code=429, detail="Too many wrong tokens; wait a minute")
    row = await registry.store.run(registry.store.workshop, workshop_id)
    scheme, _, token = (authorization or "").partition(" ")
    admitted = (
        row is not None and scheme.lower() == "bearer" and token_matches(token, row.token_hash)
    )
    # the room is opened (its log read) only for someone who holds the token
    room = await registry.room(workshop_id) if admitted else None
    if room is None:
        limiter.failed(address)
        raise HTTPException(
            status_code=401,
            detail="A valid facilitator token is needed (Authorization: Bearer <token>)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return room
