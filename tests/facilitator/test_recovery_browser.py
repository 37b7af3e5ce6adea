"""Access that survives a lost tab, in headless Chromium against a running server: the
console opens again from this device's storage, /facilitate lists the device's workshops,
and a second device gets in with the recovery code shown once at creation, while the first
stays signed in. The key never reaches the server's request log."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import ViewportSize, expect

from tests.e2e.conftest import browser, browsing, playwright
from tests.e2e.support import Browsing, assert_accessible, save_screenshot
from tests.live_server import LiveServer

pytestmark = pytest.mark.asyncio(loop_scope="module")
__all__ = ["browser", "browsing", "playwright"]  # fixtures shared with tests/e2e

CODE = re.compile(r"[A-Z0-9]{4}(-[A-Z0-9]{4}){3}")
PHONE = ViewportSize(width=390, height=844)
DESKTOP = ViewportSize(width=1280, height=800)


async def test_a_second_device_gets_in_with_the_recovery_code(
    live_server: LiveServer, browsing: Browsing, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    name = request.node.name
    first = await browsing.open("first device")
    await first.goto(live_server.url("/facilitate/new"))
    await first.get_by_label("Title").fill("Tuesday offsite")
    await first.get_by_role("button", name="Create the workshop").click()
    await expect(first.locator("#created")).to_be_visible()
    code = (await first.locator("#recovery-code").inner_text()).strip()
    assert CODE.fullmatch(code), code
    link = await first.get_by_label("Console link").input_value()
    workshop_id = link.split("/facilitate/", 1)[1].split("#")[0]
    token = link.split("#", 1)[1]
    bare = live_server.url(f"/facilitate/{workshop_id}")
    async with first.expect_download() as downloading:
        await first.get_by_role("button", name="Download").click()
    saved = tmp_path / "recovery.txt"
    await (await downloading.value).save_as(saved)
    text = saved.read_text("utf-8")
    assert "Tuesday offsite" in text and code in text and bare in text
    assert token not in text
    await assert_accessible(first, "created, with the recovery code")
    await save_screenshot(first, name, "created")

    # The first device: the bare console address opens the console from its storage.
    await first.goto(bare)
    await expect(first.locator("#app")).to_be_visible()
    await expect(first.locator("#workshop-title")).to_have_text("Tuesday offsite")
    await first.reload()
    await expect(first.locator("#app")).to_be_visible()

    # /facilitate lists it, with its console and debrief.
    listing = await first.context.new_page()
    browsing.problems.watch(listing, "first device's list")
    await listing.goto(live_server.url("/facilitate"))
    item = listing.locator(f'#workshop-list li[data-workshop="{workshop_id}"]')
    await expect(item).to_contain_text("Tuesday offsite")
    console = item.get_by_role("link", name="Console: Tuesday offsite")
    await expect(console).to_have_attribute("href", f"/facilitate/{workshop_id}")
    debrief = item.get_by_role("link", name="Debrief: Tuesday offsite")
    await expect(debrief).to_have_attribute("href", f"/facilitate/{workshop_id}/debrief")
    await assert_accessible(listing, "the device's workshops")
    await save_screenshot(listing, name, "list")
    await listing.set_viewport_size(PHONE)
    await save_screenshot(listing, name, "list")
    await listing.close()

    # A second device, with no key: the bare address offers the recovery form.
    second = await browsing.open("second device")
    browsing.problems.expect("401")  # the wrong code's refused request
    await second.goto(bare)
    await expect(second.get_by_role("heading", name="This link is incomplete")).to_be_visible()
    form = second.locator("#recovery")
    await expect(form).to_be_visible()
    await assert_accessible(second, "recovery form")
    await save_screenshot(second, name, "recovery")
    await second.set_viewport_size(PHONE)
    await save_screenshot(second, name, "recovery")
    await second.set_viewport_size(DESKTOP)
    await second.get_by_label("Recovery code").fill("AAAA-AAAA-AAAA-AAAA")
    await form.get_by_role("button", name="Open the console").click()
    await expect(second.locator("#recovery-error")).to_contain_text("does not open this workshop")
    await second.get_by_label("Recovery code").fill(code.lower().replace("-", " "))
    await form.get_by_role("button", name="Open the console").click()
    await expect(second.locator("#app")).to_be_visible()
    await expect(second.locator("#workshop-title")).to_have_text("Tuesday offsite")
    assert "#" in second.url and token not in second.url  # a key of its own

    # Both run the console at once: the team locked on the second is seen on the first.
    await second.get_by_role("button", name="Lock the team").click()
    await expect(second.locator("#team-flags")).to_have_text("Locked")
    await expect(first.locator("#team-flags")).to_have_text("Locked")
    await expect(first.locator("#app")).to_be_visible()
    await expect(first.locator("#connection")).not_to_contain_text("Reconnecting")

    # Nothing secret in the server's request log, which did log the pages and calls.
    log = live_server.log_path.read_text(errors="replace")
    assert f"/facilitate/{workshop_id}" in log and f"/api/workshops/{workshop_id}/recover" in log
    second_token = second.url.split("#", 1)[1]
    for secret in (token, second_token, code, code.replace("-", "")):
        assert secret not in log, secret

    # A wrong link opened on the first device is refused, and does not cost it its key.
    wrong = await first.context.new_page()
    browsing.problems.watch(wrong, "first device, a wrong link")
    browsing.problems.expect("WebSocket")  # the refused socket may be logged by the browser
    await wrong.goto(f"{bare}#{'x' * 32}")
    await expect(wrong.get_by_role("heading", name="This link is not valid")).to_be_visible()
    await wrong.goto(live_server.url("/facilitate"))
    await wrong.goto(bare)
    await expect(wrong.locator("#app")).to_be_visible()
    assert wrong.url.endswith(f"#{token}")
    await wrong.close()

    # Forgotten on the first device: no longer listed, and its bare address asks for the code.
    listing = await first.context.new_page()
    browsing.problems.watch(listing, "first device's list, again")
    await listing.goto(live_server.url("/facilitate"))
    listing.once("dialog", lambda dialog: dialog.accept())
    await listing.get_by_role("button", name="Forget on this device: Tuesday offsite").click()
    await expect(listing.locator("#no-workshops")).to_be_visible()
    await expect(listing.locator("#workshop-list li")).to_have_count(0)
    await listing.goto(bare)
    await expect(listing.locator("#recovery")).to_be_visible()
