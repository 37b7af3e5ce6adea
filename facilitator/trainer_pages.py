"""The trainers' pages: the library of past workshops, a replay on a timeline, and teams
compared side by side.

They sit behind the library's admin password (ADMIN_PASSWORD). The server decides which of
three pages to send: the library is closed (no password set: the page says how to set one and
shows nothing else), the login form, or the page itself, whose script then fetches the data
from /api/library with the cookie the login set.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse

from app.i18n import LANGUAGES, Catalogue, translate
from app.pages import json_for_html, language, language_switch, page_response
from app.registry import Registry
from facilitator import library
from facilitator.pages import SHARED_MODULES, WORKSHOP_ID, FacilitatorSite

router = APIRouter(include_in_schema=False)

HERE = Path(__file__).resolve().parent
OWN_I18N = HERE / "static" / "trainer" / "i18n"
MAX_COMPARED = 8


@dataclass(frozen=True)
class TrainerSite:
    catalogues: dict[str, Catalogue]  # the facilitator's catalogue with the trainers' keys
    facilitator: FacilitatorSite

    @classmethod
    def load(cls, facilitator: FacilitatorSite) -> TrainerSite:
        catalogues: dict[str, Catalogue] = {}
        for code in LANGUAGES:
            own = json.loads((OWN_I18N / f"{code}.json").read_text("utf-8"))
            catalogues[code] = {**facilitator.catalogues[code], **own}
        return cls(catalogues, facilitator)


def install(app: FastAPI) -> None:
    """Add the trainers' pages (after facilitator.pages.install, whose static files and
    templates they share)."""
    app.state.trainer_site = TrainerSite.load(app.state.facilitator_site)
    app.include_router(router)


# --- rendering -------------------------------------------------------------------------


def _site(request: Request) -> TrainerSite:
    site: TrainerSite = request.app.state.trainer_site
    return site


def render(
    request: Request, template: str, context: dict[str, Any], *, status_code: int = 200
) -> HTMLResponse:
    site = _site(request)
    facilitator = site.facilitator
    lang = language(request)
    catalogue = site.catalogues.get(lang) or site.catalogues["en"]
    switch = language_switch(
        request, lang, lambda code: translate(site.catalogues[code], "language.name")
    )
    full_context = {
        "lang": lang,
        "t": partial(translate, catalogue),
        "static": facilitator.shared.static_url,
        "fstatic": facilitator.static_url,
        "shared_js": facilitator.shared.static_url("js/"),
        "modules": [facilitator.shared.static_url(f"js/{name}") for name in SHARED_MODULES],
        "catalogue_json": json_for_html(catalogue),
        "languages": switch,
        **context,
    }
    response = facilitator.templates.TemplateResponse(
        request, template, full_context, status_code=status_code
    )
    return page_response(request, response, cache="no-store")


async def _gate(request: Request, page_title_key: str) -> HTMLResponse | None:
    """The closed page or the login form, or None when the trainer may see the page."""
    try:
        await library.trainer(request)
    except HTTPException as refused:
        if refused.status_code == 403:
            return render(request, "trainer/closed.html", {}, status_code=403)
        return render(request, "trainer/login.html", {"page_title_key": page_title_key})
    return None


async def _known_workshop(request: Request, raw: str) -> str:
    """The workshop id if the library holds it; a styled 404 otherwise."""
    if not WORKSHOP_ID.fullmatch(raw):
        raise HTTPException(status_code=404)
    registry: Registry = request.app.state.registry
    if raw not in registry.rooms and await registry.store.run(registry.store.workshop, raw) is None:
        raise HTTPException(status_code=404)
    return raw


def compared_entries(raw: str) -> list[dict[str, str | None]]:
    """`ids` of the compare page: workshop ids, or workshop:team for one team of it."""
    entries: list[dict[str, str | None]] = []
    for item in raw.split(","):
        workshop_id, _, team_id = item.strip().partition(":")
        if not WORKSHOP_ID.fullmatch(workshop_id):
            continue
        entry = {"workshop": workshop_id, "team": team_id[:64] or None}
        if entry not in entries:
            entries.append(entry)
    return entries[:MAX_COMPARED]


# --- pages -----------------------------------------------------------------------------


@router.get("/library", response_class=HTMLResponse)
async def library_page(request: Request) -> HTMLResponse:
    return await _gate(request, "lib.page_title") or render(request, "trainer/library.html", {})


@router.get("/library/compare", response_class=HTMLResponse)
async def compare_page(request: Request, ids: str = "") -> HTMLResponse:
    gate = await _gate(request, "lib.compare.page_title")
    if gate is not None:
        return gate
    entries = compared_entries(ids[:2000])
    return render(
        request,
        "trainer/compare.html",
        {"entries": entries, "entries_json": json_for_html(entries)},
    )


@router.get("/library/{workshop_id}/replay", response_class=HTMLResponse)
async def replay_page(request: Request, workshop_id: str) -> HTMLResponse:
    gate = await _gate(request, "lib.replay.page_title")
    if gate is not None:
        return gate
    known = await _known_workshop(request, workshop_id)
    return render(request, "trainer/replay.html", {"workshop_id": known})
