"""Every page, on a phone and on a desktop: accessible, fitting, light, and pictured."""

from __future__ import annotations

import asyncio
import json
import re
import time

import pytest
from playwright.async_api import Page, expect
from websockets.asyncio.client import connect

from tests.e2e import dom
from tests.e2e.support import (
    SMALL_PHONE,
    Browsing,
    Facilitator,
    LiveServer,
    Message,
    assert_accessible,
    create_workshop,
    join_code,
    save_screenshot,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

# Each page is seen on the phone profile, a small phone and a laptop.
SIZES = ["phone", "small phone", "desktop"]
SIDEWAYS_PHONE = {"width": SMALL_PHONE["height"], "height": SMALL_PHONE["width"]}
MIN_TOUCH_PX = 44
SLOW_3G = {
    "offline": False,
    "latency": 400,  # ms added to each request, from sending it to its answer (not each way)
    "downloadThroughput": 400 * 1000 / 8,  # bytes/s
    "uploadThroughput": 400 * 1000 / 8,
}
USABLE_WITHIN_S = 2.0
PROJECTORS = [{"width": 1280, "height": 720}, {"width": 1024, "height": 768}]
CROWD = [
    "Alexandrina",
    "Bartholomew",
    "Constantina",
    "Dmitri",
    "Evangelina",
    "Fitzgerald",
    "Guinevere",
    "Hieronymus",
]
# Read from the back of the room, on a 1920 px wide screen (16 px to the rem).
BIG_SCREEN_MIN_PX = {".stat-label": 20, ".edge": 20, ".join-step": 20, ".celebration-text": 64}

_SIDEWAYS = "() => [document.scrollingElement.scrollWidth, window.innerWidth]"
_SQUARE_SIZES = """() => [...document.querySelectorAll('#board [data-row][data-col]')]
  .map(e => { const r = e.getBoundingClientRect(); return [r.width, r.height]; })"""
# Text in the status bar (phase, timer, failures) cut short by its box.
_CUT_STATUS = """() => [...document.querySelectorAll(
    '#status-bar .stat-label, #status-bar .stat-value')]
  .filter(e => e.getClientRects().length > 0)
  .filter(e => e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1)
  .map(e => `${e.textContent.trim()} (${e.scrollWidth}x${e.scrollHeight} px of text in a `
           + `${e.clientWidth}x${e.clientHeight} px box)`)"""
_BRAND_BOX = (
    "() => { const r = document.querySelector('.brand').getBoundingClientRect();"
    " return [r.width, r.height]; }"
)
_FONT_PX = "e => parseFloat(getComputedStyle(e).fontSize)"
_VERTICAL = "() => [document.scrollingElement.scrollHeight, window.innerHeight]"
# The parts of an element outside the window, in px: [above, below, left, right].
_OUTSIDE = """e => { const r = e.getBoundingClientRect();
  return [Math.max(0, -r.top), Math.max(0, r.bottom - window.innerHeight),
          Math.max(0, -r.left), Math.max(0, r.right - window.innerWidth)]; }"""
_TAPPABLE_SHOWN = f"""() => [...document.querySelectorAll('{dom.TAPPABLE}')]
  .some(e => e.getClientRects().length > 0)"""
# Squares the walker may tap that lie outside the window as it is scrolled now.
_TAPPABLE_OFF_SCREEN = """() => [...document.querySelectorAll(
    '#board [data-row][data-col]:not([disabled]):not([aria-disabled="true"])')]
  .filter(e => { const r = e.getBoundingClientRect();
                 return r.top < 0 || r.bottom > window.innerHeight; })
  .map(e => `(${e.dataset.row}, ${e.dataset.col}) at ${Math.round(e.getBoundingClientRect().top)}`
           + `-${Math.round(e.getBoundingClientRect().bottom)} px`)"""


async def open_sized(browsing: Browsing, label: str, size: str) -> Page:
    if size == "phone":
        return await browsing.open(f"{label}, phone", phone=True)
    if size == "small phone":
        return await browsing.open(f"{label}, small phone", viewport=SMALL_PHONE)
    if size == "phone held sideways":
        return await browsing.open(
            f"{label}, phone held sideways", viewport=SIDEWAYS_PHONE, is_mobile=True, has_touch=True
        )
    return await browsing.open(f"{label}, desktop")


async def check_page(page: Page, label: str, test_name: str) -> None:
    """A page as it is now: no serious accessibility fault, nothing sideways, no status cut
    short; and a picture of it."""
    await save_screenshot(page, test_name, label)
    await assert_accessible(page, label)
    scroll_width, inner_width = await page.evaluate(_SIDEWAYS)
    assert scroll_width <= inner_width, (
        f"{label} scrolls sideways: content {scroll_width} px wide in a {inner_width} px window"
    )
    cut = await page.evaluate(_CUT_STATUS)
    assert not cut, f"{label}: the status bar cuts its text short: {cut}"
    width, height = await page.evaluate(_BRAND_BOX)
    assert min(width, height) >= MIN_TOUCH_PX, f"{label}: the logo link is {width}x{height} px"


@pytest.fixture(scope="module")
async def workshop(live_server: LiveServer) -> Message:
    return await create_workshop(live_server, {"title": "Page check", "maze": {"seed": 3}})


@pytest.mark.parametrize("size", SIZES)
async def test_the_home_and_join_pages(
    live_server: LiveServer, browsing: Browsing, workshop: Message, size: str, request
):
    page = await open_sized(browsing, "home", size)
    await page.goto(live_server.url("/"))
    await expect(dom.code_field(page)).to_be_visible()
    await expect(dom.name_field(page)).to_be_visible()
    await check_page(page, "home", request.node.originalname)

    await page.goto(live_server.url(f"/join/{join_code(workshop)}"))
    await expect(dom.name_field(page)).to_be_visible()
    await expect(dom.join_button(page)).to_be_enabled()
    await check_page(page, "join", request.node.originalname)


@pytest.mark.parametrize("size", [*SIZES, "phone held sideways"])
async def test_the_play_page_in_the_lobby_and_during_the_game(
    live_server: LiveServer, browsing: Browsing, size: str, request
):
    workshop = await create_workshop(live_server, {"maze": {"seed": 4}})
    facilitator = Facilitator(live_server, workshop)
    await facilitator.sign_in()
    try:
        page = await open_sized(browsing, "play", size)
        await dom.join_by_link(page, live_server, join_code(workshop), "Ann")
        # Waiting for the start, said in words rather than by a clock at 0:00.
        await expect(page.locator(dom.LOBBY_WAITING)).to_have_text(dom.english("lobby.waiting"))
        await expect(page.locator(dom.TIMER)).to_be_hidden()
        await check_page(page, "play-lobby", request.node.originalname)

        await facilitator.command({"type": "start_learning"})
        await dom.expect_turn(page, True)
        await expect(dom.tappable(page).first).to_be_visible()
        await expect(page.locator(dom.TIMER)).to_be_visible()
        await expect(page.locator(dom.LOBBY_WAITING)).to_be_hidden()
        await check_page(page, "play-your-turn", request.node.originalname)
        squares = await page.evaluate(_SQUARE_SIZES)
        assert len(squares) == 6 * 9, f"{len(squares)} squares on a 6 x 9 board"
        smallest = min(min(width, height) for width, height in squares)
        assert smallest >= MIN_TOUCH_PX, f"squares {smallest:.1f} px across on {size}"

        before = facilitator.seq
        await dom.tap(page, facilitator.path[0], touch=size.startswith("phone"))
        await facilitator.wait_past(before, "the first step")
        await dom.tap(page, facilitator.wrong_square(), touch=size.startswith("phone"))
        await dom.beep_is_shown(page)
        await check_page(page, "play-after-a-beep", request.node.originalname)
    finally:
        await facilitator.close()


@pytest.mark.parametrize("size", ["phone", "small phone", "phone held sideways"])
async def test_on_a_phone_the_squares_to_tap_are_on_screen_when_the_turn_begins(
    live_server: LiveServer, browsing: Browsing, size: str
):
    workshop = await create_workshop(live_server, {})
    facilitator = Facilitator(live_server, workshop)
    await facilitator.sign_in()
    try:
        page = await open_sized(browsing, "play", size)
        await dom.join_by_link(page, live_server, join_code(workshop), "Ann")
        await facilitator.command({"type": "start_learning"})
        await dom.expect_turn(page, True)
        await expect(dom.tappable(page)).to_have_count(6)  # the entry row
        off_screen = await page.evaluate(_TAPPABLE_OFF_SCREEN)
        height = page.viewport_size["height"] if page.viewport_size else None
        assert not off_screen, (
            f"squares to tap lie outside the {height} px high screen: {off_screen}"
        )
    finally:
        await facilitator.close()


@pytest.mark.parametrize("size", ["phone", "desktop"])
async def test_the_big_screen(live_server: LiveServer, browsing: Browsing, size: str, request):
    workshop = await create_workshop(live_server, {"maze": {"seed": 6}})
    code = join_code(workshop)
    facilitator = Facilitator(live_server, workshop)
    await facilitator.sign_in()
    try:
        page = await open_sized(browsing, "screen", size)
        if size == "desktop":
            await page.set_viewport_size({"width": 1920, "height": 1080})
        await page.goto(live_server.url(f"/screen/{code}"))
        await dom.expect_phase(page, "lobby")
        await expect(page.locator(dom.SHOWN_CODE)).to_have_text(code)
        qr = page.locator(dom.QR)
        await expect(qr).to_be_visible()
        assert await qr.evaluate("img => img.complete && img.naturalWidth > 0"), "no QR image"
        # served on 127.0.0.1: the screen says phones cannot follow the QR code
        await expect(page.locator("#local-only")).to_contain_text("Phones cannot open")
        await check_page(page, "screen-lobby", request.node.originalname)

        player = await browsing.open("player")
        await dom.join_by_link(player, live_server, code, "Ann")
        await expect(page.locator(dom.BODY)).to_contain_text("Ann")
        await facilitator.command({"type": "start_learning"})
        await dom.expect_phase(page, "learning")
        await dom.tap(player, facilitator.path[0])
        await expect(dom.square(page, facilitator.path[0])).to_have_class(dom.WALKER_HERE)
        await check_page(page, "screen-learning", request.node.originalname)
        if size == "desktop":
            for selector, least in BIG_SCREEN_MIN_PX.items():
                shown = await page.locator(selector).first.evaluate(_FONT_PX)
                assert shown >= least, f"{selector} is {shown} px high on a 1920 px screen"
    finally:
        await facilitator.close()


async def join_by_socket(server: LiveServer, code: str, name: str) -> None:
    """A player joins from a phone that then goes away (the seat stays, shown as away)."""
    async with connect(server.ws(f"/ws/play/{code}"), open_timeout=5) as socket:
        await socket.send(json.dumps({"type": "join", "name": name}))
        answer = json.loads(await asyncio.wait_for(socket.recv(), 5))
        assert answer["type"] == "welcome", answer


async def expect_lobby_fits(page: Page, projector: dict[str, int], label: str) -> None:
    content, window = await page.evaluate(_VERTICAL)
    assert content <= window, f"{label}: {content} px high on a {window} px high screen"
    for selector in (dom.QR, dom.SHOWN_CODE):
        outside = await page.locator(selector).evaluate(_OUTSIDE)
        assert outside == [0, 0, 0, 0], (
            f"{label}: {selector} lies outside the screen by {outside} px"
        )
    box = await page.locator(dom.QR).bounding_box()  # the code is drawn as large as fits here
    assert box is not None and min(box["width"], box["height"]) >= projector["height"] / 4, box


@pytest.mark.parametrize(
    "projector", PROJECTORS, ids=lambda size: f"{size['width']}x{size['height']}"
)
async def test_the_big_screen_lobby_fits_a_projector_without_scrolling(
    live_server: LiveServer, browsing: Browsing, projector, request
):
    workshop = await create_workshop(live_server, {"maze": {"seed": 3}})
    code = join_code(workshop)
    page = await browsing.open("screen on a projector", viewport=projector)
    await page.goto(live_server.url(f"/screen/{code}"))
    await dom.expect_phase(page, "lobby")
    await expect(page.locator(dom.QR)).to_be_visible()
    await check_page(page, "screen-lobby", request.node.originalname)
    await expect_lobby_fits(page, projector, "the empty lobby")

    # However many join, the QR code and the join code stay on the screen, whole.
    for name in CROWD:
        await join_by_socket(live_server, code, name)
    await expect(page.locator("#queue li")).to_have_count(len(CROWD))
    await check_page(page, "screen-lobby-crowded", request.node.originalname)
    await expect_lobby_fits(page, projector, f"the lobby with {len(CROWD)} players")


@pytest.mark.parametrize(
    "projector", PROJECTORS, ids=lambda size: f"{size['width']}x{size['height']}"
)
async def test_the_big_screen_board_fits_a_projector_during_the_game(
    live_server: LiveServer, browsing: Browsing, projector, request
):
    workshop = await create_workshop(live_server, {"maze": {"seed": 6}})
    facilitator = Facilitator(live_server, workshop)
    await facilitator.sign_in()
    try:
        page = await browsing.open("screen during the game", viewport=projector)
        await page.goto(live_server.url(f"/screen/{join_code(workshop)}"))
        await dom.join_by_link(await browsing.open("Ann"), live_server, join_code(workshop), "Ann")
        await facilitator.command({"type": "start_learning"})
        await dom.expect_phase(page, "learning")
        await check_page(page, "screen-learning", request.node.originalname)
        content, window = await page.evaluate(_VERTICAL)
        assert content <= window, f"the game is {content} px high on a {window} px high screen"
    finally:
        await facilitator.close()


@pytest.mark.parametrize("size", ["phone", "desktop"])
async def test_a_missing_page_is_a_designed_404(
    live_server: LiveServer, browsing: Browsing, size: str, request
):
    page = await open_sized(browsing, "404", size)
    browsing.problems.expect(r"status of 404 .*/no/such/page")  # the page itself, on purpose
    response = await page.goto(live_server.url("/no/such/page"))
    assert response is not None and response.status == 404
    assert "text/html" in (await response.header_value("content-type") or "")
    await expect(page.locator("h1")).to_be_visible()
    await expect(page.get_by_role("link").first).to_be_visible()  # a way back home
    await check_page(page, "404", request.node.originalname)


async def test_the_join_page_is_usable_within_2_s_on_slow_3g(
    live_server: LiveServer, browsing: Browsing, workshop: Message
):
    page = await browsing.open("join on slow 3G", viewport=SMALL_PHONE, is_mobile=True)
    cdp = await page.context.new_cdp_session(page)
    await cdp.send("Network.enable")
    await cdp.send("Network.emulateNetworkConditions", SLOW_3G)

    began = time.monotonic()
    await page.goto(live_server.url(f"/join/{join_code(workshop)}"), wait_until="commit")
    await expect(dom.name_field(page)).to_be_editable(timeout=USABLE_WITHIN_S * 1000)
    await expect(dom.join_button(page)).to_be_enabled(timeout=USABLE_WITHIN_S * 1000)
    took = time.monotonic() - began
    assert took <= USABLE_WITHIN_S, f"the join page took {took:.2f} s to be usable"
    # Its scripts too (the form also works without them, through a plain GET).
    await page.wait_for_load_state("load", timeout=USABLE_WITHIN_S * 1000)
    took = time.monotonic() - began
    assert took <= USABLE_WITHIN_S, f"the join page took {took:.2f} s to load its scripts"

    # The emulation is real: the page itself waits the added latency.
    began = time.monotonic()
    await page.reload(wait_until="commit")
    assert time.monotonic() - began >= SLOW_3G["latency"] / 1000


async def test_a_player_reloading_mid_game_on_slow_3g_can_tap_within_2_s(
    live_server: LiveServer, browsing: Browsing
):
    workshop = await create_workshop(live_server, {})
    facilitator = Facilitator(live_server, workshop)
    await facilitator.sign_in()
    try:
        page = await browsing.open(
            "reload on slow 3G", viewport=SMALL_PHONE, is_mobile=True, has_touch=True
        )
        await dom.join_by_link(page, live_server, join_code(workshop), "Ann")
        await facilitator.command({"type": "start_learning"})
        await dom.expect_turn(page, True)

        cdp = await page.context.new_cdp_session(page)
        await cdp.send("Network.enable")
        await cdp.send("Network.clearBrowserCache")
        await cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})  # a cold cache
        await cdp.send("Network.emulateNetworkConditions", SLOW_3G)
        began = time.monotonic()
        await page.reload(wait_until="commit")
        # Checked at every frame: expect() polls too seldom to time this.
        await page.wait_for_function(
            _TAPPABLE_SHOWN, polling="raf", timeout=USABLE_WITHIN_S * 1000 + 500
        )
        took = time.monotonic() - began
        assert took <= USABLE_WITHIN_S, f"a square could be tapped {took:.2f} s after the reload"

        await dom.tap(page, facilitator.path[0], touch=True)
        # Waited for by what it does: the reload's own presence events may come after the tap.
        first = [list(facilitator.path[0])]
        await facilitator.wait_until(
            "the step after the reload",
            lambda team: [w["trail"] for w in team["walkers"]] == [first],
        )
    finally:
        await facilitator.close()


async def test_a_phone_turned_mid_turn_shows_the_squares_to_tap(
    live_server: LiveServer, browsing: Browsing
):
    workshop = await create_workshop(live_server, {})
    facilitator = Facilitator(live_server, workshop)
    await facilitator.sign_in()
    try:
        page = await open_sized(browsing, "play", "phone")
        await dom.join_by_link(page, live_server, join_code(workshop), "Ann")
        await facilitator.command({"type": "start_learning"})
        await dom.expect_turn(page, True)
        assert not await page.evaluate(_TAPPABLE_OFF_SCREEN)
        portrait = page.viewport_size
        assert portrait is not None
        await page.set_viewport_size({"width": portrait["height"], "height": portrait["width"]})
        await page.wait_for_timeout(300)
        off_screen = await page.evaluate(_TAPPABLE_OFF_SCREEN)
        assert not off_screen, f"after turning the phone, squares to tap are off it: {off_screen}"
    finally:
        await facilitator.close()


async def test_the_play_page_in_spanish_and_the_frozen_board_are_accessible(
    live_server: LiveServer, browsing: Browsing, request
):
    workshop = await create_workshop(live_server, {"maze": {"seed": 8}})
    facilitator = Facilitator(live_server, workshop)
    await facilitator.sign_in()
    try:
        page = await browsing.open("play in Spanish, phone", phone=True, locale="es-ES")
        await dom.join_by_link(page, live_server, join_code(workshop), "Ana")
        await expect(page.locator("html")).to_have_attribute("lang", "es")
        await check_page(page, "play-lobby-es", request.node.originalname)
        await facilitator.command({"type": "start_learning"})
        await dom.expect_turn(page, True)
        await check_page(page, "play-your-turn-es", request.node.originalname)

        await facilitator.command({"type": "pause"})
        frozen = page.locator(dom.FROZEN_REASON)
        await expect(frozen).to_be_visible()
        await expect(frozen).to_contain_text("pausado")
        await check_page(page, "play-paused-es", request.node.originalname)
    finally:
        await facilitator.close()


async def test_a_player_who_is_away_is_tagged_and_the_turn_says_it_waits_for_them(
    live_server: LiveServer, browsing: Browsing, request
):
    workshop = await create_workshop(live_server, {"maze": {"seed": 4}})
    code = join_code(workshop)
    facilitator = Facilitator(live_server, workshop)
    await facilitator.sign_in()
    try:
        await join_by_socket(live_server, code, "Ann")  # first in turn, then away
        screens = []
        for size in ({"width": 1920, "height": 1080}, {"width": 1280, "height": 720}):
            screen = await browsing.open(f"big screen {size['width']}", viewport=size)
            await screen.goto(live_server.url(f"/screen/{code}"))
            screens.append(screen)
        phone = await open_sized(browsing, "Ben", "phone")
        await dom.join_by_link(phone, live_server, code, "Ben")
        # A phone says whose it is, and the numbered list is the turn order.
        await expect(phone.locator("#game-title")).to_be_visible()
        await expect(phone.locator("#game-title")).to_have_text("You are Ben · Team 1")
        await expect(phone.locator("#players-title")).to_contain_text(
            dom.english("lobby.turn_order")
        )
        await facilitator.command({"type": "start_learning"})
        waiting = re.compile(r"^Waiting for Ann to come back: the turn passes on in 0:[0-5]\d\.$")
        for page in (*screens, phone):
            await dom.expect_phase(page, "learning")
            ann = page.locator("ol.queue li", has_text="Ann")
            await expect(ann.locator(".away-tag")).to_be_visible()
            await expect(ann.locator(".away-tag")).to_have_text(dom.english("queue.away"))
            await expect(page.locator("#away-note")).to_have_text(waiting)
        # The silence rule, while the maze is open, says it is open.
        await expect(screens[0].locator("#silence-text")).to_have_text(
            dom.english("lobby.silence_open")
        )
        for page, label in ((screens[0], "screen"), (screens[1], "screen"), (phone, "phone")):
            await check_page(page, f"{label}-away", request.node.originalname)
    finally:
        await facilitator.close()


async def test_on_a_desktop_the_page_says_click_and_shows_the_keys(
    live_server: LiveServer, browsing: Browsing, request
):
    workshop = await create_workshop(live_server, {"maze": {"seed": 4}})
    facilitator = Facilitator(live_server, workshop)
    await facilitator.sign_in()
    try:
        desktop = await open_sized(browsing, "Kim", "desktop")
        phone = await open_sized(browsing, "Ben", "phone")
        for page, name in ((desktop, "Kim"), (phone, "Ben")):
            await dom.join_by_link(page, live_server, join_code(workshop), name)
        await expect(desktop.locator("#silence-text")).to_have_text(dom.english("lobby.silence"))
        await facilitator.command({"type": "start_learning"})
        await dom.expect_turn(desktop, True)
        await expect(desktop.locator(dom.TURN_HINT)).to_have_text(dom.english("turn.enter_click"))
        await expect(desktop.locator("#keys-hint")).to_be_visible()
        await expect(phone.locator("#keys-hint")).to_be_hidden()
        await check_page(desktop, "play-desktop-turn", request.node.originalname)
        await desktop.reload()  # a page that has not been clicked yet has no sound
        await dom.expect_phase(desktop, "learning")
        await expect(desktop.locator(dom.SOUND_HINT)).to_have_text(
            dom.english("sound.click_to_enable")
        )
    finally:
        await facilitator.close()
