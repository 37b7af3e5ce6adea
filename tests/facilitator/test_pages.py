"""The facilitator's pages as the server sends them: the set-up form offers every rule option,
no page carries a secret or inline code, and every word has its English and Spanish."""

from __future__ import annotations

import json
import re
from dataclasses import fields
from html.parser import HTMLParser
from pathlib import Path

import pytest

from game.settings import Settings
from tests.app.helpers import Server

FACILITATOR = Path(__file__).resolve().parents[2] / "facilitator"
SHARED_I18N = FACILITATOR.parent / "static" / "i18n"


class Page(HTMLParser):
    """What the tests read in a page: its tags with their attributes, and inline code."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.inline_scripts = 0
        self.style_blocks = 0
        self._in_script: dict[str, str | None] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "script":
            self._in_script = attributes
        if tag == "style":
            self.style_blocks += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = None

    def handle_data(self, data: str) -> None:
        script = self._in_script
        if script is not None and data.strip() and script.get("type") != "application/json":
            self.inline_scripts += 1

    def named(self, name: str) -> list[dict[str, str | None]]:
        return [attrs for tag, attrs in self.tags if attrs.get("name") == name]

    def by_id(self, element_id: str) -> dict[str, str | None] | None:
        return next((attrs for _, attrs in self.tags if attrs.get("id") == element_id), None)


def page(server: Server, path: str, **params: str) -> tuple[str, Page]:
    response = server.http.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.text, Page(response.text)


PAGES = (
    "/facilitate",
    "/facilitate/new",
    "/facilitate/Wk3shop-id_1",
    "/facilitate/Wk3shop-id_1/debrief",
)


@pytest.mark.parametrize("path", PAGES)
def test_every_page_is_ready_for_a_strict_content_security_policy(server: Server, path: str):
    response = server.http.get(path)
    policy = response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in policy and "script-src 'self'" in policy
    assert response.headers["referrer-policy"] == "no-referrer"
    parsed = Page(response.text)
    assert parsed.inline_scripts == 0 and parsed.style_blocks == 0
    assert not [tag for tag, attrs in parsed.tags if "style" in attrs]
    assert not [tag for tag, attrs in parsed.tags if any(k.startswith("on") for k in attrs)]
    assert re.search(r"<title>[^<]+</title>", response.text)


def test_the_setup_form_offers_every_rule_option_with_its_help_and_default(server: Server):
    html, parsed = page(server, "/facilitate/new")
    for option in fields(Settings):
        if option.name == "penalties":
            assert parsed.named("penalty_kind") and parsed.named("penalty_seconds")
            continue
        inputs = parsed.named(option.name)
        assert inputs, f"no field for {option.name}"
        help_id = f"rule-{option.name}-help"
        assert inputs[0].get("aria-describedby") == help_id
        assert parsed.by_id(help_id) is not None
    defaults = Settings()
    assert parsed.named("planning_s")[0]["value"] == str(defaults.planning_s)
    assert parsed.named("execution_error_s")[0]["value"] == str(defaults.execution_error_s)
    kinds = [attrs["value"] for attrs in parsed.named("penalty_kind")]
    assert kinds == list(defaults.penalties)
    assert "Default: 5:00." in html  # the planning time's default, as m:ss


def test_every_input_of_the_setup_form_has_a_label(server: Server):
    _, parsed = page(server, "/facilitate/new")
    labelled = {attrs.get("for") for tag, attrs in parsed.tags if tag == "label"}
    for tag, attrs in parsed.tags:
        if tag not in ("input", "select") or attrs.get("type") == "hidden":
            continue
        assert attrs.get("id") in labelled or attrs.get("aria-label"), (tag, attrs)


def test_the_console_and_debrief_carry_no_secret(server: Server):
    workshop = server.create_workshop(
        maze={"cols": 4, "rows": 4, "path": [[0, 1], [1, 1], [2, 2], [3, 2]]}
    )
    for path in (f"/facilitate/{workshop.id}", f"/facilitate/{workshop.id}/debrief"):
        html, parsed = page(server, path)
        assert workshop.token not in html
        body = next(attrs for tag, attrs in parsed.tags if tag == "body")
        assert body["data-workshop"] == workshop.id
        assert "[[0, 1]" not in html and "[[0,1]" not in html  # no path in the page


def test_the_workshops_page_lists_nothing_itself_and_offers_recovery(server: Server):
    """The server cannot know a device's workshops: the page's script lists them."""
    workshop = server.create_workshop()
    html, parsed = page(server, "/facilitate")
    assert workshop.id not in html and workshop.token not in html
    assert parsed.by_id("workshop-list") is not None
    assert parsed.by_id("recover-form") is not None
    assert parsed.named("recovery_code")
    links = [attrs.get("href") for tag, attrs in parsed.tags if tag == "a"]
    assert "/facilitate/new" in links
    labelled = {attrs.get("for") for tag, attrs in parsed.tags if tag == "label"}
    inputs = [attrs for tag, attrs in parsed.tags if tag == "input"]
    assert inputs and all(attrs.get("id") in labelled for attrs in inputs)


def test_the_console_offers_a_recovery_form(server: Server):
    _, parsed = page(server, "/facilitate/Wk3shop-id_1")
    form = parsed.by_id("recovery")
    assert form is not None and "hidden" in form  # shown by the script when there is no key
    assert parsed.named("recovery_code")


def test_a_malformed_workshop_id_is_not_found(server: Server):
    response = server.http.get("/facilitate/no%20such%20id!", headers={"accept": "text/html"})
    assert response.status_code == 404


def test_the_setup_page_speaks_spanish(server: Server):
    html, _ = page(server, "/facilitate/new", lang="es")
    assert '<html lang="es">' in html
    assert "Preparar un taller" in html and "Por defecto: 5:00." in html


def test_the_language_links_keep_the_team_on_show(server: Server):
    workshop = server.create_workshop(teams=2)
    html, _ = page(server, f"/facilitate/{workshop.id}", team="t2")
    assert f'href="/facilitate/{workshop.id}?team=t2&amp;lang=es"' in html


def test_the_facilitator_files_are_cached_by_version(server: Server):
    _, parsed = page(server, "/facilitate/new")
    sheet = next(
        attrs["href"]
        for tag, attrs in parsed.tags
        if tag == "link" and "facilitator.css" in (attrs.get("href") or "")
    )
    assert sheet is not None
    response = server.http.get(sheet)
    assert response.status_code == 200
    assert "immutable" in response.headers["cache-control"]
    vendored = FACILITATOR / "static" / "vendor" / "chartjs"
    assert (vendored / "LICENSE.md").read_text().startswith("The MIT License")
    assert (
        server.http.get(
            sheet.replace("css/facilitator.css", "vendor/chartjs/LICENSE.md")
        ).status_code
        == 200
    )


# --- translations ------------------------------------------------------------------------------

KEY_IN_CODE = re.compile(r"""\bt\(\s*["']([a-z][a-z0-9_.]*[a-z0-9_])["']""")
KEY_IN_TABLE = re.compile(r"""["'](fac\.[a-z0-9_.]*[a-z0-9_])["']""")


def catalogue(directory: Path, language: str) -> dict[str, str]:
    data: dict[str, str] = json.loads((directory / f"{language}.json").read_text("utf-8"))
    return data


def test_english_and_spanish_have_the_same_words():
    english = catalogue(FACILITATOR / "static" / "i18n", "en")
    spanish = catalogue(FACILITATOR / "static" / "i18n", "es")
    assert sorted(english) == sorted(spanish)
    for key, text in english.items():
        assert set(re.findall(r"\{\w+\}", text)) == set(re.findall(r"\{\w+\}", spanish[key])), key
        assert spanish[key].strip(), key


def test_every_word_the_pages_use_is_translated():
    known = {**catalogue(SHARED_I18N, "en"), **catalogue(FACILITATOR / "static" / "i18n", "en")}
    sources = [
        *(FACILITATOR / "templates" / "facilitator").glob("*.html"),
        *(FACILITATOR / "static" / "js").glob("*.js"),
    ]
    used: set[str] = set()
    for source in sources:
        text = source.read_text("utf-8")
        used |= set(KEY_IN_CODE.findall(text)) | set(KEY_IN_TABLE.findall(text))
    dynamic = {f"fac.rule.{option.name}.help" for option in fields(Settings)}
    dynamic |= {f"fac.difficulty.{level}" for level in ("easy", "medium", "hard")}
    missing = sorted(key for key in used | dynamic if key not in known)
    assert not missing, missing
