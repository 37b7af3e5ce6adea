"""A phone during play: the turn strip (whose turn, the time left, what just happened) and the
whole board share the screen without scrolling; a pause, a huddle and news take the screen
over; the turn order is a circle that stays put as the turns go round."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Page, expect
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.e2e import dom
from tests.e2e.support import (
    WAIT_S,
    Browsing,
    Facilitator,
    LiveServer,
    assert_accessible,
    create_workshop,
    join_code,
    save_screenshot,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

SIZES = {
    "iPhone SE": {"width": 375, "height": 667},
    "iPhone 13": {"width": 390, "height": 844},
    "Pixel 7": {"width": 412, "height": 915},
    "phone held sideways": {"width": 844, "height": 390},
}
MAZE = {"seed": 4}  # 6 columns by 9 rows
STRIP = "#turn-strip"
TAKEOVER = "#takeover"

# Each element of the selectors that is not wholly inside the window (or not drawn at all).
_OUTSIDE = """(selectors) => {
  const out = [];
  for (const selector of selectors) {
    const found = document.querySelectorAll(selector);
    if (found.length === 0) out.push(`${selector}: none`);
    for (const e of found) {
      const r = e.getBoundingClientRect();
      if (r.width === 0 || r.height === 0 || r.top < -0.5 || r.left < -0.5
          || r.bottom > window.innerHeight + 0.5 || r.right > window.innerWidth + 0.5) {
        const at = e.dataset.row === undefined ? '' : ` (${e.dataset.row}, ${e.dataset.col})`;
        const box = [r.left, r.top, r.right, r.bottom].map(Math.round).join(', ');
        out.push(`${selector}${at} at ${box}`);
      }
    }
  }
  return out;
}"""
_SCROLL = """() => [window.scrollY, document.scrollingElement.scrollHeight, window.innerHeight,
  document.scrollingElement.scrollWidth, window.innerWidth]"""
# Whether the element covers the board: the board's box inside its own, and the element on
# top at the board's corners and centre is it (or inside it).
_COVERS_BOARD = """(e) => {
  const board = document.getElementById('board').getBoundingClientRect();
  const box = e.getBoundingClientRect();
  const inside = box.left <= board.left && box.top <= board.top
    && box.right >= board.right && box.bottom >= board.bottom;
  const points = [[0.5, 0.5], [0.05, 0.05], [0.95, 0.95], [0.05, 0.95], [0.95, 0.05]];
  const onTop = points.every(([x, y]) => e.contains(document.elementFromPoint(
    board.left + board.width * x, board.top + board.height * y)));
  return inside && onTop;
}"""
# Where the parts of the page overlap the board or its edges' labels, from top to bottom.
_OVERLAPS = """() => {
  const box = (selector) => document.querySelector(selector).getBoundingClientRect();
  const stack = ['#turn-strip', '.edge-far', '#board', '.edge-entry', '#order-panel'];
  const out = [];
  for (let i = 1; i < stack.length; i++) {
    const above = box(stack[i - 1]), below = box(stack[i]);
    if (above.bottom > below.top + 0.5) out.push(`${stack[i - 1]} over ${stack[i]}`);
  }
  return out;
}"""
_ORDER = "() => [...document.querySelectorAll('#turn-order li')].map(e => e.dataset.player)"
_SETTLED = "e => Promise.all(e.getAnimations({subtree: true}).map(a => a.finished))"


@contextlib.asynccontextmanager
async def seated_by_socket(server: LiveServer, code: str, name: str) -> AsyncIterator[None]:
    """A player whose phone stays connected (and reads what it is sent) while the test runs."""
    async with connect(server.ws(f"/ws/play/{code}"), open_timeout=WAIT_S) as socket:
        await socket.send(json.dumps({"type": "join", "name": name}))
        answer = json.loads(await asyncio.wait_for(socket.recv(), WAIT_S))
        assert answer["type"] == "welcome", answer
        reader = asyncio.create_task(_drain(socket))
        try:
            yield
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader


async def _drain(socket: ClientConnection) -> None:
    with contextlib.suppress(ConnectionClosed):
        async for _ in socket:
            pass


async def expect_fits(page: Page, label: str, *selectors: str) -> None:
    """The selectors' elements and every square inside the window, the page not scrolled
    and no higher (or wider) than the window."""
    outside = await page.evaluate(_OUTSIDE, [*selectors, f"{dom.SQUARES}"])
    assert not outside, f"{label}: outside the window: {outside}"
    scroll_y, height, window_height, width, window_width = await page.evaluate(_SCROLL)
    assert scroll_y == 0, f"{label}: the page is scrolled by {scroll_y} px"
    assert height <= window_height, f"{label}: {height} px high in a {window_height} px window"
    assert width <= window_width, f"{label}: {width} px wide in a {window_width} px window"
    if await page.locator("body").get_attribute("data-board") == "upright":
        overlaps = await page.evaluate(_OVERLAPS)
        assert not overlaps, f"{label}: {overlaps}"


async def expect_order(page: Page, order: list[str], walking: str, following: str) -> None:
    """The turn order as the team set it, the walker and the next one marked."""
    await expect(page.locator(f'#turn-order li[data-player="{walking}"]')).to_have_class(
        re.compile(r"\bis-walking\b")
    )
    await expect(page.locator(f'#turn-order li[data-player="{following}"]')).to_have_class(
        re.compile(r"\bis-next\b")
    )
    await expect(page.locator("#turn-order li.is-walking")).to_have_count(1)
    await expect(page.locator("#turn-order li.is-next")).to_have_count(1)
    assert await page.evaluate(_ORDER) == order


@pytest.mark.parametrize("size", list(SIZES))
async def test_the_turn_strip_and_the_whole_board_share_the_phone_screen(
    live_server: LiveServer, browsing: Browsing, size: str, request
):
    workshop = await create_workshop(live_server, {"maze": MAZE})
    code = join_code(workshop)
    facilitator = Facilitator(live_server, workshop)
    await facilitator.sign_in()
    shot = request.node.originalname
    try:
        page = await browsing.open(
            f"Ann, {size}", viewport=SIZES[size], is_mobile=True, has_touch=True
        )
        await dom.join_by_link(page, live_server, code, "Ann")
        async with (
            seated_by_socket(live_server, code, "Ben"),
            seated_by_socket(live_server, code, "Cyd"),
        ):
            await facilitator.wait_until("three players", lambda t: len(t["players"]) == 3)
            await expect(page.locator("#players li")).to_have_count(3)
            await save_screenshot(page, shot, "lobby")
            ids = {p["name"]: p["id"] for p in facilitator.team["players"]}
            order = [ids["Ann"], ids["Ben"], ids["Cyd"]]

            # The maze opens: news, dismissed with its button.
            await facilitator.command({"type": "start_learning"})
            await dom.expect_turn(page, True)
            takeover = page.locator(TAKEOVER)
            await expect(takeover).to_be_visible()
            await expect(takeover).to_have_attribute("role", "alertdialog")
            await expect(page.locator("#takeover-title")).to_have_text(
                dom.english("phase.learning")
            )
            await page.locator("#takeover-dismiss").tap()
            await expect(takeover).to_be_hidden()

            # Ann's turn: the strip says so with the countdown, above the whole board.
            await expect(page.locator("#turn-countdown")).to_have_text(re.compile(r"\d:\d\d"))
            await expect(page.locator("#turn-banner")).to_contain_text(dom.english("turn.yours"))
            await expect_fits(page, "Ann's turn", STRIP, "#turn-banner", "#turn-countdown")
            await expect_order(page, order, ids["Ann"], ids["Ben"])
            await expect(page.locator("#turn-next")).to_have_text("Next: Ben")
            await save_screenshot(page, shot, "your-turn")
            await assert_accessible(page, f"Ann's turn on {size}")

            # A step, then a beep: the strip says what happened; the turn passes to Ben.
            before = facilitator.seq
            await dom.tap(page, facilitator.path[0], touch=True)
            await facilitator.wait_past(before, "Ann's first step")
            await expect(page.locator("#last-event")).to_contain_text("You stepped onto")
            await dom.tap(page, facilitator.wrong_square(), touch=True)
            await expect(page.locator("#last-event")).to_contain_text("Beep!")
            await save_screenshot(page, shot, "beep")
            await expect_fits(page, "the beep", STRIP, "#last-event")

            # Ben's turn, seen on Ann's phone: his name, his time left, the same circle.
            await dom.expect_turn(page, False)
            await expect(page.locator("#turn-who")).to_contain_text("Ben's turn")
            await expect(page.locator("#walker-countdown")).to_have_text(re.compile(r"\d:\d\d"))
            await expect_order(page, order, ids["Ben"], ids["Cyd"])
            await expect(page.locator("#turn-next")).to_have_text("Next: Cyd")
            await expect(page.locator("#last-event")).to_contain_text("Beep!")
            await expect_fits(page, "Ben's turn", STRIP, "#turn-who", "#walker-countdown")
            await expect(page.locator("#flash")).to_be_hidden()
            await save_screenshot(page, shot, "their-turn")

            # A pause takes the screen over for as long as it lasts.
            await facilitator.command({"type": "pause"})
            await expect(takeover).to_be_visible()
            await expect(page.locator("#takeover-title")).to_have_text(
                dom.english("takeover.paused")
            )
            await expect(page.locator("#takeover-dismiss")).to_be_hidden()
            await expect_fits(page, "the pause", TAKEOVER, "#takeover-title", "#takeover-text")
            assert await takeover.evaluate(_COVERS_BOARD), (
                f"the pause leaves the board seen on {size}"
            )
            await takeover.evaluate(_SETTLED)
            await save_screenshot(page, shot, "pause")
            await assert_accessible(page, f"the pause on {size}")
            await facilitator.command({"type": "resume"})
            await expect(takeover).to_be_hidden()

            # So does a huddle, with its time left, until it ends.
            await facilitator.command({"type": "huddle", "seconds": 60})
            await expect(page.locator("#takeover-title")).to_have_text(
                dom.english("takeover.huddle")
            )
            await expect(page.locator("#takeover-timer")).to_have_text(re.compile(r"^[01]:\d\d$"))
            await expect_fits(page, "the huddle", TAKEOVER, "#takeover-timer")
            assert await takeover.evaluate(_COVERS_BOARD), (
                f"the huddle leaves the board seen on {size}"
            )
            await takeover.evaluate(_SETTLED)
            await save_screenshot(page, shot, "huddle")
            await facilitator.command({"type": "end_huddle"})
            await expect(takeover).to_be_hidden()

            # A penalty is news: on the screen for a moment, then gone by itself.
            await facilitator.command({"type": "penalty", "kind": "talking"})
            await expect(page.locator("#takeover-title")).to_have_text(
                dom.english("takeover.penalty")
            )
            await expect(page.locator("#takeover-text")).to_contain_text("talking")
            await takeover.evaluate(_SETTLED)
            await save_screenshot(page, shot, "penalty")
            await expect(takeover).to_be_hidden(timeout=WAIT_S * 1000)

            # The turn goes on; the circle has not moved.
            await expect_order(page, order, ids["Ben"], ids["Cyd"])
            await expect_fits(page, "after the penalty", STRIP, "#turn-who")
    finally:
        await facilitator.close()
