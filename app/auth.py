"""The facilitator's token, checked on every facilitator request."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, HTTPException, Request

from app.registry import Registry
from app.rooms import Room
from app.security import TooManyAttempts, check_secret, client_address, hash_token

TOO_MANY_TOKENS = "Too many wrong tokens; wait a minute"


async def facilitator_room(
    request: Request,
    workshop_id: str,
    authorization: Annotated[str | None, Header()] = None,
) -> Room:
    """The workshop's room, if the request carries its facilitator token; 401 otherwise."""
    registry: Registry = request.app.state.registry
    scheme, _, token = (authorization or "").partition(" ")

    async def admitted() -> Room | None:
        if scheme.lower() != "bearer":
            return None
        store = registry.store
        if not await store.run(store.facilitator_admits, workshop_id, hash_token(token)):
            return None
        # the room is opened (its log read) only for someone who holds the token
        return await registry.room(workshop_id)

    limiter = request.app.state.token_limiter
    try:
        room = await check_secret(limiter, client_address(request), admitted)
    except TooManyAttempts as refused:
        raise refused.http(TOO_MANY_TOKENS) from None
    if room is None:
        raise HTTPException(
            status_code=401,
            detail="A valid facilitator token is needed (Authorization: Bearer <token>)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return room
