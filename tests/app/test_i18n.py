"""The translation layer: the language chosen, and catalogues that cover every string."""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

import pytest

from app.i18n import LANGUAGES, Catalogues, choose_language, from_accept_language, translate
from game.state import Phase

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = Catalogues.load(ROOT / "static" / "i18n")
PLACEHOLDER = re.compile(r"\{(\w+)\}")
LITERAL_KEY = re.compile(r"""\bt\(\s*["']([a-z_][\w.]*)["']\s*[,)]""")
# Error codes the server can send a participant (docs/protocol.md, Error codes): each has
# words of its own in every language.
PARTICIPANT_ERRORS = [
    "bad_message",
    "rate_limited",
    "too_many_attempts",
    "too_many_sockets",
    "no_such_team",
    "no_seat",
    "already_joined",
    "unknown_seat",
    "seat_gone",
    "banned",
    "banned_name",
    "replaced",
    "server_error",
    "session_over",
    "bad_name",
    "name_taken",
    "locked",
    "finished",
    "team_full",
    "not_playing",
    "paused",
    "not_your_turn",
    "off_board",
    "enter_first_row",
    "not_adjacent",
    "occupied",
    "retracing",
    "not_retracing",
    "no_player",
]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("es-ES,es;q=0.9,en;q=0.8", "es"),
        ("fr-CH, fr;q=0.9, es;q=0.8, en;q=0.7", "es"),
        ("en-GB,es;q=0.9", "en"),
        ("es;q=0.5, en;q=0.6", "en"),
        ("es;q=0", "en"),
        ("de", "en"),
        ("", "en"),
        (None, "en"),
        ("*", "en"),
        ("es;q=abc, en", "en"),
    ],
)
def test_the_browser_language_is_read_with_its_preferences(
    header: str | None, expected: str
) -> None:
    assert from_accept_language(header) == expected


def test_a_chosen_language_wins_over_the_browser() -> None:
    assert choose_language("es", None, "en") == "es"
    assert choose_language(None, "es", "en") == "es"
    assert choose_language("xx", "yy", "es") == "es"


def test_every_catalogue_has_the_same_keys_and_placeholders() -> None:
    english = CATALOGUES.catalogue("en")
    for language in LANGUAGES:
        catalogue = CATALOGUES.catalogue(language)
        assert set(catalogue) == set(english), language
        for key, text in catalogue.items():
            assert text.strip(), (language, key)
            assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(english[key])), key


def test_every_string_the_pages_ask_for_is_translated() -> None:
    used: set[str] = set()
    for path in [*(ROOT / "templates").glob("*.html"), *(ROOT / "static" / "js").glob("*.js")]:
        used.update(LITERAL_KEY.findall(path.read_text(encoding="utf-8")))
    used.update(f"phase.{phase}" for phase in get_args(Phase))
    used.update(f"error.{code}" for code in PARTICIPANT_ERRORS)
    missing = sorted(key for key in used if key not in CATALOGUES.catalogue("en"))
    assert not missing


def test_translations_fill_placeholders_and_pick_plurals() -> None:
    catalogue = {"hello": "Hi {name}", "turns.one": "{count} turn", "turns.other": "{count} turns"}
    assert translate(catalogue, "hello", name="Ann") == "Hi Ann"
    assert translate(catalogue, "hello") == "Hi {name}"
    assert translate(catalogue, "turns", count=1) == "1 turn"
    assert translate(catalogue, "turns", count=3) == "3 turns"
    assert translate(catalogue, "missing") == "missing"
    assert CATALOGUES.translate("es", "turn.waiting", count=2) == "Faltan 2 turnos para el tuyo."
