"""The translation layer: one catalogue per language, shared by the templates and the pages'
JavaScript, and the choice of language for a request."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

LANGUAGES = ("en", "es")
DEFAULT_LANGUAGE = "en"
LANGUAGE_COOKIE = "lang"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_LANGUAGE_RANGE = re.compile(r"([A-Za-z]{1,8})(?:-[A-Za-z0-9]{1,8})*")

Catalogue = Mapping[str, str]


@dataclass(frozen=True)
class Catalogues:
    """Every shipped catalogue, by language code; each maps a key to its text."""

    by_language: Mapping[str, Catalogue]

    @classmethod
    def load(cls, directory: Path) -> Catalogues:
        loaded: dict[str, Catalogue] = {}
        for language in LANGUAGES:
            data = json.loads((directory / f"{language}.json").read_text(encoding="utf-8"))
            if not isinstance(data, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in data.items()
            ):
                raise ValueError(f"{language}.json must map keys to strings")
            loaded[language] = data
        return cls(loaded)

    def catalogue(self, language: str) -> Catalogue:
        return self.by_language.get(language) or self.by_language[DEFAULT_LANGUAGE]

    def translate(self, language: str, key: str, **params: object) -> str:
        return translate(self.catalogue(language), key, **params)


def translate(catalogue: Catalogue, key: str, **params: object) -> str:
    """The text for `key` with its {placeholders} filled; with a `count`, the plural form
    `key.one` or `key.other` when the catalogue has it. A missing key shows as itself."""
    text = catalogue.get(key)
    count = params.get("count")
    if isinstance(count, int):
        text = catalogue.get(f"{key}.{plural_category(count)}", text)
    if text is None:
        return key
    return _PLACEHOLDER.sub(lambda m: str(params.get(m.group(1), m.group(0))), text)


def plural_category(count: int) -> str:
    """English and Spanish both use `one` for exactly one and `other` for the rest."""
    return "one" if count == 1 else "other"


def choose_language(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    """A ?lang= link wins, then the remembered choice, then the browser's preference."""
    for explicit in (query, cookie):
        if explicit in LANGUAGES:
            return explicit
    return from_accept_language(accept_language)


def from_accept_language(header: str | None) -> str:
    """The shipped language the browser likes best (RFC 9110 quality values)."""
    best, best_quality = DEFAULT_LANGUAGE, 0.0
    for position, part in enumerate((header or "").split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        match = _LANGUAGE_RANGE.fullmatch(tag.strip())
        if not match:
            continue
        quality = _quality(params)
        primary = match.group(1).lower()
        # Earlier entries win ties, as browsers list them in order of preference.
        score = quality - position * 1e-6
        if primary in LANGUAGES and quality > 0 and score > best_quality:
            best, best_quality = primary, score
    return best


def _quality(params: str) -> float:
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                return max(0.0, min(1.0, float(value)))
            except ValueError:
                return 0.0
    return 1.0
