"""The trainers' pages in headless Chromium, against a server with a library password.

The library is filled by importing log files that bots played: a workshop of two teams (with a
penalty and a huddle) and two one-team workshops of earlier days (one with delayed beeps). Each
test checks what the trainer sees against the log itself: the board and the events at a moment
of a replay, the measures of the compare view.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import FilePayload, Page, expect

from game import commands as cmd
from game.bots import play_session
from game.events import Event, TeamSpec
from game.metrics import session_metrics
from game.projections import facilitator_view
from game.replay import LogError, Replay, read_log, write_log
from game.rules import decide
from game.settings import Settings, parse_maze
from game.state import SessionState, apply
from tests.e2e.conftest import browser, browsing, playwright
from tests.e2e.support import Browsing, LiveServer, assert_accessible, save_screenshot
from tests.facilitator.test_trainer_pages import (
    DAY_S,
    DELAYED_BEEPS,
    TUESDAY,
    bot_log,
    two_team_log,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")
__all__ = ["browser", "browsing", "playwright"]  # fixtures shared with tests/e2e

PASSWORD = "a long pass phrase"
WAIT_MS = 10_000
GAP_CAP_S = 5.0  # the longest stretch between two events in playback at 1x (replay.js)
MARK_COLUMN_PX = 4  # the timeline shows at most one mark per lane in this width (timeline.js)


@dataclass
class Library:
    server: LiveServer
    logs: dict[str, str]  # workshop id -> the log file imported
    two_teams: str  # the workshop of two teams
    offsite: str  # a one-team workshop with delayed beeps, three days earlier
    kickoff: str  # a one-team workshop, eight days earlier

    def events(self, workshop_id: str) -> list[Event]:
        return read_log(self.logs[workshop_id])


def _import(server: LiveServer, text: str) -> str:
    request = urllib.request.Request(
        server.url("/api/library/import"),
        text.encode(),
        # urllib would call it a form, which the import refuses (415)
        {"Authorization": f"Bearer {PASSWORD}", "Content-Type": "application/x-ndjson"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        workshop_id: str = json.loads(answer.read())["workshop_id"]
        return workshop_id


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    server = LiveServer(tmp_path_factory.mktemp("library"), env={"ADMIN_PASSWORD": PASSWORD})
    server.start()
    try:
        logs = {}
        made = [
            two_team_log(seed=21, title="Leadership cohort, spring", start=TUESDAY),
            bot_log(
                seed=5,
                title="Operations offsite",
                start=TUESDAY - 3 * DAY_S,
                settings=DELAYED_BEEPS,
            ),
            bot_log(seed=7, title="Sales kickoff", start=TUESDAY - 8 * DAY_S),
        ]
        for text in made:
            logs[_import(server, text)] = text
        two_teams, offsite, kickoff = logs
        yield Library(server, logs, two_teams, offsite, kickoff)
    finally:
        server.stop()


async def logged_in(browsing: Browsing, library: Library, label: str, **options: Any) -> Page:
    page = await browsing.open(label, **options)
    answer = await page.request.post(
        library.server.url("/api/library/login"), data={"password": PASSWORD}
    )
    assert answer.status == 204
    return page


async def ready(page: Page) -> None:
    await expect(page.locator("body")).to_have_attribute("data-state", "ready", timeout=WAIT_MS)


async def key(page: Page, combination: str) -> None:
    """A key pressed with nothing focused, as a trainer watching the replay would."""
    await page.evaluate("() => document.activeElement?.blur()")
    await page.keyboard.press(combination)


async def no_sideways_scroll(page: Page) -> None:
    widths = await page.evaluate("() => [document.scrollingElement.scrollWidth, innerWidth]")
    assert widths[0] <= widths[1], f"the page scrolls sideways: {widths}"


# --- the library ---------------------------------------------------------------------------------


async def test_without_a_password_the_library_only_says_how_to_open_it(
    browsing: Browsing, live_server: LiveServer, request: pytest.FixtureRequest
) -> None:
    page = await browsing.open("closed library")
    browsing.problems.expect(r"status of 403 .*/library")  # the page itself, on purpose
    await page.goto(live_server.url("/library"))
    await expect(page.locator("h1")).to_have_text("The library is closed")
    await expect(page.locator("main")).to_contain_text("ADMIN_PASSWORD")
    assert await page.locator("main form, main input, main a").count() == 0
    await assert_accessible(page, "closed library")
    await save_screenshot(page, request.node.name, "closed")


async def test_the_library_behind_its_password(
    browsing: Browsing, library: Library, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    name = request.node.name
    page = await browsing.open("library", timezone_id="UTC")
    # The wrong password and the tampered log are refused on purpose.
    browsing.problems.expect(r"status of 401 .*/api/library/login")
    browsing.problems.expect(r"status of 422 .*/api/library/import")
    await page.goto(library.server.url("/library"))
    await expect(page.locator("#login-form")).to_be_visible()
    assert await page.locator("#workshops").count() == 0
    await page.fill("#password", "not it")
    await page.click("#login-button")
    await expect(page.locator("#login-error")).to_have_text("That is not the library's password.")
    await save_screenshot(page, name, "login-refused")
    await page.fill("#password", PASSWORD)
    await page.press("#password", "Enter")
    await ready(page)

    # Every workshop, newest first, dated in the viewer's locale, with its teams' measures.
    items = page.locator("#workshops > li")
    await expect(items).to_have_count(3)
    await expect(items.locator(".workshop-title")).to_have_text(
        ["Leadership cohort, spring", "Operations offsite", "Sales kickoff"]
    )
    await expect(items.first.locator(".workshop-date")).to_have_text("Jan 6, 2026, 9:30 AM")
    two = items.first
    await expect(two.locator(".team-table tbody tr")).to_have_count(2)
    summary = session_metrics(library.events(library.two_teams))["teams"]["red"]["learning"]
    red = two.locator('tr[data-team="red"]')
    await expect(red.locator("td").nth(3)).to_have_text(str(summary["failures"]["total"]))
    await expect(red.locator(".outcome")).to_contain_text("Path found")
    # Every workshop's table has its columns at the same places, so they line up down the page,
    # whatever is in them (here, a long team name in one table).
    await two.locator('tr[data-team="red"] th').evaluate(
        "(th) => { th.textContent = 'The red team of the north-western sales region'; }"
    )
    columns = await page.locator(".team-table").evaluate_all(
        "(tables) => tables.map(t => [...t.querySelectorAll('thead th')]"
        ".map(th => { const box = th.getBoundingClientRect(); return [box.left, box.width]; }))"
    )
    assert len(columns) == 3
    assert all(table == columns[0] for table in columns), columns
    await assert_accessible(page, "library")
    await no_sideways_scroll(page)
    await save_screenshot(page, name, "library")

    # Search, dates and outcome, kept in the address.
    await page.fill("#filter-text", "KICKOFF")
    await expect(items).to_have_count(1)
    await expect(page.locator("#results-count")).to_have_text("1 of 3 workshops")
    assert "q=KICKOFF" in page.url
    await page.click("#clear-filters")
    await expect(items).to_have_count(3)
    await page.fill("#filter-from", "2026-01-02")
    await page.fill("#filter-to", "2026-01-05")
    await expect(items.locator(".workshop-title")).to_have_text(["Operations offsite"])
    await page.select_option("#filter-outcome", "running")
    await expect(page.locator("#no-match")).to_be_visible()
    await page.click("#no-match-clear")
    await expect(items).to_have_count(3)
    # The workshop's id, which `electric-maze library` prints and `export` needs, finds it too.
    await expect(items.nth(1).locator(".workshop-facts")).to_contain_text(f"id {library.offsite}")
    await page.fill("#filter-text", library.offsite.upper())
    await expect(items.locator(".workshop-title")).to_have_text(["Operations offsite"])
    await page.click("#clear-filters")
    await expect(items).to_have_count(3)

    # Import without a file: the field says so, as a form does, not as a refused log.
    await page.click("#import-button")
    choose = page.locator("#import-file-error")
    await expect(choose).to_have_text("Choose a log file first.")
    await expect(choose).to_be_visible()
    await expect(page.locator("#import-error")).to_be_empty()
    await expect(page.locator("#import-file")).to_have_attribute("aria-invalid", "true")
    font = await choose.evaluate("(hint) => getComputedStyle(hint).fontFamily")
    assert "mono" not in font.lower(), font
    await save_screenshot(page, name, "import-no-file")

    # A tampered log is refused with its line and reason, and nothing of it is saved.
    tampered, line, reason = _tampered(library.logs[library.kickoff])
    await page.set_input_files("#import-file", files=[_file("tampered.jsonl", tampered)])
    await expect(choose).to_be_empty()
    await page.click("#import-button")
    refusal = page.locator("#import-error")
    await expect(refusal).to_contain_text("tampered.jsonl was not imported.")
    await expect(refusal).to_contain_text(f"Line {line}: {reason}")
    await expect(refusal).to_contain_text("Nothing of it was saved.")
    await expect(items).to_have_count(3)
    await save_screenshot(page, name, "import-refused")

    # A good one is added, and its log downloads as it came.
    fresh = bot_log(seed=31, title="Imported from a colleague", start=TUESDAY + DAY_S)
    await page.set_input_files("#import-file", files=[_file("colleague.jsonl", fresh)])
    await page.click("#import-button")
    await expect(page.locator("#import-status")).to_contain_text("Imported “Imported from")
    await expect(items).to_have_count(4)
    newest = items.first
    await expect(newest.locator(".workshop-title")).to_have_text("Imported from a colleague")
    async with page.expect_download() as download_info:
        await newest.locator(".download-link").click()
    download = await download_info.value
    saved = tmp_path / download.suggested_filename
    await download.save_as(saved)
    assert read_log(saved.read_text("utf-8")) == read_log(fresh)

    # The same file again: the library says it has it, and holds it once.
    await page.set_input_files("#import-file", files=[_file("colleague.jsonl", fresh)])
    await page.click("#import-button")
    await expect(page.locator("#import-status")).to_contain_text(
        "“Imported from a colleague” is already in the library; nothing was added."
    )
    await expect(items).to_have_count(4)

    # Delete asks first; cancelling keeps the workshop, confirming takes it away.
    await newest.locator(".delete-button").click()
    dialog = page.locator("#delete-dialog")
    await expect(dialog).to_be_visible()
    await expect(page.locator("#delete-title")).to_have_text("Delete “Imported from a colleague”?")
    await save_screenshot(page, name, "delete-dialog")
    await page.keyboard.press("Escape")
    await expect(dialog).to_be_hidden()
    await expect(items).to_have_count(4)
    await newest.locator(".delete-button").click()
    await page.click("#delete-confirm")
    await expect(items).to_have_count(3)
    notice = page.locator("#library-notice")  # seen, not only heard
    await expect(notice).to_have_text("Deleted “Imported from a colleague”.")
    await expect(notice).to_be_visible()
    await expect(notice).to_have_attribute("role", "status")
    await save_screenshot(page, name, "deleted")

    phone = await logged_in(browsing, library, "library on a phone", phone=True)
    await phone.goto(library.server.url("/library?lang=es"))
    await ready(phone)
    await expect(phone.locator("h1")).to_have_text("Talleres anteriores")
    await no_sideways_scroll(phone)
    await assert_accessible(phone, "library on a phone, in Spanish")
    await save_screenshot(phone, name, "library-es")


def _file(name: str, text: str) -> FilePayload:
    return {"name": name, "mimeType": "application/x-ndjson", "buffer": text.encode()}


def _tampered(text: str) -> tuple[str, int, str]:
    """The log with one step moved to another square and its checksum made to match: only the
    rules can tell. Returns the file, and the line and reason the server gives."""
    lines = text.splitlines()
    number = next(n for n, line in enumerate(lines) if '"type":"stepped"' in line and n > 12)
    record = json.loads(lines[number])
    row, col = record["square"]
    record["square"] = [row, (col + 2) % 5]
    lines[number] = json.dumps(record, separators=(",", ":"), sort_keys=True)
    header = json.loads(lines[0])
    header["sha256"] = hashlib.sha256(
        "".join(f"{line}\n" for line in lines[1:]).encode()
    ).hexdigest()
    lines[0] = json.dumps(header, separators=(",", ":"))
    tampered = "\n".join(lines) + "\n"
    with pytest.raises(LogError) as refused:
        read_log(tampered)
    return tampered, refused.value.line, refused.value.reason


# --- the replay ----------------------------------------------------------------------------------


def team_at(events: list[Event] | Replay, seq: int, team: str) -> dict[str, Any]:
    replay = events if isinstance(events, Replay) else Replay(events)
    view = facilitator_view(replay.state_at(seq))
    found: dict[str, Any] = next(t for t in view["teams"] if t["id"] == team)
    return found


def scrubbed(events: list[Event], team: str) -> list[Event]:
    """The events on the replay's scrubber for a team: its own and the session's."""
    return [e for e in events if getattr(e, "team", None) in (None, team)]


async def at_index(page: Page, index: int) -> None:
    await expect(page.locator("body")).to_have_attribute("data-index", str(index))


LANES = {  # the timeline's lanes: the marks in each, and the events they stand for
    "beep": (".mark-new, .mark-repeat, .mark-error, .mark-beep", {"beeped", "retrace_erred"}),
    "crossing": (".mark-crossing", {"crossed"}),
    "other": (".mark-penalty, .mark-huddle", {"penalty_recorded", "huddle_started"}),
}


async def marks_stand_for(page: Page, shown: list[Event]) -> int:
    """Each lane's marks stand for all its events between them (data-count), one mark at most
    per few pixels of the strip; returns how many marks there are."""
    width = await page.locator("#marks").evaluate("(strip) => strip.getBoundingClientRect().width")
    drawn = 0
    for lane, (selector, types) in LANES.items():
        marks = page.locator("#marks-events").locator(selector)
        counts = [int(n) for n in await marks.evaluate_all("(ms) => ms.map(m => m.dataset.count)")]
        assert sum(counts) == sum(1 for e in shown if e.type in types), lane
        assert len(counts) <= width / MARK_COLUMN_PX + 1, (lane, len(counts), width)
        drawn += len(counts)
    return drawn


async def board_shows(page: Page, events: list[Event] | Replay, seq: int, team: str) -> None:
    """The board is the room at `seq`: its failures, its beeped squares, its walkers (those
    who have stepped on)."""
    await expect(page.locator("#board-box")).to_have_attribute("data-seq", str(seq))
    expected = team_at(events, seq, team)
    await expect(page.locator("#stat-failures")).to_have_text(str(expected["failures"]))
    beeps = page.locator('#board path[stroke="#c0392b"]')
    await expect(beeps).to_have_count(len(expected["beeped"]))
    on_the_maze = [walker for walker in expected["walkers"] if walker["trail"]]
    await expect(page.locator('#board circle[r="16"]')).to_have_count(len(on_the_maze))


async def test_a_replay_is_played_scrubbed_and_stepped(
    browsing: Browsing, library: Library, request: pytest.FixtureRequest
) -> None:
    name = request.node.name
    events = library.events(library.two_teams)
    shown = scrubbed(events, "blue")
    page = await logged_in(
        browsing, library, "replay", permissions=["clipboard-read", "clipboard-write"]
    )
    await page.goto(library.server.url(f"/library/{library.two_teams}/replay?team=blue"))
    await ready(page)
    await expect(page.locator("#workshop-title")).to_have_text("Leadership cohort, spring")
    await expect(page.locator("#team-select")).to_have_value("blue")
    await board_shows(page, events, 1, "blue")

    # The timeline marks every beep, crossing, penalty, huddle and phase change of the team.
    await marks_stand_for(page, shown)
    assert await page.locator("#marks-events .mark-new").count() >= 1
    crossings = [e for e in shown if e.type == "crossed"]
    await expect(page.locator("#marks-events .mark-huddle")).to_have_count(1)
    await expect(page.locator("#marks-events .mark-penalty")).to_have_count(0)  # red's
    phases = {"learning_started", "learning_ended", "execution_started", "execution_ended"}
    changes = sum(1 for e in shown if e.type in phases | {"session_ended"})
    await expect(page.locator("#marks-phases line")).to_have_count(changes)

    # Each mark says what it stands for and when: its tooltip, and its accessible name.
    named = await page.locator("#marks-events > *, #marks-phases > *").evaluate_all(
        "(marks) => marks.map(m => [m.getAttribute('aria-label'),"
        " m.querySelector('title')?.textContent])"
    )
    assert named and all(label and label == title for label, title in named), named
    after = clock(crossings[0].ts - events[0].ts)
    crossing = re.compile(rf"^Crossing(, | and \d+ more, ){after}\b.* after the start$")
    await expect(page.locator("#marks-events .mark-crossing").first).to_have_attribute(
        "aria-label", crossing
    )
    await expect(page.locator("#marks").get_by_role("img", name=crossing)).to_have_count(1)
    learning_started = next(e for e in shown if e.type == "learning_started")
    await expect(page.locator('#marks-phases [data-type="learning_started"]')).to_have_attribute(
        "aria-label",
        re.compile(
            rf"^Phase change, {clock(learning_started.ts - events[0].ts)} after the start: "
        ),
    )

    # Stepping, with the keys and the buttons; the event list follows the cursor.
    await key(page, "ArrowRight")
    await at_index(page, 1)
    await board_shows(page, events, shown[1].seq, "blue")
    current = page.locator('#events [aria-current="step"]')
    await expect(current).to_contain_text("blue 1")
    await key(page, "Shift+ArrowRight")
    await at_index(page, 11)
    await page.click("#step-back")
    await at_index(page, 10)
    await board_shows(page, events, shown[10].seq, "blue")

    # Scrubbing to the middle of the learning phase.
    middle = next(i for i, e in enumerate(shown) if e.type == "beeped" and i > len(shown) // 4)
    await page.locator("#scrubber").fill(str(middle))
    await at_index(page, middle)
    await board_shows(page, events, shown[middle].seq, "blue")
    await expect(current).to_contain_text("Beep!")
    assert team_at(events, shown[middle].seq, "blue")["beeped"], "a beep is on the board"

    # A click on the chart goes to that minute of the learning phase.
    x = await page.evaluate(
        "() => Chart.getChart(document.querySelector('#chart')).scales.x.getPixelForValue(2)"
    )
    await page.locator("#chart").click(position={"x": x, "y": 60})
    await expect(page.locator("body")).not_to_have_attribute("data-index", str(middle))
    index = int(await page.locator("body").get_attribute("data-index") or 0)
    await board_shows(page, events, shown[index].seq, "blue")
    cursor = int(await page.locator("#chart-figure").get_attribute("data-cursor") or 0)
    assert 120 <= cursor <= 120 + 15, cursor  # the first event at or after 2:00

    # The moment the path was found: the first crossing.
    found = shown.index(crossings[0])
    await page.click("#jump-found")
    await at_index(page, found)
    await board_shows(page, events, crossings[0].seq, "blue")
    await expect(current).to_contain_text("crossed")
    cursor = int(await page.locator("#chart-figure").get_attribute("data-cursor") or -9)
    learning = session_metrics(events[: crossings[0].seq])["teams"]["blue"]["learning"]
    assert abs(cursor - learning["duration_s"]) <= 1, cursor  # the chart's cursor is there too

    # The link opens this moment, of this team, elsewhere.
    await page.click("#copy-link")
    await expect(page.locator("#copy-status")).to_contain_text(f"event {found + 1} copied")
    link = await page.evaluate("navigator.clipboard.readText()")
    assert link.endswith(f"/replay?team=blue&seq={crossings[0].seq}"), link
    other = await logged_in(browsing, library, "replay from a link", phone=True)
    await other.goto(link)
    await ready(other)
    await expect(other.locator("body")).to_have_attribute("data-seq", str(crossings[0].seq))
    await board_shows(other, events, crossings[0].seq, "blue")
    await no_sideways_scroll(other)
    await assert_accessible(other, "replay on a phone")
    await save_screenshot(other, name, "replay-path-found")

    # The hidden path: on by default, off with H (to show a group), back with H.
    path = team_at(events, 1, "blue")["path"]
    numbers = page.locator('#board text[fill="#0b3d66"]')
    await expect(numbers).to_have_count(len(path))

    # A walker's badge leaves the number of the square it stands on readable.
    standing = next(
        (i, path.index(walker["trail"][-1]))
        for i, e in enumerate(shown)
        for walker in team_at(events, e.seq, "blue")["walkers"]
        if walker["trail"] and walker["trail"][-1] in path
    )
    await page.locator("#scrubber").fill(str(standing[0]))
    await board_shows(page, events, shown[standing[0]].seq, "blue")
    number = numbers.nth(standing[1])
    await expect(number).to_have_text(str(standing[1] + 1))
    await number.scroll_into_view_if_needed()
    on_top = await number.evaluate(
        """(text) => {
            const box = text.getBoundingClientRect();
            return document.elementFromPoint(box.right - 1, box.bottom - 1) === text;
        }"""
    )
    assert on_top, "the walker's badge covers the square's number"
    await page.locator("#scrubber").fill(str(found))
    await at_index(page, found)

    await key(page, "h")
    await expect(page.locator("#show-path")).not_to_be_checked()
    await expect(numbers).to_have_count(0)
    await save_screenshot(page, name, "replay-path-hidden")
    # A link copied now opens with the path hidden too, as a group should see it.
    await page.click("#copy-link")
    await expect(page.locator("#copy-status")).to_contain_text(f"event {found + 1} copied")
    hidden = await page.evaluate("navigator.clipboard.readText()")
    assert hidden.endswith(f"/replay?team=blue&seq={crossings[0].seq}&path=hidden"), hidden
    group = await logged_in(browsing, library, "replay for a group")
    await group.goto(hidden)
    await ready(group)
    await expect(group.locator("body")).to_have_attribute("data-seq", str(crossings[0].seq))
    await expect(group.locator("#show-path")).not_to_be_checked()
    await expect(group.locator("body")).to_have_attribute("data-path", "hidden")
    await expect(group.locator('#board text[fill="#0b3d66"]')).to_have_count(0)
    await expect(group.locator("#stat-progress")).to_be_hidden()
    await key(page, "h")
    await expect(numbers).to_have_count(len(path))
    await expect(page).not_to_have_url(re.compile("path=hidden"))

    # Playing at 16x: the events come at their own pace divided by 16, long gaps shortened.
    await key(page, "Home")
    await at_index(page, 0)
    await key(page, "5")
    await expect(page.locator("#speed-16")).to_be_checked()
    started = time.monotonic()
    await key(page, "Space")
    await expect(page.locator("body")).to_have_attribute("data-playing", "true")
    await page.wait_for_timeout(1500)
    await key(page, "Space")
    elapsed = time.monotonic() - started
    await expect(page.locator("body")).to_have_attribute("data-playing", "false")
    reached = int(await page.locator("body").get_attribute("data-index") or 0)
    assert 2 <= reached <= reached_by(shown, 16, elapsed + 0.3), (reached, elapsed)
    await board_shows(page, events, shown[reached].seq, "blue")
    await page.wait_for_timeout(300)
    await at_index(page, reached)  # paused: it stays

    await key(page, "End")
    await at_index(page, len(shown) - 1)
    await board_shows(page, events, shown[-1].seq, "blue")
    await page.locator("#scrubber").fill(str(found))
    await assert_accessible(page, "replay")
    await no_sideways_scroll(page)
    await save_screenshot(page, name, "replay")


def reached_by(shown: list[Event], speed: int, seconds: float) -> int:
    """The furthest event playback may have reached after `seconds` at `speed`."""
    spent = 0.0
    for index in range(1, len(shown)):
        spent += min(GAP_CAP_S, shown[index].ts - shown[index - 1].ts) / speed
        if spent > seconds:
            return index - 1
    return len(shown) - 1


def clock(seconds: float) -> str:
    """m:ss, as the pages write a duration."""
    return f"{int(seconds) // 60}:{int(seconds) % 60:02d}"


def learning_runs(events: list[Event], seq: int, team: str) -> bool:
    """Whether the team's learning clock is running right after `seq`."""
    view = team_at(events, seq, team)
    clock = view["learning"]
    return (
        view["phase"] == "learning"
        and clock["started_at"] is not None
        and view["paused_since"] is None
    )


async def test_playback_keeps_the_log_s_own_time(
    browsing: Browsing, library: Library, request: pytest.FixtureRequest
) -> None:
    """At 1x a second of the log lasts a second and the clocks run between events; a long
    stretch without events is fast-forwarded, and the page says so."""
    events = library.events(library.two_teams)
    shown = scrubbed(events, "blue")
    gaps = [(i, shown[i + 1].ts - shown[i].ts) for i in range(len(shown) - 1)]
    running = [(i, gap) for i, gap in gaps if learning_runs(events, shown[i].seq, "blue")]
    short = next(i for i, gap in running if 3 <= gap <= GAP_CAP_S)
    long, long_gap = next((i, gap) for i, gap in running if gap >= 2 * GAP_CAP_S)
    page = await logged_in(browsing, library, "playback")
    await page.goto(library.server.url(f"/library/{library.two_teams}/replay?team=blue"))
    await ready(page)
    learning = page.locator("#stat-learning")
    note = page.locator("#gap-note")

    await page.locator("#scrubber").fill(str(short))
    await at_index(page, short)
    await key(page, "1")
    before = await learning.text_content() or ""
    await key(page, "Space")
    await expect(learning).not_to_have_text(before, timeout=2500)  # within a second or so
    await at_index(page, short)  # ... and the next event, 3 s or more later, is still to come
    await expect(note).to_be_empty()
    await key(page, "Space")
    paused = await learning.text_content() or ""
    await page.wait_for_timeout(1000)
    await expect(learning).to_have_text(paused)  # a pause stops the clocks where they are
    await at_index(page, short)

    await page.locator("#scrubber").fill(str(long))
    await at_index(page, long)
    await key(page, "Space")
    await expect(note).to_have_text(
        f"Fast-forwarding through {clock(long_gap)} with nothing happening."
    )
    await at_index(page, long)
    await save_screenshot(page, request.node.name, "fast-forward")
    # At 4x, on to the next event within GAP_CAP_S / 4, not the log's own gap / 4 (twice that
    # or more).
    await key(page, "3")
    await expect(page.locator("body")).not_to_have_attribute(
        "data-index", str(long), timeout=2 * GAP_CAP_S / 4 * 1000
    )
    await key(page, "Space")
    await expect(page.locator("body")).to_have_attribute("data-playing", "false")


async def test_without_the_path_the_replay_shows_only_what_the_room_saw(
    browsing: Browsing, library: Library, request: pytest.FixtureRequest
) -> None:
    events = library.events(library.offsite)
    shown = scrubbed(events, "bots")
    wrong = next(
        i
        for i, e in enumerate(shown)
        if e.type == "stepped"
        and not getattr(e, "safe", True)
        and any(w["pending_beep"] for w in team_at(events, e.seq, "bots")["walkers"])
    )
    page = await logged_in(browsing, library, "path hidden")
    await page.goto(library.server.url(f"/library/{library.offsite}/replay?seq={shown[wrong].seq}"))
    await ready(page)
    await at_index(page, wrong)
    current = page.locator('#events [aria-current="step"]')
    listed = page.locator("#events")
    pending = page.locator('#board circle[stroke="#E69F00"]')  # the beep still to come
    progress = page.locator("#stat-progress")
    labels = (
        "() => Chart.getChart(document.querySelector('#chart')).data.datasets.map(d => d.label)"
    )
    beep_marks = page.locator("#marks-events .mark-beep")

    # The facilitator's view: the delayed beep, new failures, the path found.
    await expect(current).to_contain_text("(wrong: the beep is delayed)")
    await expect(listed).to_contain_text("(new)")
    await expect(pending).to_have_count(1)
    await expect(progress).to_be_visible()
    assert await page.evaluate(labels) == ["New failures", "Repeat failures", "Path found"]
    assert await page.locator("#marks-events .mark-new").count() >= 1
    await expect(beep_marks).to_have_count(0)

    # The room's: none of it, the same failures counted.
    failures = await page.locator("#stat-failures").text_content()
    await page.click('label[for="show-path"]')
    await expect(page.locator("#show-path")).not_to_be_checked()
    await expect(current).not_to_contain_text("the beep is delayed")
    await expect(listed).not_to_contain_text("(new)")
    await expect(pending).to_have_count(0)
    await expect(progress).to_be_hidden()
    assert await page.evaluate(labels) == ["Failures"]
    await expect(page.locator("#marks-events").locator(".mark-new, .mark-repeat")).to_have_count(0)
    await marks_stand_for(page, shown[: wrong + 1])  # up to the cursor: nothing to come
    await expect(page.locator("#stat-failures")).to_have_text(failures or "")
    # The chart is the room's too: the failures up to this moment, none still to come.
    bars = (
        "() => Chart.getChart(document.querySelector('#chart')).data.datasets[0].data"
        ".map(p => [p.x, p.y])"
    )
    assert await page.evaluate(bars) == per_minute(events, shown[wrong].seq, "bots")
    assert sum(y for _, y in await page.evaluate(bars)) == int(failures or -1)
    total = session_metrics(events)["teams"]["bots"]["learning"]["failures"]["total"]
    assert int(failures or -1) < total
    await expect(page.locator("#chart")).to_have_attribute(
        "aria-label", f"Bots: failures per minute; {failures} in all."
    )
    await expect(page.locator(".marks-legend li:visible")).not_to_contain_text(["New failure"])
    # Nor does the timeline: its marks come as the replay reaches them.
    assert await marks_beyond_cursor(page) == 0
    assert await page.locator("#marks-events .mark-crossing").count() == 0
    await key(page, "ArrowRight")  # stepping on keeps it hidden
    await at_index(page, wrong + 1)
    await expect(listed).not_to_contain_text("(new)")
    await expect(listed).not_to_contain_text("the beep is delayed")
    await assert_accessible(page, "replay without the path")
    await save_screenshot(page, request.node.name, "path-hidden")
    later = next(i for i in range(wrong + 1, len(shown)) if shown[i].type == "beeped")
    await page.locator("#scrubber").fill(str(later))
    await board_shows(page, events, shown[later].seq, "bots")
    assert await page.evaluate(bars) == per_minute(events, shown[later].seq, "bots")
    await key(page, "End")
    await at_index(page, len(shown) - 1)
    await expect(page.locator("#chart")).to_have_attribute(
        "aria-label", f"Bots: failures per minute; {total} in all."
    )
    assert await page.evaluate(bars) == per_minute(events, shown[-1].seq, "bots")
    await expect(page.locator("#marks-events .mark-crossing")).not_to_have_count(0)
    await expect(beep_marks).not_to_have_count(0)  # a beep, not told new or repeat
    await expect(page.locator("#marks-events").locator(".mark-new, .mark-repeat")).to_have_count(0)

    await page.locator("#scrubber").fill(str(wrong))
    await at_index(page, wrong)
    await key(page, "h")
    await expect(listed).to_contain_text("(new)")
    await expect(progress).to_be_visible()
    assert await page.evaluate(labels) == ["New failures", "Repeat failures", "Path found"]


async def marks_beyond_cursor(page: Page) -> int:
    """The timeline's marks and phase lines to the right of its cursor."""
    count: int = await page.evaluate(
        """() => {
          const at = parseFloat(document.querySelector('#marks-cursor').getAttribute('x1'));
          const xs = [...document.querySelectorAll('#marks-events use, #marks-phases line')]
            .map((node) => parseFloat(node.getAttribute('x') ?? node.getAttribute('x1')));
          return xs.filter((x) => x > at + 0.001).length;
        }"""
    )
    return count


def per_minute(events: list[Event], seq: int | None, team: str) -> list[list[float]]:
    """The learning phase's failures per minute as known right after `seq` (None: at the end),
    as chart points in the middle of each minute."""
    learning = session_metrics(events[:seq])["teams"][team]["learning"]
    return [[b["minute"] + 0.5, b["new"] + b["repeat"]] for b in learning["per_minute"]]


# --- compare -------------------------------------------------------------------------------------


async def test_teams_of_several_workshops_are_compared(
    browsing: Browsing, library: Library, request: pytest.FixtureRequest
) -> None:
    name = request.node.name
    page = await logged_in(browsing, library, "compare")
    await page.goto(library.server.url("/library"))
    await ready(page)
    two = page.locator(f'[data-workshop="{library.two_teams}"]')
    kickoff = page.locator(f'[data-workshop="{library.kickoff}"]')
    await two.locator('tr[data-team="blue"] input[type="checkbox"]').check()
    await expect(page.locator("#compare-open")).to_be_disabled()
    await kickoff.locator('tr[data-team="bots"] input[type="checkbox"]').check()
    await expect(page.locator("#compare-count")).to_have_text("2 teams chosen to compare")
    await page.click("#compare-open")
    await page.wait_for_url("**/library/compare?ids=*")
    await ready(page)

    columns = page.locator("#compare-head th.team-column")
    await expect(columns).to_have_text(["Blue · Leadership cohort, spring", "Bots · Sales kickoff"])
    blue = session_metrics(library.events(library.two_teams))["teams"]["blue"]["learning"]
    bots = session_metrics(library.events(library.kickoff))["teams"]["bots"]["learning"]
    failures = page.locator('tr[data-measure="fac.m.failures"] td')
    await expect(failures).to_have_text(
        [str(blue["failures"]["total"]), str(bots["failures"]["total"])]
    )
    for chart in ("#failures-chart", "#progress-chart"):
        curves = await page.evaluate(
            f"() => Chart.getChart(document.querySelector('{chart}')).data.datasets"
            ".map(d => [d.label, d.data.length, d.borderDash.join(' '), d.pointStyle])"
        )
        assert [curve[0] for curve in curves] == [
            "Blue · Leadership cohort, spring",
            "Bots · Sales kickoff",
        ]
        assert all(curve[1] >= 2 for curve in curves), curves
        assert curves[0][2:] != curves[1][2:], "the curves differ by more than colour"
    # Each minute's count stands in the middle of its minute, from the first: no invented start.
    points = await page.evaluate(
        "() => Chart.getChart(document.querySelector('#failures-chart')).data.datasets"
        ".map(d => d.data.map(p => [p.x, p.y]))"
    )
    assert points == [
        per_minute(library.events(library.two_teams), None, "blue"),
        per_minute(library.events(library.kickoff), None, "bots"),
    ]
    await assert_accessible(page, "compare")
    await save_screenshot(page, name, "compare")

    # A whole workshop's teams, on a phone: the page names the workshop.
    phone = await logged_in(browsing, library, "compare on a phone", phone=True)
    await phone.goto(library.server.url(f"/library/compare?ids={library.two_teams}"))
    await ready(phone)
    await expect(phone.locator("#compare-head th.team-column")).to_have_text(["Red", "Blue"])
    await expect(phone.locator("h1")).to_have_text("The teams of “Leadership cohort, spring”")
    await expect(phone.locator("#compare-meta")).to_contain_text("played ")
    await expect(phone).to_have_title(re.compile("^The teams of “Leadership cohort, spring”"))
    await no_sideways_scroll(phone)
    await save_screenshot(phone, name, "compare-teams")

    # Four teams on a phone: the table scrolls sideways, the measures' names stay in sight.
    four = ",".join(
        [
            f"{library.two_teams}:red",
            f"{library.two_teams}:blue",
            f"{library.offsite}:bots",
            f"{library.kickoff}:bots",
        ]
    )
    await phone.goto(library.server.url(f"/library/compare?ids={four}"))
    await ready(phone)
    await expect(phone.locator("#compare-head th.team-column")).to_have_count(4)
    await no_sideways_scroll(phone)
    wrap = phone.locator("#app .table-wrap")
    assert await wrap.evaluate("(w) => w.scrollWidth > w.clientWidth"), (
        "the four teams fit without scrolling"
    )
    await wrap.evaluate("(w) => { w.scrollLeft = w.scrollWidth; }")
    row = phone.locator('tr[data-measure="fac.m.failures"]')
    await row.scroll_into_view_if_needed()
    seen = await row.evaluate(
        """(tr) => {
            const wrap = tr.closest('.table-wrap').getBoundingClientRect();
            const box = tr.getBoundingClientRect();
            return document.elementFromPoint(wrap.left + 10, box.top + box.height / 2)?.textContent;
        }"""
    )
    assert seen == "Failures", seen
    await save_screenshot(phone, name, "compare-four-scrolled")


async def test_workshops_of_the_same_title_are_told_apart(
    browsing: Browsing, library: Library, request: pytest.FixtureRequest
) -> None:
    again = bot_log(seed=9, title="Sales kickoff", start=TUESDAY - DAY_S)
    workshop_id = await asyncio.to_thread(_import, library.server, again)
    try:
        page = await logged_in(browsing, library, "same titles", timezone_id="UTC")
        ids = f"{library.kickoff}:bots,{workshop_id}:bots"
        await page.goto(library.server.url(f"/library/compare?ids={ids}"))
        await ready(page)
        expected = [
            "Bots · Sales kickoff (Dec 29, 2025, 9:30 AM)",
            "Bots · Sales kickoff (Jan 5, 2026, 9:30 AM)",
        ]
        await expect(page.locator("#compare-head th.team-column")).to_have_text(expected)
        labels = await page.evaluate(
            "() => Chart.getChart(document.querySelector('#failures-chart')).data.datasets"
            ".map(d => d.label)"
        )
        assert labels == expected
        await save_screenshot(page, request.node.name, "same-titles")
    finally:
        await asyncio.to_thread(_delete, library.server, workshop_id)


# --- a long log ----------------------------------------------------------------------------------


async def test_a_long_log_is_scrubbed_and_stepped(
    browsing: Browsing, library: Library, request: pytest.FixtureRequest
) -> None:
    """More than 10,000 events: the timeline keeps a few hundred marks, and the board follows
    the scrubber and the keys anywhere in the log."""
    events = play_session(
        strategy="random",
        maze=parse_maze({"seed": 7}),
        seed=7,
        start=TUESDAY,
        max_learning_steps=6000,
        max_execution_steps=100,
    )
    assert len(events) > 10_000
    workshop_id = await asyncio.to_thread(_import, library.server, write_log(events))
    try:
        replay = Replay(events)
        team = str(getattr(events[-2], "team", ""))
        shown = scrubbed(events, team)
        page = await logged_in(browsing, library, "long replay")
        await page.goto(library.server.url(f"/library/{workshop_id}/replay"))
        await ready(page)
        await board_shows(page, replay, shown[0].seq, team)
        drawn = await marks_stand_for(page, shown)
        assert 10 <= drawn <= 400, drawn
        for fraction in (0.9, 0.1, 0.5, 0.75):
            index = round(fraction * (len(shown) - 1))
            await page.locator("#scrubber").fill(str(index))
            await at_index(page, index)
            await board_shows(page, replay, shown[index].seq, team)
        await key(page, "ArrowRight")
        await at_index(page, index + 1)
        await board_shows(page, replay, shown[index + 1].seq, team)
        await key(page, "End")
        await board_shows(page, replay, shown[-1].seq, team)
        await no_sideways_scroll(page)
        await save_screenshot(page, request.node.name, "long")
    finally:
        await asyncio.to_thread(_delete, library.server, workshop_id)


def _delete(server: LiveServer, workshop_id: str) -> None:
    request = urllib.request.Request(
        server.url(f"/api/library/workshops/{workshop_id}"),
        method="DELETE",
        headers={"Authorization": f"Bearer {PASSWORD}"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 204


def outage_log() -> list[Event]:
    """A short session where the server was away 42 seconds while the team was learning."""
    maze = parse_maze({"seed": 3, "cols": 5, "rows": 6})
    commands: list[cmd.Command] = [
        cmd.CreateSession(
            at=TUESDAY,
            session_id="away",
            title="Server away",
            settings=Settings(),
            teams=(TeamSpec("t1", "Blue", maze),),
        ),
        cmd.Join(at=TUESDAY + 5, team="t1", player="p1", name="Ann"),
        cmd.StartLearning(at=TUESDAY + 10, team="t1"),
        cmd.Step(at=TUESDAY + 12, team="t1", player="p1", square=maze.path[0]),
        cmd.RecordOutage(at=TUESDAY + 62, since=TUESDAY + 20),
        cmd.Step(at=TUESDAY + 64, team="t1", player="p1", square=maze.path[1]),
        cmd.EndSession(at=TUESDAY + 70),
    ]
    state = SessionState()
    events: list[Event] = []
    for command in commands:
        for event in decide(state, command):
            apply(state, event)
            events.append(event)
    return events


async def test_the_server_s_outages_are_told_and_marked(
    browsing: Browsing, library: Library
) -> None:
    workshop_id = await asyncio.to_thread(_import, library.server, write_log(outage_log()))
    try:
        page = await logged_in(browsing, library, "outage replay")
        await page.goto(library.server.url(f"/library/{workshop_id}/replay"))
        await ready(page)
        await expect(page.locator("#outages")).to_contain_text(
            "The server was away 0:42", timeout=WAIT_MS
        )
        await expect(page.locator("#outages")).to_contain_text("no clock counted it")
        mark = page.locator("#marks .mark-outage")
        await expect(mark).to_have_count(1)
        await expect(mark).to_have_attribute("aria-label", "Server away, 1:02 after the start")
    finally:
        await asyncio.to_thread(_delete, library.server, workshop_id)
