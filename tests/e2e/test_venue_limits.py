"""A room of phones behind one address (a venue's Wi-Fi): past its budget of wrong join codes
a seated phone that reloads is back in its game, a new one is told to wait; past its budget
of open sockets a phone says so in words of its own."""

from __future__ import annotations

import asyncio
import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from playwright.async_api import Locator, Page, expect
from websockets.asyncio.client import ClientConnection, connect

from tests.e2e import dom
from tests.e2e.support import (
    WAIT_S,
    Browsing,
    LiveServer,
    assert_accessible,
    create_workshop,
    join_code,
    save_screenshot,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

JOIN_ATTEMPTS = 3
MAX_SOCKETS = 6
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """This module's server, with small per-address budgets to go past."""
    env = {
        "JOIN_ATTEMPTS_PER_MINUTE": str(JOIN_ATTEMPTS),
        "MAX_SOCKETS_PER_ADDRESS": str(MAX_SOCKETS),
    }
    server = LiveServer(tmp_path_factory.mktemp("venue"), env=env)
    try:
        server.start()
        yield server
    finally:
        server.stop()


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as reply:
            status: int = reply.status
            return status
    except urllib.error.HTTPError as error:
        return error.code


async def status(server: LiveServer, path: str) -> int:
    return await asyncio.to_thread(_status, server.url(path))


async def open_phone(browsing: Browsing, label: str) -> Page:
    return await browsing.open(label, viewport=PHONE, has_touch=True, is_mobile=True)


async def expect_in_viewport(page: Page, element: Locator) -> None:
    """Shown, and wholly inside the phone's screen (no scrolling needed to read it)."""
    await expect(element).to_be_visible()
    await expect(element).to_be_in_viewport(ratio=1)
    box = await element.bounding_box()
    assert box is not None and box["width"] > 200, box
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], box


async def until_a_socket_opens(server: LiveServer, code: str) -> None:
    """Wait until the server has counted closed sockets out (it may take a moment)."""
    for _ in range(100):
        async with connect(server.ws(f"/ws/screen/{code}"), open_timeout=WAIT_S) as screen:
            first = json.loads(await asyncio.wait_for(screen.recv(), WAIT_S))
        if first["type"] == "snapshot":
            return
        assert first["code"] == "too_many_sockets", first
    raise AssertionError("the sockets were never counted out")


# The socket test comes first: the other leaves the address past its budget of wrong codes,
# in which the big screen's sockets used here would be refused.


async def test_a_phone_past_the_budget_of_open_sockets_says_so_in_its_own_words(
    live_server: LiveServer, browsing: Browsing, request: pytest.FixtureRequest
) -> None:
    code = join_code(await create_workshop(live_server, {"team_names": ["Otters"]}))
    screens: list[ClientConnection] = []
    try:
        # Big screens from the same address until the server refuses one.
        while True:
            screen = await connect(live_server.ws(f"/ws/screen/{code}"), open_timeout=WAIT_S)
            screens.append(screen)
            first = json.loads(await asyncio.wait_for(screen.recv(), WAIT_S))
            if first["type"] == "error":
                assert first["code"] == "too_many_sockets", first
                break
            assert len(screens) <= MAX_SOCKETS, "the server never refused a socket"

        page = await open_phone(browsing, "Bo, phone")
        await page.goto(live_server.url(f"/join/{code}"))
        said = dom.english("error.too_many_sockets")
        await expect(page.locator(dom.JOIN_ERROR)).to_have_text(said)
        await expect(page.locator("#connection-text")).to_have_text(said)
        await expect_in_viewport(page, page.locator(dom.JOIN_ERROR))
        await save_screenshot(page, request.node.name, "too-many-sockets")
    finally:
        for screen in screens:
            await screen.close()
    await until_a_socket_opens(live_server, code)


async def test_past_the_budget_of_wrong_codes_a_seated_phone_reloads_into_its_game(
    live_server: LiveServer, browsing: Browsing, request: pytest.FixtureRequest
) -> None:
    workshop = await create_workshop(live_server, {"title": "Venue day", "team_names": ["Otters"]})
    code = join_code(workshop)
    ann = await open_phone(browsing, "Ann, phone")
    await dom.join_by_link(ann, live_server, code, "Ann")
    await dom.expect_connection(ann, "online")

    # Others behind the same address mistype their codes.
    for wrong in ("AAAAAA", "BBBBBB", "CCCCCC"):
        assert await status(live_server, f"/join/{wrong}") == 404
    assert await status(live_server, f"/screen/{code}") == 429

    await ann.reload()
    await expect(ann.locator(dom.BODY)).to_have_attribute("data-blocked-for", re.compile(r"^\d+$"))
    await dom.expect_seated(ann)
    await dom.expect_connection(ann, "online")
    await expect(ann.locator("#game-title")).to_have_text("You are Ann · Otters")
    await expect(ann.locator("#game-title")).to_be_in_viewport()
    await expect(ann).to_have_title("Play with Otters · Electric Maze")
    await expect(ann.locator("#blocked-note")).to_be_hidden()
    await save_screenshot(ann, request.node.name, "seated")

    # A phone without a seat is told to wait, with the time left, and nothing names a team.
    bo = await open_phone(browsing, "Bo, phone")
    await bo.goto(live_server.url(f"/join/{code}"))
    note = bo.locator("#blocked-note")
    await expect(note).to_contain_text(dom.english("blocked.message"))
    await expect(bo.locator("#blocked-countdown")).to_have_text(
        re.compile(r"^This page tries again by itself in (0:[0-5]\d|1:00)\.$")
    )
    await expect(bo.locator("#join-title")).to_have_text(dom.english("blocked.title"))
    await expect_in_viewport(bo, note)
    await expect(bo.locator(dom.CONNECTION)).to_be_hidden()
    await expect(bo.locator(dom.NAME_FIELD)).to_be_hidden()
    await expect(bo).to_have_title("Electric Maze")
    assert "Otters" not in await bo.content()
    await assert_accessible(bo, "the wait")
    await save_screenshot(bo, request.node.name, "waiting")
