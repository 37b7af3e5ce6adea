"""A phone held sideways: the default board, too tall for the screen, is drawn turned a
quarter (the entry edge at the left) beside the status and the turn, and plays by taps and
by keys without scrolling; upright screens, and small boards that fit, keep it upright."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, ViewportSize, expect

from tests.e2e import dom
from tests.e2e.support import (
    SMALL_PHONE,
    Browsing,
    Facilitator,
    LiveServer,
    Square,
    assert_accessible,
    create_workshop,
    join_code,
    save_screenshot,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

SIDEWAYS = {"width": 844, "height": 390}  # an iPhone 13 held sideways
UPRIGHT = {"width": 390, "height": 844}
SMALL_SIDEWAYS = {"width": SMALL_PHONE["height"], "height": SMALL_PHONE["width"]}
MIN_TOUCH_PX = 44
DEFAULT_BOARD = {"seed": 11}  # 6 columns by 9 rows
SMALL_MAZE = {"cols": 4, "rows": 4, "path": [[0, 1], [1, 1], [2, 2], [3, 2]]}

# What must be seen without scrolling on a turn: the status bar, the turn and every square.
_NOT_IN_VIEW = """() => {
  const seen = ['#status-bar', '#turn-banner', '#board .square'];
  const out = [];
  for (const selector of seen) {
    for (const e of document.querySelectorAll(selector)) {
      const r = e.getBoundingClientRect();
      if (r.top < 0 || r.left < 0 || r.bottom > window.innerHeight + 0.5
          || r.right > window.innerWidth + 0.5 || r.width === 0) {
        const at = e.dataset.row === undefined ? '' : ` (${e.dataset.row}, ${e.dataset.col})`;
        const box = [r.left, r.top, r.right, r.bottom].map(Math.round).join(', ');
        out.push(`${selector}${at} at ${box}`);
      }
    }
  }
  return out;
}"""
_SMALLEST_SQUARE = """() => Math.min(...[...document.querySelectorAll('#board .square')]
  .map(e => { const r = e.getBoundingClientRect(); return Math.min(r.width, r.height); }))"""
_CENTRE = """e => { const r = e.getBoundingClientRect();
  return [r.left + r.width / 2, r.top + r.height / 2]; }"""
_FOCUSED = """() => { const e = document.activeElement;
  if (!e || e.dataset.row === undefined) return null;
  return [Number(e.dataset.row), Number(e.dataset.col)]; }"""


async def _sideways(browsing: Browsing, label: str, *, touch: bool = True, **options) -> Page:
    return await browsing.open(
        label, viewport=SIDEWAYS, is_mobile=touch, has_touch=touch, **options
    )


def _size(viewport: dict[str, int]) -> ViewportSize:
    return ViewportSize(width=viewport["width"], height=viewport["height"])


async def _centre(page: Page, at: Square) -> tuple[float, float]:
    x, y = await dom.square(page, at).evaluate(_CENTRE)
    return x, y


async def _expect_all_in_view(page: Page, label: str) -> None:
    assert await page.evaluate("() => window.scrollY") == 0, f"{label}: the page scrolled"
    hidden = await page.evaluate(_NOT_IN_VIEW)
    assert not hidden, f"{label}: out of view without scrolling: {hidden}"
    smallest = await page.evaluate(_SMALLEST_SQUARE)
    assert smallest >= MIN_TOUCH_PX, f"{label}: a square is {smallest} px"


async def _expect_turned(page: Page, turned: bool) -> None:
    await expect(page.locator(dom.BODY)).to_have_attribute(
        "data-board", "turned" if turned else "upright"
    )


async def test_a_phone_held_sideways_plays_a_turned_board_with_taps_and_no_scrolling(
    live_server: LiveServer, browsing: Browsing, request
):
    workshop = await create_workshop(live_server, {"maze": DEFAULT_BOARD})
    facilitator = Facilitator(live_server, workshop)
    await facilitator.sign_in()
    try:
        page = await _sideways(browsing, "Ann, phone held sideways")
        await dom.join_by_link(page, live_server, join_code(workshop), "Ann")
        await facilitator.command({"type": "start_learning"})
        await dom.expect_turn(page, True)
        await _expect_turned(page, True)
        await expect(page.locator(dom.TURN_HINT)).to_have_text(dom.english("turn.enter_turned"))

        # The entry edge at the left, the far edge at the right, column 0 at the top.
        entry, next_row, far = [await _centre(page, (row, 0)) for row in (0, 1, 8)]
        assert entry[0] < next_row[0] < far[0] and entry[1] == next_row[1] == far[1]
        below = await _centre(page, (0, 1))
        assert below[1] > entry[1] and below[0] == entry[0]
        entry_label = await page.locator(".edge-entry").evaluate(_CENTRE)
        far_label = await page.locator(".edge-far").evaluate(_CENTRE)
        assert entry_label[0] < entry[0] < far[0] < far_label[0]

        await _expect_all_in_view(page, "the turn begins")
        await save_screenshot(page, request.node.name, "turn")
        await assert_accessible(page, "the turned board")

        for target in facilitator.path:
            before = facilitator.seq
            await dom.tap(page, target, touch=True)
            await facilitator.wait_past(before, f"the step onto {target}")
            if facilitator.team["phase"] == "learning":
                await _expect_all_in_view(page, f"after the step onto {target}")
        assert facilitator.team["path_found"] is True
        await dom.expect_phase(page, "review")
    finally:
        await facilitator.close()


async def test_the_arrow_keys_follow_the_turned_board(
    live_server: LiveServer, browsing: Browsing, request
):
    workshop = await create_workshop(live_server, {"maze": DEFAULT_BOARD})
    facilitator = Facilitator(live_server, workshop)
    await facilitator.sign_in()
    try:
        # A small window and a keyboard: turned too, worded for a mouse.
        page = await _sideways(browsing, "Kim, keyboard, short window", touch=False)
        await dom.join_by_link(page, live_server, join_code(workshop), "Kim")
        await facilitator.command({"type": "start_learning"})
        await dom.expect_turn(page, True)
        await _expect_turned(page, True)
        await expect(page.locator(dom.TURN_HINT)).to_have_text(
            dom.english("turn.enter_click_turned")
        )
        await expect(page.locator(".edge-entry")).to_contain_text(
            dom.english("board.entry_edge_turned"), use_inner_text=True
        )

        await dom.square(page, (0, 0)).focus()
        moves = {
            "ArrowRight": (1, 0),  # towards the far edge
            "ArrowDown": (1, 1),
            "ArrowUp": (1, 0),
            "ArrowLeft": (0, 0),
            "End": (8, 0),
            "PageDown": (8, 5),
            "Home": (0, 5),
            "PageUp": (0, 0),
        }
        for key, expected in moves.items():
            await page.keyboard.press(key)
            assert tuple(await page.evaluate(_FOCUSED)) == expected, key

        for target in facilitator.path:
            here = tuple(await page.evaluate(_FOCUSED))
            while here != target:
                if here[0] != target[0]:
                    key = "ArrowRight" if target[0] > here[0] else "ArrowLeft"
                else:
                    key = "ArrowDown" if target[1] > here[1] else "ArrowUp"
                await page.keyboard.press(key)
                here = tuple(await page.evaluate(_FOCUSED))
            before = facilitator.seq
            await expect(dom.square(page, target)).to_have_attribute("aria-disabled", "false")
            await page.keyboard.press("Enter")
            await facilitator.wait_past(before, f"the step onto {target}")
            if facilitator.team["phase"] == "learning":
                await _expect_all_in_view(page, f"after the step onto {target}")
            else:
                await save_screenshot(page, request.node.name, "crossed")
        assert facilitator.team["path_found"] is True
    finally:
        await facilitator.close()


@pytest.mark.parametrize(
    ("label", "viewport", "maze", "turned"),
    [
        ("phone upright", UPRIGHT, DEFAULT_BOARD, False),
        ("desktop", {"width": 1280, "height": 800}, DEFAULT_BOARD, False),
        ("small board held sideways", SIDEWAYS, SMALL_MAZE, False),
        ("small phone held sideways", SMALL_SIDEWAYS, DEFAULT_BOARD, True),
    ],
)
async def test_the_board_turns_only_when_it_does_not_fit_upright(
    live_server: LiveServer, browsing: Browsing, label, viewport, maze, turned, request
):
    workshop = await create_workshop(live_server, {"maze": maze})
    facilitator = Facilitator(live_server, workshop)
    await facilitator.sign_in()
    try:
        touch = label != "desktop"
        page = await browsing.open(label, viewport=viewport, is_mobile=touch, has_touch=touch)
        await dom.join_by_link(page, live_server, join_code(workshop), "Ann")
        await facilitator.command({"type": "start_learning"})
        await dom.expect_turn(page, True)
        await _expect_turned(page, turned)
        hint = "turn.enter_turned" if turned else ("turn.enter" if touch else "turn.enter_click")
        await expect(page.locator(dom.TURN_HINT)).to_have_text(dom.english(hint))
        entry, far = await _centre(page, (0, 0)), await _centre(page, (maze.get("rows", 9) - 1, 0))
        await save_screenshot(page, request.node.name, "turn")
        if turned:
            assert entry[0] < far[0], (entry, far)
            await _expect_all_in_view(page, label)
        else:
            assert entry[1] > far[1], (entry, far)  # the entry edge at the bottom
    finally:
        await facilitator.close()


async def test_turning_the_phone_turns_the_board_and_the_words(
    live_server: LiveServer, browsing: Browsing, request
):
    workshop = await create_workshop(live_server, {"maze": DEFAULT_BOARD})
    facilitator = Facilitator(live_server, workshop)
    await facilitator.sign_in()
    try:
        page = await browsing.open(
            "Ana, Spanish phone", viewport=UPRIGHT, is_mobile=True, has_touch=True, locale="es-ES"
        )
        await dom.join_by_link(page, live_server, join_code(workshop), "Ana")
        await facilitator.command({"type": "start_learning"})
        await dom.expect_turn(page, True)
        await _expect_turned(page, False)
        await expect(page.locator(dom.TURN_HINT)).to_contain_text("abajo")
        await save_screenshot(page, request.node.name, "upright-es")

        await page.set_viewport_size(_size(SIDEWAYS))
        await _expect_turned(page, True)
        await expect(page.locator(dom.TURN_HINT)).to_contain_text("izquierda")
        await page.evaluate("() => window.scrollTo(0, 0)")
        await _expect_all_in_view(page, "turned in Spanish")
        await save_screenshot(page, request.node.name, "sideways-es")
        await assert_accessible(page, "the turned board in Spanish")

        await page.set_viewport_size(_size(UPRIGHT))
        await _expect_turned(page, False)
        await expect(page.locator(dom.TURN_HINT)).to_contain_text("abajo")
    finally:
        await facilitator.close()
