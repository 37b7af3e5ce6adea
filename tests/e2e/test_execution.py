"""The execution phase and the end of a workshop as the phones and the big screen show them:
what the phase asks, the time with its penalties and the prediction, the team's result, what
a newcomer is told once it is over; and what a player is told about their own turn."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from tests.e2e import dom
from tests.e2e.support import (
    Browsing,
    Facilitator,
    LiveServer,
    Message,
    Square,
    assert_accessible,
    create_workshop,
    join_code,
    save_screenshot,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

SMALL_MAZE = {"cols": 4, "rows": 4, "path": [[0, 1], [1, 1], [2, 2], [3, 2]]}
PROJECTOR = {"width": 1280, "height": 720}
ERROR_S = 45  # not the default (60): the pages must take it from the rules
PREDICTION_S = 90
IDLE_S = 12
URGENT_S = 10
TIMING = "#timing"
EXECUTION_RULES = "#execution-rules"
CELEBRATION = "#celebration"
JOIN_PANEL = "#join-panel"
COUNTDOWN = "#turn-countdown"
# The character drawn before a frozen board's reason ("none" when there is none).
_GLYPH = "e => getComputedStyle(e, '::before').content"
# A retrace ghost is on the board, drawn solid (its background not see-through).
_SOLID_GHOST = """() => [...document.querySelectorAll('#board .square.is-ghost')].some(e => {
  const colour = getComputedStyle(e, '::before').backgroundColor;
  return colour.startsWith('rgb(') || /^rgba\\(.*, 1\\)$/.test(colour); })"""
_ANIMATION = "e => getComputedStyle(e).animationName"
_LAST_SEQ = """code => JSON.parse(localStorage.getItem(`electric-maze:seat:${code}`)).last_seq"""


def said(key: str, **params: object) -> str:
    """A string of the English catalogue with its placeholders filled."""
    text = dom.english(key)
    for name, value in params.items():
        text = text.replace(f"{{{name}}}", str(value))
    return text


def clock(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"


def seconds(shown: str) -> int:
    minutes, rest = shown.split(":")
    return int(minutes) * 60 + int(rest)


async def signed_in(server: LiveServer, workshop: Message) -> Facilitator:
    facilitator = Facilitator(server, workshop)
    await facilitator.sign_in()
    return facilitator


async def ann_and_ben(
    browsing: Browsing, server: LiveServer, code: str, facilitator: Facilitator
) -> tuple[Page, Page]:
    """Ann on a phone and Ben on a desktop, seated in that order."""
    ann = await browsing.open("Ann, phone", phone=True)
    ben = await browsing.open("Ben, desktop")
    await dom.join_by_link(ann, server, code, "Ann")
    await dom.join_by_link(ben, server, code, "Ben")
    await facilitator.wait_until("two players", lambda team: len(team["players"]) == 2)
    return ann, ben


async def step(facilitator: Facilitator, page: Page, at: Square) -> None:
    before = facilitator.seq
    await dom.tap(page, at)
    await facilitator.wait_past(before, f"the step onto {at}")


async def walk_the_path(facilitator: Facilitator, page: Page) -> None:
    for at in facilitator.path:
        await step(facilitator, page, at)


async def expect_glyph(page: Page, glyph: str | None) -> None:
    frozen = page.locator(dom.FROZEN_REASON)
    await expect(frozen).to_be_visible()
    content = await frozen.evaluate(_GLYPH)
    if glyph is None:
        assert content == "none", f"a frozen board's reason starts with {content}"
    else:
        assert glyph in content, f"the frozen board's reason starts with {content}, not {glyph}"


async def test_the_execution_shows_its_rules_its_time_with_penalties_and_the_result(
    live_server: LiveServer, browsing: Browsing, request
):
    name = request.node.originalname
    workshop = await create_workshop(
        live_server, {"maze": SMALL_MAZE, "rules": {"execution_error_s": ERROR_S}}
    )
    code = join_code(workshop)
    facilitator = await signed_in(live_server, workshop)
    try:
        screen = await browsing.open("big screen", viewport=PROJECTOR)
        await screen.goto(live_server.url(f"/screen/{code}"))
        ann, ben = await ann_and_ben(browsing, live_server, code, facilitator)

        # Learning: Ann finds the path at once; the board waits with a tick, not a pause sign.
        await facilitator.command({"type": "start_learning"})
        await walk_the_path(facilitator, ann)
        await dom.expect_phase(ann, "review")
        await expect(ann.locator(dom.FROZEN_REASON)).to_have_text(said("frozen.review_found"))
        await expect_glyph(ann, "✓")
        await expect(ann.locator(EXECUTION_RULES)).to_be_hidden()

        # Execution: the rules stay on the phone, with the cost of a beep from the rules.
        await facilitator.command({"type": "predict", "seconds": PREDICTION_S})
        await facilitator.command({"type": "start_execution"})
        for page in (ann, ben):
            await dom.expect_phase(page, "execution")
            await expect(page.locator(EXECUTION_RULES)).to_have_text(
                said("execution.rules_cost", time=clock(ERROR_S))
            )
            await expect(page.locator(TIMING)).to_have_text(
                said("timing.prediction", time=clock(PREDICTION_S))
            )
        await expect(screen.locator(TIMING)).to_contain_text(
            said("timing.prediction", time=clock(PREDICTION_S))
        )
        await save_screenshot(ann, name, "phone-execution-start")

        # A pause shows the pause sign.
        await facilitator.command({"type": "pause"})
        await expect_glyph(ann, "❚❚")
        await facilitator.command({"type": "resume"})
        await expect(ann.locator(dom.FROZEN_REASON)).to_be_hidden()

        # An execution error: the time with penalties adds the rules' seconds for it.
        await step(facilitator, ann, facilitator.path[0])
        await step(facilitator, ann, facilitator.wrong_square())
        assert facilitator.team["execution_errors"] == 1
        # The way back, drawn square by square, by a ghost that is easy to see.
        await screen.wait_for_function(_SOLID_GHOST, timeout=3000)
        adjusted = re.compile(
            rf"^{re.escape(dom.english('phase.execution'))}: (\d+:\d\d) \+ "
            rf"{clock(ERROR_S)} for 1 error = (\d+:\d\d)$"
        )
        for page in (ann, screen):
            await expect(page.locator(dom.FAILURES)).to_have_text("1")
            await expect(page.locator("#failures-label")).to_have_text(said("status.errors"))
            line = page.locator(f"{TIMING} p").first
            await expect(line).to_have_text(adjusted)
            raw, total = adjusted.findall(await line.inner_text())[0]
            assert seconds(total) == seconds(raw) + ERROR_S, (raw, total)
        # Every walker's new step does not take the lasting note away.
        await step(facilitator, ann, facilitator.path[0])
        await expect(ann.locator(EXECUTION_RULES)).to_be_visible()
        await save_screenshot(ann, name, "phone-execution-after-an-error")
        await save_screenshot(screen, name, "screen-execution-after-an-error")

        # Ann crosses: the celebration is short, as the clock runs and Ben walks next.
        for at in facilitator.path[1:]:
            await step(facilitator, ann, at)
        assert facilitator.team["phase"] == "execution"
        await expect(ben.locator(CELEBRATION)).to_be_visible()
        await expect(ben.locator(CELEBRATION)).to_be_hidden(timeout=2000)
        await dom.expect_turn(ben, True)

        # Ben crosses: done. The team's result, on the phones and the big screen.
        await walk_the_path(facilitator, ben)
        for page in (ann, screen):
            await dom.expect_phase(page, "done")
            await expect(page.locator(f"{TIMING} p")).to_have_text(
                [
                    re.compile(r"^Learning: \d+:\d\d · 0 failures$"),
                    re.compile(
                        rf"^Execution: \d+:\d\d \+ {clock(ERROR_S)} for 1 error = \d+:\d\d$"
                    ),
                    re.compile(rf"^Predicted {clock(PREDICTION_S)}; took \d+:\d\d with penalties$"),
                ]
            )
        await expect_glyph(ann, "✓")
        await expect(screen.locator(JOIN_PANEL)).to_be_hidden()
        await save_screenshot(ann, name, "phone-done")

        # The workshop ends: the figure beside the execution clock is still its errors.
        await facilitator.command({"type": "end"})
        for page in (ann, screen):
            await dom.expect_phase(page, "debrief")
            await expect(page.locator("#failures-label")).to_have_text(said("status.errors"))
            await expect(page.locator(dom.FAILURES)).to_have_text("1")
            await expect(page.locator(f"{TIMING} p")).to_have_count(3)
        await expect_glyph(ann, None)
        await expect(screen.locator(JOIN_PANEL)).to_be_hidden()
        await expect(screen.get_by_text(said("screen.join_title"))).to_be_hidden()
        for page, label in ((ann, "phone-ended"), (screen, "screen-ended")):
            await save_screenshot(page, name, label)
            await assert_accessible(page, label)

        # A newcomer is told it has ended, with nothing to fill in.
        late = await browsing.open("Cy, late", phone=True)
        await late.goto(live_server.url(f"/join/{code}?name=Cy"))
        await expect(late.locator(dom.JOIN_NOTE)).to_have_text(said("note.ended"))
        await expect(dom.name_field(late)).to_be_hidden()
        await expect(dom.join_button(late)).to_be_hidden()
        await late.wait_for_timeout(300)
        await expect(late.locator(dom.JOIN_ERROR)).to_be_empty()  # no join was tried
        await save_screenshot(late, name, "join-ended")
    finally:
        await facilitator.close()


async def test_a_player_who_lets_the_turn_run_out_is_warned_and_told_in_the_second_person(
    live_server: LiveServer, browsing: Browsing, request
):
    workshop = await create_workshop(
        live_server, {"maze": SMALL_MAZE, "rules": {"idle_timeout_s": IDLE_S}}
    )
    code = join_code(workshop)
    facilitator = await signed_in(live_server, workshop)
    try:
        ann = await browsing.open("Ann, phone", phone=True)
        ben = await browsing.open("Ben, phone", phone=True)
        await dom.join_by_link(ann, live_server, code, "Ann")
        await dom.join_by_link(ben, live_server, code, "Ben")
        await facilitator.wait_until("two players", lambda team: len(team["players"]) == 2)
        await facilitator.command({"type": "start_learning"})
        await dom.expect_turn(ann, True)

        countdown = ann.locator(COUNTDOWN)
        await expect(countdown).to_have_text(re.compile(r"^0:1[12] left$"))
        await expect(countdown).not_to_have_class(re.compile(r"\bis-urgent\b"))
        # The last seconds stand out, and pulse unless the person asked for less motion.
        await expect(countdown).to_have_class(
            re.compile(r"\bis-urgent\b"), timeout=(IDLE_S - URGENT_S + 1.5) * 1000
        )
        assert await countdown.evaluate(_ANIMATION) != "none"
        await ann.emulate_media(reduced_motion="reduce")
        assert await countdown.evaluate(_ANIMATION) == "none"
        await save_screenshot(ann, request.node.originalname, "phone-turn-running-out")

        await expect(ben.locator(dom.BODY)).to_have_attribute(
            "data-your-turn", "true", timeout=IDLE_S * 1000
        )
        await expect(ann.locator(dom.ALERT)).to_have_text(said("event.you_turn_lost.idle"))
        await expect(ann.locator("#last-event")).not_to_contain_text("Ann")
        await expect(ben.locator("#announcer")).to_have_text(
            said("event.turn_lost.idle", name="Ann")
        )
    finally:
        await facilitator.close()


async def test_a_phone_switching_language_mid_game_does_not_announce_its_own_return(
    live_server: LiveServer, browsing: Browsing
):
    workshop = await create_workshop(live_server, {"maze": SMALL_MAZE})
    code = join_code(workshop)
    facilitator = await signed_in(live_server, workshop)
    try:
        ann, ben = await ann_and_ben(browsing, live_server, code, facilitator)
        await facilitator.command({"type": "start_learning"})
        await dom.expect_turn(ann, True)

        await ann.goto(live_server.url(f"/join/{code}?lang=es"))
        await expect(ann.locator("html")).to_have_attribute("lang", "es")
        await dom.expect_turn(ann, True)
        # The others hear that Ann is back...
        await expect(ben.locator("#last-event")).to_have_text(said("event.back", name="Ann"))
        back = facilitator.seq
        await facilitator.wait_until(
            "Ann connected", lambda team: all(p["connected"] for p in team["players"])
        )
        # ...and Ann's own phone, which has heard it too, says nothing of it.
        await ann.wait_for_function(f"() => ({_LAST_SEQ})('{code}') >= {back}")
        for region in ("#announcer", dom.ALERT, "#last-event"):
            await expect(ann.locator(region)).not_to_contain_text("Ann")
    finally:
        await facilitator.close()
