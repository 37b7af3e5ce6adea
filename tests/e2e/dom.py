"""What the tests rely on in the pages' markup, in one place, and the moves a person makes."""

from __future__ import annotations

import json
import re
from functools import cache

from playwright.async_api import Locator, Page, expect

from tests.e2e.support import ROOT, LiveServer, Square

# The page's state, on <body>: data-phase (the team's phase), data-seated ("true" once this
# browser holds a seat), data-your-turn ("true" while this player walks), data-connection
# ("online", "reconnecting" or "closed"; "waiting" while the page, past the address's budget
# of wrong codes and holding no seat, counts down before it loads again).
BODY = "body"
BOARD = "#board"
SQUARES = f"{BOARD} .square[data-row][data-col]"
# A square the walker may tap now; every other one is disabled (aria-disabled on a phone,
# disabled on the big screen).
TAPPABLE = f'{SQUARES}:not([disabled]):not([aria-disabled="true"])'
BEEP_SHOWN = f"{SQUARES}.is-beep"
WALKER_HERE = re.compile(r"\bis-walker\b")
ALERT = "#alert"
CODE_FIELD = "#join-code"
NAME_FIELD = "#nickname"
JOIN_BUTTON = "#join-button"
QR = "#qr"
SHOWN_CODE = "#join-code"  # on the big screen
FAILURES = "#failures"
PHASE_SHOWN = "#phase"
TIMER = "#timer"
BRAND = ".brand"  # the logo, a link home
CONNECTION = "#connection"  # the banner shown while reconnecting
JOIN_ERROR = "#join-error"
JOIN_NOTE = "#join-note"  # what a newcomer should know (locked, under way, ...)
MOVE_ERROR = "#move-error"
TURN_HINT = "#turn-hint"
FROZEN_REASON = "#frozen-reason"
LOBBY_WAITING = "#lobby-waiting"
SOUND_HINT = "#sound-hint"  # "tap (or click) anywhere to turn the sound on"


@cache
def english(key: str) -> str:
    """A string of the pages' English catalogue."""
    catalogue: dict[str, str] = json.loads((ROOT / "static" / "i18n" / "en.json").read_text())
    return catalogue[key]


def square(page: Page, at: Square) -> Locator:
    row, col = at
    return page.locator(f'{SQUARES}[data-row="{row}"][data-col="{col}"]')


def tappable(page: Page) -> Locator:
    return page.locator(TAPPABLE)


def code_field(page: Page) -> Locator:
    return page.locator(CODE_FIELD)


def name_field(page: Page) -> Locator:
    return page.locator(NAME_FIELD)


def join_button(page: Page) -> Locator:
    return page.locator(JOIN_BUTTON)


async def expect_phase(page: Page, phase: str) -> None:
    """The phase, for scripts on <body> and in words in the status bar."""
    await expect(page.locator(BODY)).to_have_attribute("data-phase", phase)
    await expect(page.locator(PHASE_SHOWN)).to_have_text(english(f"phase.{phase}"))


async def expect_turn(page: Page, yours: bool) -> None:
    await expect(page.locator(BODY)).to_have_attribute("data-your-turn", str(yours).lower())


async def expect_seated(page: Page) -> None:
    await expect(page.locator(BODY)).to_have_attribute("data-seated", "true")


async def expect_connection(page: Page, state: str, *, timeout_s: float = 5.0) -> None:
    await expect(page.locator(BODY)).to_have_attribute(
        "data-connection", state, timeout=timeout_s * 1000
    )


async def join_from_home(page: Page, server: LiveServer, code: str, name: str) -> None:
    """The home page: type the join code and a nickname."""
    await page.goto(server.url("/"))
    await code_field(page).fill(code)
    await name_field(page).fill(name)
    await join_button(page).click()
    await expect_seated(page)


async def join_by_link(page: Page, server: LiveServer, code: str, name: str) -> None:
    """The link in the QR code: only the nickname is asked for."""
    await page.goto(server.url(f"/join/{code}"))
    await name_field(page).fill(name)
    await join_button(page).click()
    await expect_seated(page)


async def tap(page: Page, at: Square, *, touch: bool = False) -> None:
    target = square(page, at)
    await expect(target).to_have_attribute("aria-disabled", "false")
    if touch:
        await target.tap()
    else:
        await target.click()


async def beep_is_shown(page: Page) -> None:
    """A beep is marked on its square and said in the alert region."""
    await expect(page.locator(BEEP_SHOWN)).to_have_count(1)
    await expect(page.locator(ALERT)).to_contain_text(re.compile(r"beep", re.IGNORECASE))
