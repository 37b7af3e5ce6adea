"""The pages people open: home, the join page (the participant's game), the big screen, the
QR code of a team's join link, the static files, and a styled "not found"."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import segno
from fastapi import APIRouter, FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import Scope

from app.config import Config
from app.i18n import LANGUAGE_COOKIE, LANGUAGES, Catalogues, choose_language
from app.registry import Registry
from app.security import (
    JOIN_CODE_ALPHABET,
    JOIN_CODE_LENGTH,
    TooManyAttempts,
    check_secret,
    client_address,
    normalise_join_code,
)
from game.state import TeamState

router = APIRouter(include_in_schema=False)

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
LANGUAGE_COOKIE_S = 365 * 24 * 3600
_VERSION_SEGMENT = re.compile(r"v[0-9a-f]{12}")
_HOST = re.compile(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")
_GAME_UNDER_WAY = ("planning", "learning", "review", "execution")
_NOT_HTML_PREFIXES = ("/api/", "/static/", "/ws/", "/qr/")
# The modules each page loads, listed so that the browser fetches them all at once.
_MODULES = ("i18n.js", "connection.js", "board.js", "sound.js", "status.js")


def project_folder(name: str) -> Path:
    """A folder of the project: beside the package in a checkout, or in the working
    directory when the package is installed elsewhere (as in the container)."""
    for base in (Path(__file__).resolve().parent.parent, Path.cwd()):
        if (base / name).is_dir():
            return base / name
    raise RuntimeError(f"the {name}/ folder was not found")


def asset_version(directory: Path) -> str:
    """One version for every static file, changed by any change to any of them: the
    modules import each other by relative paths, which then carry it along."""
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        digest.update(path.relative_to(directory).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return "v" + digest.hexdigest()[:12]


class StaticAssets(StaticFiles):
    """Static files under /static/<version>/..., cached for a year; a URL without the
    current version (an old page, or a bare /static/... path) is revalidated each time."""

    def __init__(self, directory: Path, version: str) -> None:
        super().__init__(directory=directory)
        self.version = version

    def _split(self, scope: Scope) -> tuple[str | None, str]:
        path = super().get_path(scope)
        first, separator, rest = path.partition(os.sep)
        if separator and _VERSION_SEGMENT.fullmatch(first):
            return first, rest
        return None, path

    def get_path(self, scope: Scope) -> str:
        return self._split(scope)[1]

    def file_response(
        self,
        full_path: Any,
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        current = self._split(scope)[0] == self.version
        response.headers["Cache-Control"] = IMMUTABLE if current else REVALIDATE
        return response


@dataclass(frozen=True)
class Site:
    templates: Jinja2Templates
    static_dir: Path
    version: str
    catalogues: Catalogues

    @classmethod
    def load(cls) -> Site:
        static_dir = project_folder("static")
        templates = Jinja2Templates(directory=str(project_folder("templates")))
        return cls(
            templates=templates,
            static_dir=static_dir,
            version=asset_version(static_dir),
            catalogues=Catalogues.load(static_dir / "i18n"),
        )

    def static_url(self, path: str) -> str:
        return f"/static/{self.version}/{path}"


def install(app: FastAPI) -> None:
    """Add the pages, the static files, compression and the styled 404 to the app."""
    site = Site.load()
    app.state.site = site
    app.mount("/static", StaticAssets(site.static_dir, site.version), name="static")
    app.include_router(router)
    app.add_middleware(GZipMiddleware, minimum_size=500)
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]


# --- rendering -------------------------------------------------------------------------


def _site(request: Request) -> Site:
    site: Site = request.app.state.site
    return site


def _config(request: Request) -> Config:
    config: Config = request.app.state.config
    return config


def language(request: Request) -> str:
    return choose_language(
        request.query_params.get("lang"),
        request.cookies.get(LANGUAGE_COOKIE),
        request.headers.get("accept-language"),
    )


def content_security_policy(host: str | None) -> str:
    """Scripts, styles and images from this server only; sockets to this host."""
    sockets = f" ws://{host} wss://{host}" if host and _HOST.fullmatch(host) else ""
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            f"connect-src 'self'{sockets}",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


def json_for_html(data: object) -> Markup:
    """JSON safe inside a <script type="application/json"> block."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for raw, escaped in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e")):
        text = text.replace(raw, escaped)
    return Markup(text)


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    site = _site(request)
    lang = language(request)
    catalogue = site.catalogues.catalogue(lang)
    switch = language_switch(
        request, lang, lambda code: site.catalogues.translate(code, "language.name")
    )
    full_context = {
        "lang": lang,
        "t": partial(site.catalogues.translate, lang),
        "static": site.static_url,
        "modules": [site.static_url(f"js/{name}") for name in _MODULES],
        "catalogue_json": json_for_html(catalogue),
        "languages": switch,
        **(context or {}),
    }
    response = site.templates.TemplateResponse(
        request, template, full_context, status_code=status_code, headers=headers
    )
    return page_response(request, response)


def language_switch(
    request: Request, lang: str, name_of: Callable[[str], str]
) -> list[dict[str, Any]]:
    """The links to this page in each language, keeping its query (a team, a moment)."""
    query = dict(request.query_params)
    return [
        {
            "code": code,
            "name": name_of(code),
            "href": f"{request.url.path}?{urlencode({**query, 'lang': code})}",
            "current": code == lang,
        }
        for code in LANGUAGES
    ]


def page_response(request: Request, response: Any, *, cache: str = "no-cache") -> HTMLResponse:
    """Every page's own headers (a strict CSP; the HTTP guard adds those every answer carries,
    no referrer and no sniffing), and the language the visitor chose with `?lang=` kept in a
    cookie."""
    response.headers["Content-Security-Policy"] = content_security_policy(
        request.headers.get("host")
    )
    response.headers["Cache-Control"] = cache
    response.headers["Vary"] = "Accept-Language, Cookie"
    chosen = request.query_params.get("lang")
    if chosen in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE, chosen, max_age=LANGUAGE_COOKIE_S, samesite="lax", httponly=True
        )
    assert isinstance(response, HTMLResponse)
    return response


def translate_for(request: Request, key: str, **params: object) -> str:
    """A text in the language of whoever sent the request."""
    return _site(request).catalogues.translate(language(request), key, **params)


# --- finding a team by its join code ---------------------------------------------------


@dataclass(frozen=True)
class FoundTeam:
    code: str
    title: str
    ended: bool
    team: TeamState


class Refused(Exception):
    """The code was not looked up (too many wrong ones: `retry_after` seconds to wait) or
    matched no team."""

    def __init__(self, code: str, retry_after: int = 0) -> None:
        super().__init__(code)
        self.code = code
        self.retry_after = retry_after

    @property
    def blocked(self) -> bool:
        return self.retry_after > 0

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)} if self.blocked else {}


def _well_formed(code: str) -> bool:
    return len(code) == JOIN_CODE_LENGTH and all(ch in JOIN_CODE_ALPHABET for ch in code)


async def find_team(request: Request, raw_code: str) -> FoundTeam:
    """The team of a join code, checked as every guessable secret is: a wrong code counts
    against the client's address, as on the sockets, so the pages are no easier a way to try
    codes."""
    code = normalise_join_code(raw_code)
    registry: Registry = request.app.state.registry

    async def lookup() -> FoundTeam | None:
        row = (
            await registry.store.run(registry.store.team_by_code, code)
            if _well_formed(code)
            else None
        )
        room = await registry.room(row.workshop_id) if row is not None else None
        if row is None or room is None or row.team_id not in room.state.teams:
            return None
        return FoundTeam(code, room.state.title, room.state.ended, room.state.teams[row.team_id])

    try:
        found = await check_secret(request.app.state.join_limiter, client_address(request), lookup)
    except TooManyAttempts as refused:
        raise Refused(raw_code, refused.retry_after) from None
    if found is None:
        raise Refused(raw_code)
    return found


def _canonical_redirect(request: Request, raw_code: str) -> RedirectResponse | None:
    """/join/bnn-mjk leads to /join/BNNMJK, keeping the query."""
    code = normalise_join_code(raw_code)
    if not code or code == raw_code:
        return None
    prefix = request.url.path[: -len(raw_code)] if request.url.path.endswith(raw_code) else None
    if prefix is None:
        return None
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(f"{prefix}{quote(code)}{query}", status_code=308)


def _refused_page(request: Request, refused: Refused) -> HTMLResponse:
    if refused.blocked:
        return render(
            request,
            "message.html",
            {
                "page_title": translate_for(request, "blocked.title"),
                "heading": translate_for(request, "blocked.title"),
                "message": translate_for(request, "blocked.message"),
            },
            status_code=429,
            headers=refused.headers(),
        )
    shown = refused.code[:12]
    return render(
        request,
        "home.html",
        {
            "code": shown,
            "name": request.query_params.get("name", "")[:100],
            "error": translate_for(request, "error.no_such_team_code", code=shown),
        },
        status_code=404,
    )


def _join_note(request: Request, found: FoundTeam) -> str | None:
    """What a newcomer should know before joining this team now."""
    team = found.team
    if found.ended:
        return translate_for(request, "note.ended")
    if team.phase == "done":
        return translate_for(request, "note.finished")
    if team.locked:
        return translate_for(request, "note.locked")
    if team.phase in _GAME_UNDER_WAY:
        return translate_for(request, "note.under_way")
    return None


# --- pages -----------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
async def home(request: Request) -> HTMLResponse:
    return render(request, "home.html", {"code": "", "name": "", "error": None})


@router.get("/join", response_model=None)
async def join_form(request: Request, code: str = "", name: str = "") -> Response:
    """The home form without JavaScript: on to the team's own page."""
    normalised = normalise_join_code(code)
    if not normalised:
        return render(
            request,
            "home.html",
            {"code": "", "name": name[:100], "error": translate_for(request, "error.code_missing")},
            status_code=400,
        )
    query = f"?{urlencode({'name': name[:100]})}" if name else ""
    return RedirectResponse(f"/join/{quote(normalised[:12])}{query}", status_code=303)


@router.get("/join/{code}", response_model=None)
async def join_page(request: Request, code: str, name: str = "") -> Response:
    redirect = _canonical_redirect(request, code)
    if redirect is not None:
        return redirect
    try:
        found = await find_team(request, code)
    except Refused as refused:
        if refused.blocked:
            return _play_page_unlooked(request, refused, name)
        return _refused_page(request, refused)
    return render(
        request,
        "play.html",
        {
            "code": found.code,
            "title": found.title,
            "team_name": found.team.name,
            "phase": found.team.phase,
            "name": name[:100],
            "note": _join_note(request, found),
            "ended": found.ended,
            "blocked_for": 0,
        },
    )


def _play_page_unlooked(request: Request, refused: Refused, name: str) -> HTMLResponse:
    """The play page of an address past its budget of wrong codes (a venue's Wi-Fi where some
    mistyped): the code was not looked up, so the page names no team and is the same for a
    right code as for a wrong one. The socket decides: a phone holding a seat of this code's
    team takes it back, and its page fills in the team from the view; any other is asked to
    wait `blocked_for` seconds."""
    wait = refused.retry_after
    response = render(
        request,
        "play.html",
        {
            "code": refused.code[:12],
            "title": "",
            "team_name": "",
            "phase": "lobby",
            "name": name[:100],
            "note": None,
            "ended": False,
            "blocked_for": wait,
            "blocked_clock": f"{wait // 60}:{wait % 60:02d}",
        },
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/screen/{code}", response_model=None)
async def screen_page(request: Request, code: str) -> Response:
    redirect = _canonical_redirect(request, code)
    if redirect is not None:
        return redirect
    try:
        found = await find_team(request, code)
    except Refused as refused:
        if refused.blocked:
            return _refused_page(request, refused)
        return render(
            request,
            "message.html",
            {
                "page_title": translate_for(request, "not_found.title"),
                "heading": translate_for(request, "not_found.title"),
                "message": translate_for(request, "error.no_such_team_code", code=code[:12]),
            },
            status_code=404,
        )
    return render(
        request,
        "screen.html",
        {
            "code": found.code,
            "title": found.title,
            "team_name": found.team.name,
            "phase": found.team.phase,
            "join_url": join_url(_config(request), found.code),
            "join_base": _config(request).base_url(),
            "phones_can_reach": _config(request).phones_can_reach(),
        },
    )


def join_url(config: Config, code: str) -> str:
    return f"{config.base_url()}/join/{code}"


@lru_cache(maxsize=256)
def qr_svg(url: str) -> bytes:
    buffer = io.BytesIO()
    segno.make_qr(url, error="m").save(
        buffer,
        kind="svg",
        scale=1,
        border=2,
        xmldecl=False,
        svgns=True,
        omitsize=True,
        dark="#000",
        light="#fff",
    )
    return buffer.getvalue()


@router.get("/qr/{code}.svg", response_model=None)
async def qr_code(request: Request, code: str) -> Response:
    try:
        found = await find_team(request, code)
    except Refused as refused:
        status = 429 if refused.blocked else 404
        return Response(
            status_code=status,
            content=b"",
            media_type="image/svg+xml",
            headers=refused.headers(),
        )
    return Response(
        qr_svg(join_url(_config(request), found.code)),
        media_type="image/svg+xml",
        headers={"Cache-Control": "public, max-age=300"},
    )


@router.get("/favicon.ico", response_model=None)
async def favicon(request: Request) -> Response:
    return FileResponse(
        _site(request).static_dir / "favicon.svg",
        media_type="image/svg+xml",
        headers={"Cache-Control": "public, max-age=86400"},
    )


# --- errors ----------------------------------------------------------------------------


def wants_html(request: Request) -> bool:
    path = request.url.path
    if path.startswith(_NOT_HTML_PREFIXES) or path == "/api":
        return False
    return "text/html" in request.headers.get("accept", "")


async def _http_error(request: Request, error: StarletteHTTPException) -> Response:
    if error.status_code == 404 and wants_html(request):
        return render(
            request,
            "message.html",
            {
                "page_title": translate_for(request, "not_found.title"),
                "heading": translate_for(request, "not_found.title"),
                "message": translate_for(request, "not_found.message"),
            },
            status_code=404,
        )
    return await http_exception_handler(request, error)
