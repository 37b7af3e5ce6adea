"""The facilitator's pages: setting up a workshop, the console that runs it, and its debrief.

The pages carry no secret and no game state. The console link holds the facilitator token in
its fragment (after `#`), which browsers never send to a server; the pages' scripts read it
there, keep it in the browser's localStorage (so /facilitate can list the device's workshops
and the bare console address opens again), and use it on the socket and in `Authorization`
headers. A device without it gets one for the workshop's recovery code. So a page is the same
for any workshop id, and an unknown workshop or a wrong token is found out, and said, by the
script.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, fields
from functools import partial
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from app.i18n import LANGUAGES, Catalogue, translate
from app.pages import (
    Site,
    StaticAssets,
    asset_version,
    json_for_html,
    language,
    language_switch,
    page_response,
    project_folder,
)
from game.board import DIFFICULTIES, MAX_COLS, MAX_ROWS, MIN_COLS, MIN_ROWS
from game.rules import MAX_PREDICTION_S, MAX_TEAMS, MAX_TITLE
from game.settings import MAX_PENALTY_KINDS, SETTING_HELP, Settings

router = APIRouter(include_in_schema=False)

HERE = Path(__file__).resolve().parent
STATIC_PREFIX = "/facilitator-static"
WORKSHOP_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
# The shared modules the facilitator's scripts import, fetched at once with the page.
SHARED_MODULES = ("i18n.js", "connection.js", "status.js")


@dataclass(frozen=True)
class FacilitatorSite:
    templates: Jinja2Templates
    version: str
    catalogues: dict[str, Catalogue]  # the shared catalogue with the facilitator's keys added
    shared: Site

    @classmethod
    def load(cls, shared: Site) -> FacilitatorSite:
        templates = Jinja2Templates(directory=[HERE / "templates", project_folder("templates")])
        catalogues: dict[str, Catalogue] = {}
        for code in LANGUAGES:
            own = json.loads((HERE / "static" / "i18n" / f"{code}.json").read_text("utf-8"))
            catalogues[code] = {**shared.catalogues.catalogue(code), **own}
        return cls(templates, asset_version(HERE / "static"), catalogues, shared)

    def static_url(self, path: str) -> str:
        return f"{STATIC_PREFIX}/{self.version}/{path}"


def install(app: FastAPI) -> None:
    """Add the facilitator's pages and static files (after app.pages.install)."""
    site = FacilitatorSite.load(app.state.site)
    app.state.facilitator_site = site
    app.mount(STATIC_PREFIX, StaticAssets(HERE / "static", site.version), name="facilitator-static")
    app.include_router(router)


# --- rendering -------------------------------------------------------------------------


def _site(request: Request) -> FacilitatorSite:
    site: FacilitatorSite = request.app.state.facilitator_site
    return site


def translator(request: Request) -> Callable[..., str]:
    site = _site(request)
    catalogue = site.catalogues.get(language(request)) or site.catalogues["en"]
    return partial(translate, catalogue)


def render(request: Request, template: str, context: dict[str, Any]) -> HTMLResponse:
    site = _site(request)
    lang = language(request)
    catalogue = site.catalogues.get(lang) or site.catalogues["en"]
    t = partial(translate, catalogue)
    switch = language_switch(
        request, lang, lambda code: translate(site.catalogues[code], "language.name")
    )
    full_context = {
        "lang": lang,
        "t": t,
        "static": site.shared.static_url,
        "fstatic": site.static_url,
        "shared_js": site.shared.static_url("js/"),
        "modules": [site.shared.static_url(f"js/{name}") for name in SHARED_MODULES],
        "catalogue_json": json_for_html(catalogue),
        "languages": switch,
        **context,
    }
    response = site.templates.TemplateResponse(request, template, full_context)
    return page_response(request, response)


def _workshop_id(raw: str) -> str:
    if not WORKSHOP_ID.fullmatch(raw):
        raise HTTPException(status_code=404)
    return raw


# --- what the set-up form offers ---------------------------------------------------------


def setup_options() -> dict[str, Any]:
    """Every rule option with its default and help, and the limits of the other fields."""
    defaults = Settings()
    return {
        "rules": [
            {"name": f.name, "default": getattr(defaults, f.name), "help": SETTING_HELP[f.name]}
            for f in fields(Settings)
        ],
        "limits": {
            "cols": [MIN_COLS, MAX_COLS],
            "rows": [MIN_ROWS, MAX_ROWS],
            "teams": [1, MAX_TEAMS],
            "title": MAX_TITLE,
            "penalty_kinds": MAX_PENALTY_KINDS,
            "prediction_s": MAX_PREDICTION_S,
        },
        "difficulties": list(DIFFICULTIES),
    }


def duration_text(seconds: float) -> str:
    """60 -> "1:00"; under a minute, "45 s"."""
    if seconds < 60:
        return f"{seconds:g} s"
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def default_text(name: str, value: Any, t: Callable[..., str]) -> str:
    """A rule's default, as the set-up form states it next to the field."""
    if name == "penalties":
        return ", ".join(
            f"{t('penalty.' + kind)} {duration_text(seconds)}" for kind, seconds in value.items()
        )
    if isinstance(value, bool):
        return t("fac.on") if value else t("fac.off")
    if value is None:
        return t("fac.none")
    if isinstance(value, str):
        return t(f"fac.rule.{name}.{value}")
    if name.endswith("_s"):
        return duration_text(value)
    return str(value)


# --- pages -----------------------------------------------------------------------------


@router.get("/facilitate", response_class=HTMLResponse)
async def workshops_page(request: Request) -> HTMLResponse:
    """This device's workshops: the page lists them from the browser's storage, since the
    server cannot know which workshops a device holds the key of."""
    return render(request, "facilitator/workshops.html", {})


@router.get("/facilitate/new", response_class=HTMLResponse)
async def setup_page(request: Request) -> HTMLResponse:
    options = setup_options()
    t = translator(request)
    return render(
        request,
        "facilitator/setup.html",
        {
            "options": options,
            "options_json": json_for_html(options),
            "defaults": Settings(),
            "default_text": {
                rule["name"]: default_text(rule["name"], rule["default"], t)
                for rule in options["rules"]
            },
        },
    )


@router.get("/facilitate/{workshop_id}", response_class=HTMLResponse)
async def console_page(request: Request, workshop_id: str) -> HTMLResponse:
    return render(request, "facilitator/console.html", {"workshop_id": _workshop_id(workshop_id)})


@router.get("/facilitate/{workshop_id}/debrief", response_class=HTMLResponse)
async def debrief_page(request: Request, workshop_id: str) -> HTMLResponse:
    return render(request, "facilitator/debrief.html", {"workshop_id": _workshop_id(workshop_id)})
