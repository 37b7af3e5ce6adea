"""The app factory."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.middleware.trustedhost import TrustedHostMiddleware

from app import api, api_docs, pages, ws
from app.config import Config
from app.http_guard import HttpGuard
from app.registry import Registry
from app.security import AttemptLimiter, SocketCount
from app.store import EventStore
from facilitator import api as facilitator_api
from facilitator import library, trainer_pages
from facilitator import pages as facilitator_pages

log = logging.getLogger("electric_maze")


def create_app(config: Config | None = None, clock: Callable[[], float] = time.time) -> FastAPI:
    config = config or Config.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = EventStore(config.database_url)
        registry = Registry(store, config, clock)
        app.state.registry = registry
        await registry.start()
        log.info("Electric Maze is ready; phones join at %s", config.base_url())
        try:
            yield
        finally:
            await registry.stop()
            store.close()

    app = FastAPI(title="Electric Maze", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.config = config
    app.state.join_limiter = AttemptLimiter(config.join_attempts_per_minute)
    app.state.token_limiter = AttemptLimiter(config.token_attempts_per_minute)
    app.state.workshop_limiter = AttemptLimiter(config.workshops_per_hour, window_s=3600.0)
    app.state.sockets = SocketCount(config.max_sockets_per_address)
    app.include_router(api.router)
    app.include_router(ws.router)
    app.include_router(facilitator_api.router)
    app.include_router(library.router)
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(api.FieldError, _field_error)  # type: ignore[arg-type]
    pages.install(app)
    app.include_router(api_docs.router)
    facilitator_pages.install(app)
    trainer_pages.install(app)
    _guard(app, config)
    return app


def _guard(app: FastAPI, config: Config) -> None:
    """The outermost layers, added last: Host headers (HTTP and WebSocket), then body limits
    and the headers every answer carries."""
    if config.allowed_hosts:
        app.add_middleware(
            TrustedHostMiddleware, allowed_hosts=list(config.allowed_hosts), www_redirect=False
        )
    app.add_middleware(
        HttpGuard,
        max_body_bytes=config.max_body_bytes,
        max_import_bytes=config.max_import_bytes,
    )


async def _validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
    first = error.errors()[0]
    if first["type"] == "json_invalid":
        return api.field_error_response(["body"], "the body is not valid JSON")
    return api.field_error_response(list(first["loc"]), str(first["msg"]))


async def _field_error(request: Request, error: api.FieldError) -> JSONResponse:
    return api.field_error_response(list(error.loc), error.message)
