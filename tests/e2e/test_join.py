"""What a person trying to join is told when they cannot, or not straight away: a wrong code,
a nickname taken, a locked team, a ban, a game under way."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from playwright.async_api import Page, expect

from tests.e2e import dom
from tests.e2e.support import Browsing, Facilitator, LiveServer, create_workshop, join_code

pytestmark = pytest.mark.asyncio(loop_scope="module")

Scenario = Callable[[LiveServer, Browsing, Facilitator, str], Awaitable[None]]


async def _join_page(server: LiveServer, browsing: Browsing, code: str, label: str) -> Page:
    page = await browsing.open(label, phone=True)
    await page.goto(server.url(f"/join/{code}"))
    return page


async def _try_to_join(page: Page, name: str) -> None:
    await dom.name_field(page).fill(name)
    await dom.join_button(page).click()


async def _refused(page: Page, key: str, **params: str) -> None:
    """The join form stays, says why in words, and may be tried again."""
    text = dom.english(key)
    for name, value in params.items():
        text = text.replace(f"{{{name}}}", value)
    await expect(page.locator(dom.JOIN_ERROR)).to_have_text(text)
    await expect(dom.join_button(page)).to_be_enabled()
    await expect(page.locator(dom.BODY)).not_to_have_attribute("data-seated", "true")


async def wrong_code(server: LiveServer, browsing: Browsing, _: Facilitator, __: str) -> None:
    page = await browsing.open("Ann, wrong code", phone=True)
    browsing.problems.expect(r"status of 404")  # the page for an unknown code, on purpose
    await page.goto(server.url("/"))
    await dom.code_field(page).fill("zzz-zzz")
    await dom.name_field(page).fill("Ann")
    await dom.join_button(page).click()
    await _refused(page, "error.no_such_team_code", code="ZZZZZZ")
    await expect(dom.code_field(page)).to_have_attribute("aria-invalid", "true")
    await expect(dom.code_field(page)).to_have_value("ZZZZZZ")
    await expect(dom.name_field(page)).to_have_value("Ann")


async def name_taken(
    server: LiveServer, browsing: Browsing, facilitator: Facilitator, code: str
) -> None:
    await dom.join_by_link(await browsing.open("Ann"), server, code, "Ann")
    page = await _join_page(server, browsing, code, "another Ann")
    await _try_to_join(page, "ann")
    await _refused(page, "error.name_taken")
    await expect(dom.name_field(page)).to_have_attribute("aria-invalid", "true")
    await _try_to_join(page, "Ann B")  # another name goes in
    await dom.expect_seated(page)
    await facilitator.wait_until(
        "Ann B in the team", lambda team: [p["name"] for p in team["players"]] == ["Ann", "Ann B"]
    )


async def name_not_allowed(
    server: LiveServer, browsing: Browsing, facilitator: Facilitator, code: str
) -> None:
    page = await _join_page(server, browsing, code, "a rude nickname")
    await _try_to_join(page, "Sh1t head")
    await _refused(page, "error.name_not_allowed")
    await expect(dom.name_field(page)).to_have_attribute("aria-invalid", "true")
    assert facilitator.team["players"] == []
    await _try_to_join(page, "Sam")
    await dom.expect_seated(page)


async def locked(
    server: LiveServer, browsing: Browsing, facilitator: Facilitator, code: str
) -> None:
    await facilitator.command({"type": "lock", "locked": True})
    page = await _join_page(server, browsing, code, "Ann, locked out")
    await expect(page.locator(dom.JOIN_NOTE)).to_have_text(dom.english("note.locked"))
    await _try_to_join(page, "Ann")
    await _refused(page, "error.locked")
    assert facilitator.team["players"] == []


async def banned(
    server: LiveServer, browsing: Browsing, facilitator: Facilitator, code: str
) -> None:
    page = await _join_page(server, browsing, code, "Ann, banned")
    await _try_to_join(page, "Ann")
    await dom.expect_seated(page)
    await facilitator.wait_until("Ann in the team", lambda team: len(team["players"]) == 1)
    await facilitator.command({"type": "start_learning"})  # the page would invite to join
    await facilitator.command({"type": "ban", "player": facilitator.team["players"][0]["id"]})
    await _banned(page)
    # Nor after a reload: the page says so, and offers no way to join under another name.
    await page.reload()
    await _banned(page)
    assert facilitator.team["players"] == []

    # Someone else, in another browser, trying the banned name is told only that the name
    # cannot join, and may pick another.
    other = await _join_page(server, browsing, code, "Ann's neighbour")
    await _try_to_join(other, "ann")
    await _refused(other, "error.banned_name")
    await _try_to_join(other, "Annie")
    await dom.expect_seated(other)


async def _banned(page: Page) -> None:
    """Only that the person was removed and cannot rejoin: no note about joining, no form."""
    await expect(page.locator("#banned-note")).to_have_text(dom.english("error.banned"))
    await expect(page.locator(dom.JOIN_NOTE)).to_be_hidden()
    await expect(page.locator("#join-form")).to_be_hidden()
    await expect(dom.join_button(page)).to_be_hidden()
    await expect(page.locator("#join-section")).not_to_contain_text(
        dom.english("note.under_way"), use_inner_text=True
    )
    await expect(page.locator(dom.BODY)).not_to_have_attribute("data-seated", "true")


async def under_way(
    server: LiveServer, browsing: Browsing, facilitator: Facilitator, code: str
) -> None:
    await dom.join_by_link(await browsing.open("Ann"), server, code, "Ann")
    await facilitator.command({"type": "start_learning"})
    page = await _join_page(server, browsing, code, "Bo, late")
    await expect(page.locator(dom.JOIN_NOTE)).to_have_text(dom.english("note.under_way"))
    await _try_to_join(page, "Bo")
    await dom.expect_seated(page)
    await dom.expect_phase(page, "learning")
    # At the end of the rotation: after Ann, who walks.
    await expect(page.locator("#turn-order li")).to_have_count(2)
    await expect(page.locator("#turn-order li").last).to_contain_text("Bo")
    await expect(page.locator("#turn-info")).to_contain_text(dom.english("turn.next"))


SCENARIOS: dict[str, Scenario] = {
    "wrong code": wrong_code,
    "name taken": name_taken,
    "nickname not allowed": name_not_allowed,
    "locked team": locked,
    "banned": banned,
    "game under way": under_way,
}


@pytest.mark.parametrize("scenario", list(SCENARIOS))
async def test_a_person_who_cannot_join_yet_is_told_why(
    live_server: LiveServer, browsing: Browsing, scenario: str
):
    workshop = await create_workshop(live_server, {})
    facilitator = Facilitator(live_server, workshop)
    await facilitator.sign_in()
    try:
        await SCENARIOS[scenario](live_server, browsing, facilitator, join_code(workshop))
    finally:
        await facilitator.close()
