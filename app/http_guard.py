"""What every HTTP request and answer passes through, before any route: a limit on the body,
JSON bodies read strictly, and the headers every answer carries.

The body limit holds before the body is read: a declared `Content-Length` over it is refused
at once, and a streamed (chunked) body is counted as it arrives and refused when it passes the
limit, so no request can make the server hold more than the limit in memory.
"""

from __future__ import annotations

from email.message import Message as MimeHeaders

from fastapi import HTTPException
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import json_input
from app.api import field_error_response

IMPORT_PATH = "/api/library/import"  # a log file: larger, and JSON Lines, not JSON
# On every answer, pages, JSON and static files alike (pages add their own CSP).
COMMON_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
_BODILESS = frozenset({"GET", "HEAD", "OPTIONS"})


class BodyTooLarge(HTTPException):
    """A body that went past its limit while it was being read: answered 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=f"The body may be {limit:,} bytes at most")


class HttpGuard:
    """The ASGI middleware: the limit is `max_import_bytes` for the library's import,
    `max_body_bytes` for everything else."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, max_import_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_import_bytes = max_import_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = _with_common_headers(send)
        limit = self.max_import_bytes if scope["path"] == IMPORT_PATH else self.max_body_bytes
        headers = Headers(scope=scope)
        body = LimitedBody(receive, limit)
        try:
            if _declared_length(headers) > limit:
                raise BodyTooLarge(limit)
            if _reads_json(scope, headers):
                receive = await _checked_json(body)
            else:
                receive = body.receive
        except BodyTooLarge as error:
            refusal = JSONResponse({"detail": error.detail}, status_code=error.status_code)
        except json_input.BadJson as error:
            refusal = field_error_response(["body"], str(error))
        else:
            await self.app(scope, receive, send)
            return
        await refusal(scope, _nothing, send)


class LimitedBody:
    """The request's body as it arrives, counted: BodyTooLarge once it passes the limit."""

    def __init__(self, receive: Receive, limit: int) -> None:
        self._receive = receive
        self.limit = limit
        self.read = 0  # bytes received so far

    async def receive(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.request":
            self.read += len(message.get("body", b""))
            if self.read > self.limit:
                raise BodyTooLarge(self.limit)
        return message

    async def whole(self) -> bytes:
        chunks: list[bytes] = []
        while True:
            message = await self.receive()
            if message["type"] != "http.request":
                return b""  # the client went away
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                return b"".join(chunks)


async def _checked_json(body: LimitedBody) -> Receive:
    """Reads the whole (limited) body and checks it is strict JSON; then the app reads it."""
    data = await body.whole()
    if data:
        json_input.loads(data)
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return await body.receive()  # only a disconnect is left to hear
        sent = True
        return {"type": "http.request", "body": data, "more_body": False}

    return receive


def _reads_json(scope: Scope, headers: Headers) -> bool:
    """Whether the routes will read the body as JSON: FastAPI does with no content type."""
    if scope["method"] in _BODILESS or scope["path"] == IMPORT_PATH:
        return False
    content_type = headers.get("content-type")
    if not content_type:
        return True
    parsed = MimeHeaders()
    parsed["content-type"] = content_type
    subtype = parsed.get_content_subtype()
    return parsed.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


def _declared_length(headers: Headers) -> int:
    """The Content-Length, as large as it says; 0 when there is none or it is not a number
    (the HTTP server refuses those)."""
    raw = headers.get("content-length", "")
    if not (raw.isascii() and raw.isdigit()):
        return 0
    return int(raw) if len(raw) <= 18 else 10**18  # never read thousands of digits


def _with_common_headers(send: Send) -> Send:
    async def sender(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            for name, value in COMMON_HEADERS.items():
                headers.setdefault(name, value)
        await send(message)

    return sender


async def _nothing() -> Message:
    """A refusal's receive: it reads nothing of the body."""
    return {"type": "http.disconnect"}
