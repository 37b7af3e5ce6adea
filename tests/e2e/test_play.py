"""A team plays in real browsers: joining, turns, a beep, a crossing, a refresh, the keyboard."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from playwright.async_api import Page, expect

from tests.e2e import dom
from tests.e2e.support import (
    SMALL_PHONE,
    Browsing,
    Facilitator,
    LiveServer,
    Message,
    Square,
    create_workshop,
    join_code,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

SMALL_MAZE = {"cols": 4, "rows": 4, "path": [[0, 1], [1, 1], [2, 2], [3, 2]]}
MAX_MOVES = 80


@dataclass
class Player:
    name: str
    page: Page
    touch: bool = False


async def signed_in(server: LiveServer, workshop: Message) -> Facilitator:
    facilitator = Facilitator(server, workshop)
    await facilitator.sign_in()
    return facilitator


def player_ids(facilitator: Facilitator) -> dict[str, str]:
    """Nickname -> player id, from the facilitator's view."""
    return {player["name"]: player["id"] for player in facilitator.team["players"]}


async def step_and_wait(facilitator: Facilitator, player: Player, at: Square) -> None:
    """The walker taps a square; wait until the server has decided it."""
    before = facilitator.seq
    await dom.tap(player.page, at, touch=player.touch)
    await facilitator.wait_past(before, f"the server to hear {player.name}'s step onto {at}")


async def test_four_players_and_the_big_screen_play_until_the_path_is_crossed(
    live_server: LiveServer, browsing: Browsing
):
    workshop = await create_workshop(
        live_server,
        {"title": "Leadership day", "maze": {"seed": 5, "difficulty": "easy"}},
    )
    code = join_code(workshop)
    facilitator = await signed_in(live_server, workshop)
    try:
        screen = await browsing.open("big screen", viewport={"width": 1920, "height": 1080})
        await screen.goto(live_server.url(f"/screen/{code}"))
        await dom.expect_phase(screen, "lobby")
        await expect(screen.locator(dom.SHOWN_CODE)).to_have_text(code)

        players = [
            Player("Ann", await browsing.open("Ann, desktop")),
            Player("Ben", await browsing.open("Ben, iPhone", phone=True), touch=True),
            Player("Cyd", await browsing.open("Cyd, small phone", viewport=SMALL_PHONE)),
            Player("Dee", await browsing.open("Dee, desktop")),
        ]
        # One types the code on the home page (in lower case, as phones do); the others
        # follow the link in the QR code.
        await dom.join_from_home(players[0].page, live_server, code.lower(), "Ann")
        for player in players[1:]:
            await dom.join_by_link(player.page, live_server, code, player.name)
        await facilitator.wait_until("four players", lambda t: len(t["players"]) == 4)
        assert [p["name"] for p in facilitator.team["players"]] == ["Ann", "Ben", "Cyd", "Dee"]
        for name in ("Ann", "Ben", "Cyd", "Dee"):
            await expect(screen.locator(dom.BODY)).to_contain_text(name)
            await expect(players[0].page.locator(dom.BODY)).to_contain_text(name)

        await facilitator.command({"type": "start_learning"})
        for page in (screen, *(player.page for player in players)):
            await dom.expect_phase(page, "learning")

        await _play_until_crossed(facilitator, players, screen)

        assert facilitator.team["phase"] == "review"
        assert facilitator.team["path_found"] is True
        assert facilitator.team["failures"] == 1
        for page in (screen, *(player.page for player in players)):
            await dom.expect_phase(page, "review")
    finally:
        await facilitator.close()


async def _play_until_crossed(
    facilitator: Facilitator, players: list[Player], screen: Page
) -> None:
    """Each walker follows the path; the first one beeps after one safe step, and every
    page counts the failure."""
    by_id = {player_ids(facilitator)[player.name]: player for player in players}
    beeped = False
    for _ in range(MAX_MOVES):
        if facilitator.team["phase"] != "learning":
            return
        walker = by_id[facilitator.walker["player"]]
        await dom.expect_turn(walker.page, True)
        for other in players:
            if other is not walker:
                await dom.expect_turn(other.page, False)
                assert await dom.tappable(other.page).count() == 0, other.name
        on_the_maze = bool(facilitator.walker["trail"])
        if not beeped and on_the_maze:
            await step_and_wait(facilitator, walker, facilitator.wrong_square())
            assert facilitator.team["failures"] == 1, facilitator.team
            await dom.beep_is_shown(walker.page)
            for page in (screen, *(player.page for player in players)):
                await expect(page.locator(dom.FAILURES)).to_have_text("1")
            beeped = True
        else:
            await step_and_wait(facilitator, walker, facilitator.next_safe_square())
    raise AssertionError(f"no crossing after {MAX_MOVES} moves: {facilitator.team}")


async def test_a_refresh_mid_turn_keeps_the_seat_and_the_turn(
    live_server: LiveServer, browsing: Browsing
):
    workshop = await create_workshop(live_server, {"maze": SMALL_MAZE})
    code = join_code(workshop)
    facilitator = await signed_in(live_server, workshop)
    try:
        ann = Player("Ann", await browsing.open("Ann, iPhone", phone=True), touch=True)
        ben = Player("Ben", await browsing.open("Ben, desktop"))
        for player in (ann, ben):
            await dom.join_by_link(player.page, live_server, code, player.name)
        await facilitator.wait_until("two players", lambda t: len(t["players"]) == 2)
        seats = player_ids(facilitator)
        await facilitator.command({"type": "start_learning"})
        assert facilitator.walker["player"] == seats["Ann"]
        await dom.expect_turn(ann.page, True)
        await step_and_wait(facilitator, ann, (0, 1))
        assert seats["Ann"] in await _stored(ann.page)

        await ann.page.reload()

        await dom.expect_phase(ann.page, "learning")
        await dom.expect_turn(ann.page, True)
        await facilitator.wait_until(
            "Ann back on her seat",
            lambda t: (
                [(p["id"], p["connected"]) for p in t["players"]]
                == [(seats["Ann"], True), (seats["Ben"], True)]
            ),
        )
        assert player_ids(facilitator) == seats
        assert seats["Ann"] in await _stored(ann.page)
        assert facilitator.walker["player"] == seats["Ann"]
        assert facilitator.walker["trail"] == [[0, 1]]
        await expect(dom.tappable(ann.page).first).to_be_visible()  # the board is drawn again

        await step_and_wait(facilitator, ann, (1, 1))  # and the turn goes on from there
        assert facilitator.walker["trail"] == [[0, 1], [1, 1]]
    finally:
        await facilitator.close()


async def _stored(page: Page) -> str:
    """Everything the page keeps in localStorage, as text."""
    stored: str = await page.evaluate("() => JSON.stringify({...localStorage})")
    return stored


async def test_a_whole_turn_played_with_the_keyboard_alone(
    live_server: LiveServer, browsing: Browsing
):
    workshop = await create_workshop(live_server, {"maze": SMALL_MAZE})
    code = join_code(workshop)
    facilitator = await signed_in(live_server, workshop)
    try:
        page = await browsing.open("Kim, keyboard")
        await dom.join_by_link(page, live_server, code, "Kim")
        await facilitator.command({"type": "start_learning"})
        await dom.expect_turn(page, True)

        await _tab_into_the_board(page)
        for target in facilitator.path:
            before = facilitator.seq
            await _move_focus(page, target)
            # As a person would: Enter once the square shows it may be stepped on.
            await expect(dom.square(page, target)).to_have_attribute("aria-disabled", "false")
            await page.keyboard.press("Enter")
            await facilitator.wait_past(before, f"the step onto {target}")
        # Kim crossed: the path is found and the learning phase is over.
        assert facilitator.team["path_found"] is True
        await dom.expect_phase(page, "review")
    finally:
        await facilitator.close()


async def test_a_square_that_may_not_be_stepped_on_sends_nothing(
    live_server: LiveServer, browsing: Browsing
):
    workshop = await create_workshop(live_server, {"maze": SMALL_MAZE})
    facilitator = await signed_in(live_server, workshop)
    try:
        page = await browsing.open("Ann, iPhone", phone=True)
        sent: list[str] = []
        page.on("websocket", lambda socket: socket.on("framesent", _collect(sent)))
        await dom.join_by_link(page, live_server, join_code(workshop), "Ann")
        await facilitator.command({"type": "start_learning"})
        await dom.expect_turn(page, True)
        await expect(dom.tappable(page)).to_have_count(4)  # the entry row

        off_limits = dom.square(page, (2, 0))  # not in the entry row
        await expect(off_limits).to_have_attribute("aria-disabled", "true")
        before = len(sent)
        await off_limits.tap(force=True)
        await off_limits.click(force=True)
        await off_limits.focus()
        await page.keyboard.press("Enter")
        await page.keyboard.press(" ")
        await page.wait_for_timeout(300)
        assert sent[before:] == [], f"a disabled square sent {sent[before:]}"
        await expect(page.locator(dom.MOVE_ERROR)).to_be_empty()

        # The same count sees a square that may be stepped on.
        await step_and_wait(facilitator, Player("Ann", page, touch=True), (0, 1))
        assert [json.loads(frame) for frame in sent[before:]] == [
            {"type": "step", "row": 0, "col": 1}
        ]
    finally:
        await facilitator.close()


def _collect(frames: list[str]) -> Callable[[str | bytes], None]:
    def collect(payload: str | bytes) -> None:
        frames.append(payload if isinstance(payload, str) else payload.decode())

    return collect


_FOCUSED_SQUARE = """() => {
  const e = document.activeElement;
  if (!e || !e.closest('#board') || e.dataset.row === undefined) return null;
  return [Number(e.dataset.row), Number(e.dataset.col)];
}"""

_FOCUS_OFFSET = """([row, col]) => {
  const e = document.activeElement;
  const t = document.querySelector(`#board [data-row="${row}"][data-col="${col}"]`);
  const a = e.getBoundingClientRect(), b = t.getBoundingClientRect();
  return [(b.left + b.width / 2) - (a.left + a.width / 2),
          (b.top + b.height / 2) - (a.top + a.height / 2), b.width, b.height];
}"""


async def _focused_square(page: Page) -> Square | None:
    found = await page.evaluate(_FOCUSED_SQUARE)
    return None if found is None else (found[0], found[1])


async def _tab_into_the_board(page: Page) -> None:
    for _ in range(40):
        await page.keyboard.press("Tab")
        if await _focused_square(page) is not None:
            return
    raise AssertionError("Tab never reached a square of the board (#board [data-row][data-col])")


async def _move_focus(page: Page, target: Square) -> None:
    """Arrow keys towards the target square, as it is drawn on the screen."""
    for _ in range(30):
        here = await _focused_square(page)
        if here == target:
            return
        if here is None:
            raise AssertionError(f"the focus left the board on the way to {target}")
        dx, dy, _width, height = await page.evaluate(_FOCUS_OFFSET, list(target))
        if abs(dy) > height / 2:
            key = "ArrowDown" if dy > 0 else "ArrowUp"
        else:
            key = "ArrowRight" if dx > 0 else "ArrowLeft"
        await page.keyboard.press(key)
        if await _focused_square(page) == here:
            raise AssertionError(f"{key} did not move the focus from {here} towards {target}")
    raise AssertionError(f"the arrow keys never reached {target}")


async def test_a_beep_stays_marked_until_someone_else_steps_and_never_into_the_review(
    live_server: LiveServer, browsing: Browsing
):
    workshop = await create_workshop(
        live_server, {"maze": SMALL_MAZE, "rules": {"learning_ends": "all_crossed"}}
    )
    code = join_code(workshop)
    facilitator = await signed_in(live_server, workshop)
    try:
        players = [Player(name, await browsing.open(name)) for name in ("Ann", "Ben", "Cyd")]
        for player in players:
            await dom.join_by_link(player.page, live_server, code, player.name)
        await facilitator.wait_until("three players", lambda t: len(t["players"]) == 3)
        ann, ben, cyd = players
        watcher = cyd.page
        beeps = watcher.locator(dom.BEEP_SHOWN)
        await facilitator.command({"type": "start_learning"})

        await step_and_wait(facilitator, ann, facilitator.wrong_square())  # Ann beeps
        await dom.expect_turn(ben.page, True)
        await expect(beeps).to_have_count(1)  # until Ben steps on the maze
        await step_and_wait(facilitator, ben, facilitator.path[0])
        await expect(beeps).to_have_count(0)
        for square in facilitator.path[1:]:
            await step_and_wait(facilitator, ben, square)
        # Ben crossed; Cyd's turn begins and nobody is on the maze: the beep stays unmarked.
        await dom.expect_turn(cyd.page, True)
        await expect(watcher.locator("#turn-info")).to_be_empty()
        await watcher.wait_for_timeout(300)
        await expect(beeps).to_have_count(0)
        for walker in (cyd, ann):
            for square in facilitator.path:
                await step_and_wait(facilitator, walker, square)
        await dom.expect_phase(watcher, "review")
        await watcher.wait_for_timeout(300)
        await expect(beeps).to_have_count(0)

        # A fresh page sees the review without the learning beep too.
        await watcher.reload()
        await dom.expect_phase(watcher, "review")
        await expect(watcher.locator(dom.SQUARES)).to_have_count(16)
        await expect(beeps).to_have_count(0)
    finally:
        await facilitator.close()


async def test_walking_back_by_hand_marks_the_way_back_and_the_flash_spares_the_banner(
    live_server: LiveServer, browsing: Browsing
):
    workshop = await create_workshop(
        live_server, {"maze": SMALL_MAZE, "rules": {"retrace": "manual"}}
    )
    facilitator = await signed_in(live_server, workshop)
    try:
        page = await browsing.open(
            "Ann, phone held sideways",
            viewport={"width": 844, "height": 390},
            is_mobile=True,
            has_touch=True,
        )
        ann = Player("Ann", page, touch=True)
        await dom.join_by_link(page, live_server, join_code(workshop), "Ann")
        await facilitator.command({"type": "start_learning"})
        for square in facilitator.path[:2]:
            await step_and_wait(facilitator, ann, square)
        await step_and_wait(facilitator, ann, facilitator.wrong_square())
        # While the beep's flash is on, the turn's words are on top of it.
        await expect(page.locator("#flash")).to_be_visible()
        covered = await page.locator("#turn-hint").evaluate(_COVERED)
        assert not covered, f"the flash hides the turn's hint: {covered}"
        await expect(page.locator(dom.TURN_HINT)).to_have_text(dom.english("turn.retrace"))

        # Every square next to Ann may be tapped; the next one of her trail is marked apart.
        way_back = page.locator(f"{dom.SQUARES}.is-way-back")
        await expect(way_back).to_have_count(1)
        await expect(way_back).to_have_attribute("data-row", str(facilitator.path[1][0]))
        await expect(way_back).to_have_attribute("data-col", str(facilitator.path[1][1]))
        await expect(way_back).to_have_attribute(
            "aria-label", re.compile(dom.english("square.way_back"))
        )
        assert await dom.tappable(page).count() > 1
        await step_and_wait(facilitator, ann, facilitator.path[1])
        await expect(way_back).to_have_attribute("data-row", str(facilitator.path[0][0]))
    finally:
        await facilitator.close()


# The element on top at the centre of an element, when it is not that element or inside it
# (the flash lets taps through: for this look, it may be hit).
_COVERED = """e => { const flash = document.getElementById('flash');
  flash.style.pointerEvents = 'auto';
  const r = e.getBoundingClientRect();
  const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  flash.style.pointerEvents = '';
  return e.contains(top) ? null : (top ? top.id || top.className : 'nothing'); }"""
