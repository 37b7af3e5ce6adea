"""A phone that locks, loses the network or reloads: it keeps its seat, a live socket and
its sound."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from playwright.async_api import Page, Route, WebSocket, expect

from tests.e2e import dom
from tests.e2e.support import (
    Browsing,
    Facilitator,
    LiveServer,
    create_workshop,
    join_code,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

PROBE_S = 3.0  # how long the page waits for an answer to its ping after waking up

# Every AudioContext the page makes, kept where the test can reach it.
_KEEP_AUDIO_CONTEXTS = """(() => {
  const Original = window.AudioContext;
  if (!Original) return;
  window.audioContexts = [];
  window.AudioContext = class extends Original {
    constructor(...args) { super(...args); window.audioContexts.push(this); }
  };
})()"""
_AUDIO_STATE = "() => window.audioContexts.map((c) => c.state)"
_SUSPEND_AUDIO = "() => Promise.all(window.audioContexts.map((c) => c.suspend()))"
_WAKE_UP = """() => {
  document.dispatchEvent(new Event("visibilitychange"));
}"""


@dataclass
class Sockets:
    """The page's WebSockets, in the order it opened them, and what it sent on them."""

    opened: list[WebSocket] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        page.on("websocket", self._opened)

    def _opened(self, socket: WebSocket) -> None:
        self.opened.append(socket)
        socket.on("framesent", self._sent)

    def _sent(self, payload: str | bytes) -> None:
        self.sent.append(payload if isinstance(payload, str) else payload.decode())


@pytest.fixture
async def seated(
    live_server: LiveServer, browsing: Browsing
) -> AsyncIterator[tuple[Page, Sockets, Facilitator]]:
    """Ann, on a phone, seated in a team of her own, with her page's sockets watched."""
    workshop = await create_workshop(live_server, {})
    facilitator = Facilitator(live_server, workshop)
    await facilitator.sign_in()
    page = await browsing.open("Ann, iPhone", phone=True)
    sockets = Sockets()
    sockets.watch(page)
    await dom.join_by_link(page, live_server, join_code(workshop), "Ann")
    await dom.expect_connection(page, "online")
    try:
        yield page, sockets, facilitator
    finally:
        await facilitator.close()


async def test_a_socket_that_died_while_the_phone_slept_is_replaced_on_waking(
    live_server: LiveServer, seated: tuple[Page, Sockets, Facilitator]
):
    page, sockets, facilitator = seated
    ann = facilitator.team["players"][0]["id"]
    # The server stops answering (as a network gone quiet while the phone was locked): the
    # socket still looks open to the page.
    live_server.signal(signal.SIGSTOP)
    try:
        woke = time.monotonic()
        await page.evaluate(_WAKE_UP)
        await dom.expect_connection(page, "reconnecting", timeout_s=PROBE_S + 3)
        waited = time.monotonic() - woke
        assert sockets.sent[-1] == '{"type":"ping"}', sockets.sent
        assert waited >= PROBE_S - 0.5, f"dropped after {waited:.1f} s, before the ping could come"
        await expect(page.locator(dom.CONNECTION)).to_be_visible()
    finally:
        live_server.signal(signal.SIGCONT)

    await dom.expect_connection(page, "online", timeout_s=10)
    await expect(page.locator(dom.CONNECTION)).to_be_hidden()
    assert len(sockets.opened) >= 2, "the page never opened a new socket"
    await facilitator.wait_until(
        "Ann back on her seat",
        lambda team: [(p["id"], p["connected"]) for p in team["players"]] == [(ann, True)],
    )


async def test_a_live_socket_answers_the_ping_when_back_online_and_is_kept(
    seated: tuple[Page, Sockets, Facilitator],
):
    page, sockets, _ = seated
    await page.evaluate("() => window.dispatchEvent(new Event('online'))")
    await page.wait_for_timeout(PROBE_S * 1000 + 500)
    assert sockets.sent[-1] == '{"type":"ping"}', sockets.sent
    assert len(sockets.opened) == 1, "a live socket was replaced"
    await dom.expect_connection(page, "online")


async def test_offline_the_page_says_it_is_reconnecting_and_comes_back_to_its_seat(
    seated: tuple[Page, Sockets, Facilitator],
):
    page, _, facilitator = seated
    ann = facilitator.team["players"][0]["id"]
    await page.context.set_offline(True)
    await dom.expect_connection(page, "reconnecting")
    await expect(page.locator(dom.CONNECTION)).to_be_visible()
    await expect(page.locator(dom.CONNECTION)).to_contain_text(
        dom.english("connection.reconnecting")
    )

    await page.context.set_offline(False)
    await dom.expect_connection(page, "online")
    await expect(page.locator(dom.CONNECTION)).to_be_hidden()
    await dom.expect_seated(page)
    await facilitator.wait_until(
        "Ann back on her seat",
        lambda team: [(p["id"], p["connected"]) for p in team["players"]] == [(ann, True)],
    )


async def test_the_sound_comes_back_with_a_tap_after_a_reload_or_a_lock(
    seated: tuple[Page, Sockets, Facilitator],
):
    page, _, _ = seated
    hint = page.locator(dom.SOUND_HINT)
    # Joining was a tap: the sound is on.
    await expect(hint).to_be_hidden()

    # A reloaded page starts without sound, says so, and a tap anywhere brings it back.
    await page.add_init_script(_KEEP_AUDIO_CONTEXTS)
    await page.reload()
    await dom.expect_seated(page)
    await expect(hint).to_be_visible()
    await expect(hint).to_have_text(dom.english("sound.tap_to_enable"))
    await page.locator("#players-title").tap()
    await expect(hint).to_be_hidden()
    assert await page.evaluate(_AUDIO_STATE) == ["running"]

    # The phone locks (the browser suspends the audio): the hint is back, and the next
    # tap brings the sound back, as does coming back to the page.
    await page.evaluate(_SUSPEND_AUDIO)
    await expect(hint).to_be_visible()
    await page.locator("#players-title").tap()
    await expect(hint).to_be_hidden()
    await page.evaluate(_SUSPEND_AUDIO)
    await expect(hint).to_be_visible()
    await page.evaluate(_WAKE_UP)
    await expect(hint).to_be_hidden()
    assert await page.evaluate(_AUDIO_STATE) == ["running"]


@pytest.mark.parametrize("early_script", ["first", "last"])
async def test_a_page_opens_one_socket_whichever_script_runs_first(
    live_server: LiveServer, browsing: Browsing, early_script: str
):
    workshop = await create_workshop(live_server, {})
    page = await browsing.open(f"Bo, early socket script {early_script}", phone=True)
    if early_script == "last":

        async def late(route: Route) -> None:
            await asyncio.sleep(1.5)  # arrives after the page's modules have run
            await route.continue_()

        await page.route("**/early-socket.js*", late)
    sockets = Sockets()
    sockets.watch(page)
    await dom.join_by_link(page, live_server, join_code(workshop), "Bo")
    await page.wait_for_timeout(2000)
    assert len(sockets.opened) == 1, sockets.opened


async def test_in_spanish_the_reconnecting_banner_keeps_its_spinner_beside_the_words(
    live_server: LiveServer, browsing: Browsing
):
    workshop = await create_workshop(live_server, {})
    page = await browsing.open("Ana, Spanish phone", phone=True, locale="es-ES")
    await dom.join_by_link(page, live_server, join_code(workshop), "Ana")
    await dom.expect_connection(page, "online")
    await page.context.set_offline(True)
    await dom.expect_connection(page, "reconnecting")
    banner = page.locator(dom.CONNECTION)
    await expect(banner).to_be_visible()
    spinner, words = await banner.evaluate(_BOXES)
    # The spinner sits on the words' first line, not on a line of its own above them.
    assert spinner["top"] >= words["top"] - 4, (spinner, words)
    assert spinner["right"] <= words["left"], (spinner, words)
    await page.context.set_offline(False)
    await dom.expect_connection(page, "online")


_BOXES = """banner => [banner.querySelector('.spinner'), banner.querySelector('#connection-text')]
  .map(e => { const r = e.getBoundingClientRect();
              return {top: r.top, left: r.left, right: r.right, bottom: r.bottom}; })"""
