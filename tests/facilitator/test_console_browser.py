"""The facilitator's pages in headless Chromium, against a running server.

A workshop is set up on the set-up page (its path drawn by clicking), bot players play it to
the end while the console is open, and the debrief and its exports are checked against the
log. The timers are checked on a server whose clock the test sets.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import math
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, expect
from websockets.asyncio.client import connect

from app.simulate import _play, _TeamRun
from app.store import EventStore
from facilitator.exports import download_name
from facilitator.library import save_import
from game.bots import BotTeam
from game.events import from_record
from game.metrics import session_metrics
from game.replay import LogFile, read_log_file
from tests.e2e.conftest import browser, browsing, playwright
from tests.e2e.support import (
    Browsing,
    Facilitator,
    assert_accessible,
    create_workshop,
    save_screenshot,
)
from tests.facilitator.clocked_server import set_time
from tests.live_server import ROOT, STARTUP_TIMEOUT_S, LiveServer

pytestmark = pytest.mark.asyncio(loop_scope="module")
__all__ = ["browser", "browsing", "playwright"]  # fixtures shared with tests/e2e

PATH = [(0, 1), (1, 1), (2, 2), (3, 2)]
THINK_S = 0.12
WAIT_MS = 20_000


# --- helpers ---------------------------------------------------------------------------------


def http_get(server: LiveServer, path: str, token: str) -> bytes:
    request = urllib.request.Request(server.url(path), headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        body: bytes = response.read()
        return body


def log_of(server: LiveServer, workshop_id: str, token: str) -> list[Any]:
    text = http_get(server, f"/api/workshops/{workshop_id}/log", token).decode()
    return [from_record(json.loads(line)) for line in text.splitlines()]


def bots(
    server: LiveServer, team_id: str, code: str, count: int, seed: int
) -> list[asyncio.Task[None]]:
    run = _TeamRun(team_id, code, BotTeam("learner", seed))
    ws = server.ws("")
    return [
        asyncio.create_task(_play(ws, run, n, THINK_S, n / count, lambda _: None))
        for n in range(count)
    ]


async def stop(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def token_of(page: Page) -> str:
    return page.url.split("#", 1)[1]


def csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode())))


async def next_of(socket: Any, *kinds: str) -> dict[str, Any]:
    """The next message of one of these types (an error fails the test)."""
    while True:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(socket.recv(), 10))
        assert message["type"] != "error", message
        if message["type"] in kinds:
            return message


async def a_seat_token(server: LiveServer) -> str:
    """A seat taken in a workshop of its own, then taken back: its token crossed the socket."""
    workshop = await create_workshop(server, {})
    url = server.ws(f"/ws/play/{workshop['teams'][0]['join_code']}")
    async with connect(url) as first:
        await first.send(json.dumps({"type": "join", "name": "Dee"}))
        seat_token: str = (await next_of(first, "welcome"))["seat_token"]
    async with connect(url) as again:
        await again.send(json.dumps({"type": "resume", "seat_token": seat_token}))
        await next_of(again, "resumed", "snapshot")
    return seat_token


def shown_share(value: float) -> float:
    """A share as the page rounds it: a percentage to one decimal, halves up."""
    return math.floor(value * 1000 + 0.5) / 10


def percent(value: float) -> str:
    return f"{shown_share(value):g}%"


def clock(seconds: float | None) -> str:
    """A duration as the pages show it: m:ss, whole seconds down; a dash for none."""
    if seconds is None:
        return "\u2013"
    whole = math.floor(max(0.0, seconds))
    return f"{whole // 60}:{whole % 60:02d}"


def rate(value: float | None) -> str:
    """A rate per minute as the chart's table writes it: to 0.01; a dash for none."""
    if value is None:
        return "\u2013"
    return f"{math.floor(value * 100 + 0.5) / 100:g}"


def figures(bucket: dict[str, Any]) -> list[str]:
    """A minute's seconds covered ("partial: 0:30" for a last minute cut short) and its rates,
    as the chart's table shows them after its counts."""
    covered = clock(bucket["covered_s"])
    return [
        f"partial: {covered}" if bucket["partial"] else covered,
        rate(bucket["new_per_min"]),
        rate(bucket["repeat_per_min"]),
    ]


def progress_by_minute(points: list[dict[str, float]], minutes: int) -> list[str]:
    """The share of the path found by the end of each minute, as the chart's table shows it."""
    shown = []
    for minute in range(minutes):
        reached = [p["progress"] for p in points if p["t"] <= (minute + 1) * 60]
        shown.append(percent(reached[-1] if reached else 0))
    return shown


# Where a chart's step line rises: for each rise wide enough to see, whether the line keeps
# the old level up to the point and rises at the point's own x (not at the point before). The
# x axis is first narrowed to the line's own span, for the rises to lie pixels apart.
RISES = """([selector, index]) => {
  const chart = Chart.getChart(document.querySelector(selector));
  const xs = chart.data.datasets[index].data.map((point) => point.x);
  chart.options.scales.x.max = Math.max(...xs);
  chart.update("none");
  const meta = chart.getDatasetMeta(index);
  const context = document.createElement("canvas").getContext("2d");
  context.lineWidth = 2;
  context.beginPath();
  meta.dataset.path(context);
  const points = meta.data.map((point) => [point.x, point.y]);
  const rises = [];
  for (let i = 1; i < points.length; i += 1) {
    const [x0, y0] = points[i - 1];
    const [x1, y1] = points[i];
    if (y0 - y1 < 4 || x1 - x0 < 6) continue;
    const middle = (x0 + x1) / 2;
    rises.push([
      context.isPointInStroke(middle, y0),
      context.isPointInStroke(middle, y1),
      context.isPointInStroke(x1, (y0 + y1) / 2),
    ]);
  }
  return rises;
}"""


async def assert_rises_when_reached(page: Page, selector: str, dataset: int) -> None:
    rises = await page.evaluate(RISES, [selector, dataset])
    assert rises, f"no rise of {selector} to check"
    assert all(rise == [True, False, True] for rise in rises), rises


async def state_of(page: Page) -> dict[str, str]:
    """What the console shows of its team, to compare two consoles."""
    shown = {}
    for selector in (
        "#team-title",
        "#team-phase",
        "#team-flags",
        "#learning-raw",
        "#learning-adjusted",
        "#execution-raw",
        "#players",
        "#walkers",
        "#penalty-summary",
        "#prediction-now",
        "#huddle-left",
        "#beeps-summary",
        "#live-chart-data tbody",
        "#join-code",
    ):
        shown[selector] = await page.locator(selector).inner_text()
    shown["board"] = await page.locator("#board").inner_html()
    shown["beep map"] = await page.locator("#beep-map").inner_html()
    shown["log"] = "\n".join((await page.locator("#log li").all_inner_texts())[:12])
    return shown


# --- set up, run, debrief, export ------------------------------------------------------------


async def test_a_workshop_is_set_up_run_and_debriefed_from_the_pages(
    live_server: LiveServer, browsing: Browsing, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    name = request.node.name
    page = await browsing.open("facilitator")  # drawing wrong squares logs no error either
    await page.goto(live_server.url("/facilitate/new"))
    await page.get_by_label("Title").fill("Friday workshop")
    await page.get_by_label("Columns").fill("4")
    await page.get_by_label("Rows").fill("4")
    await page.get_by_label("Draw it square by square").check()
    grid = page.locator("#preview-grid")
    status = page.locator("#preview-status")

    async def draw(squares: list[tuple[int, int]]) -> None:
        for row, col in squares:
            await grid.locator(f'[data-row="{row}"][data-col="{col}"]').click()

    # Counted in words that agree with their numbers.
    await draw([(0, 1), (1, 1), (2, 1), (2, 2), (1, 3), (2, 3), (3, 3)])
    await expect(status).to_have_text(
        "A valid path. Path of 7 squares: 4 forward moves, 1 sideways move, and 1 backward move."
    )
    # A square already drawn goes, with every square after it, as the help says.
    await expect(page.locator("#draw-help")).to_contain_text("removes it and every square after it")
    await draw([(1, 1)])
    await expect(status).to_have_text("1 square drawn: go on to the far edge (row 4).")
    await expect(grid.locator(".on-path")).to_have_count(1)

    await draw([(2, 2)])
    await expect(page.locator("#preview-error")).to_contain_text("square 2")
    await page.get_by_role("button", name="Undo last square").click()
    await expect(page.locator("#preview-error")).to_have_text("")
    # Created too soon: the page says why, and says no more once the drawing is right.
    await page.get_by_role("button", name="Create the workshop").click()
    await expect(page.locator("#form-error")).to_contain_text("short of the far edge (row 4)")
    await draw(PATH[1:])
    await expect(status).to_have_text("A valid path. Path of 4 squares: 3 forward moves.")
    await expect(page.locator("#form-error")).to_have_text("")
    await page.get_by_label("Planning time (seconds)").fill("0")
    await assert_accessible(page, "set-up page")
    await save_screenshot(page, name, "setup")
    await page.get_by_role("button", name="Create the workshop").click()
    await expect(page.locator("#created")).to_be_visible()
    link = await page.get_by_label("Console link").input_value()
    code = (await page.locator("#created-teams td.code").all_inner_texts())[0]
    await save_screenshot(page, name, "created")

    await page.goto(link)
    await expect(page.locator("#app")).to_be_visible()
    token = token_of(page)
    workshop_id = page.url.split("/facilitate/", 1)[1].split("#")[0]
    players = bots(live_server, "t1", code, 3, seed=5)
    try:
        await expect(page.locator("#players li")).to_have_count(3, timeout=WAIT_MS)
        await expect(page.locator("#join-code")).to_have_text(code)
        await expect(page.locator("#copy-hint")).to_be_hidden()  # one team: nothing to choose
        # served on 127.0.0.1: the console says phones cannot follow the join links
        await expect(page.locator("#join-base.warning")).to_contain_text("Phones cannot reach")
        await assert_accessible(page, "console in the lobby")
        await save_screenshot(page, name, "console-lobby")
        await page.get_by_role("button", name="Start the learning phase").click()
        await expect(page.locator("#team-phase")).to_have_text("Learning")
        await page.get_by_role("button", name="talking +0:30").click()
        await expect(page.locator("#penalty-summary")).to_contain_text("talking \u00d7 1")
        # A penalty recorded by mistake is taken back.
        await page.get_by_role("button", name="pointing +0:15").click()
        await expect(page.locator("#penalty-summary")).to_contain_text("pointing \u00d7 1")
        await page.get_by_role(
            "button", name="Take back the last penalty (pointing, +0:15)"
        ).click()
        await expect(page.locator("#penalty-summary")).to_have_text("So far: talking \u00d7 1.")
        await expect(page.locator("#log")).to_contain_text("The facilitator took back a penalty.")
        await expect(page.locator("#withdraw-penalty")).to_have_text(
            "Take back the last penalty (talking, +0:30)"
        )

        # Mid-game: pause, and the same link opened elsewhere shows the same console.
        await expect(page.locator("#board circle").first).to_be_attached(timeout=WAIT_MS)
        await page.get_by_role("button", name="Pause").click()
        await expect(page.locator("#team-flags")).to_have_text("Paused")
        await page.wait_for_timeout(1500)  # the metrics that follow the pause
        await assert_accessible(page, "console mid-game")
        await save_screenshot(page, name, "console-paused")
        other = await browsing.open("second device", viewport={"width": 1024, "height": 768})
        await other.goto(page.url)
        await expect(other.locator("#team-flags")).to_have_text("Paused")
        await expect(other.locator("#live-chart-data tbody tr").first).to_be_attached()
        await expect(other.locator("#log li").first).to_be_attached()
        assert await state_of(other) == await state_of(page)
        await save_screenshot(other, name, "console-reopened")
        # On a projector's screen the board and the live chart sit beside the controls.
        wide = await browsing.open("projector", viewport={"width": 1920, "height": 1080})
        await wide.goto(page.url)
        await expect(wide.locator("#team-flags")).to_have_text("Paused")
        for shown in ("#board", "#live-chart", "#penalty-buttons"):
            await expect(wide.locator(shown)).to_be_in_viewport(ratio=1)
        await save_screenshot(wide, name, "console-wide")

        await page.get_by_role("button", name="Resume").click()
        await expect(page.locator("#team-phase")).to_have_text("Review", timeout=WAIT_MS)
        await page.get_by_label("Predicted crossing time (m:ss)").fill("0:20")
        await page.get_by_role("button", name="Save the prediction").click()
        await expect(page.locator("#prediction-now")).to_have_text("Prediction: 0:20.")
        await page.get_by_role("button", name="Start the execution phase").click()
        await expect(page.locator("#team-phase")).to_have_text("Finished", timeout=WAIT_MS)
    finally:
        await stop(players)
    await expect(page.locator("#no-controls")).to_have_text(
        "Every team has finished: end the workshop to close its log, then open the debrief."
    )
    await page.get_by_role("button", name="End the workshop").click()
    await page.locator("#confirm-dialog").get_by_role("button", name="End the workshop").click()
    await expect(page.locator("#ended-banner")).to_be_visible()
    await page.wait_for_timeout(1200)  # the last metrics
    await save_screenshot(page, name, "console-ended")

    # The live chart's data are the metrics computed from the log.
    log = log_of(live_server, workshop_id, token)
    learning = session_metrics(log)["teams"]["t1"]["learning"]
    minutes = max(len(learning["per_minute"]), math.ceil(learning["duration_s"] / 60))
    rows = [
        (await row.locator("th, td").all_text_contents())
        for row in await page.locator("#live-chart-data tbody tr").all()
    ]
    assert rows == [
        [str(b["minute"] + 1), str(b["new"]), str(b["repeat"]), shown, *figures(b)]
        for b, shown in zip(
            learning["per_minute"], progress_by_minute(learning["progress"], minutes), strict=True
        )
    ]
    bars = await page.evaluate(
        "() => Chart.getChart(document.querySelector('#live-chart')).data.datasets"
        ".map((d) => d.data.map((p) => [p.x, p.y]))"
    )
    assert bars[0] == [[b["minute"] + 0.5, b["new"]] for b in learning["per_minute"]]
    assert bars[1] == [[b["minute"] + 0.5, b["repeat"]] for b in learning["per_minute"]]
    line = [[0, 0]] + [[p["t"] / 60, shown_share(p["progress"])] for p in learning["progress"]]
    if learning["duration_s"] / 60 > line[-1][0] + 1e-9:
        line.append([learning["duration_s"] / 60, line[-1][1]])
    # The path found is on its own chart under the bars (it was the bars' third dataset).
    strip = await page.evaluate(
        "() => Chart.getChart(document.querySelector('#live-progress')).data.datasets"
        ".map((d) => d.data.map((p) => [p.x, p.y]))"
    )
    flat = [value for point in strip[0] for value in point]
    assert flat == pytest.approx([value for point in line for value in point])
    # The line rises at the moment each square was reached, as the table says, not a step early.
    await assert_rises_when_reached(page, "#live-progress", 0)

    # The debrief: the measures of the log, team-level unless asked.
    await page.get_by_role("link", name="Debrief", exact=True).click()
    await expect(page.locator("body")).to_have_attribute("data-ready", "true")
    metrics = session_metrics(log)["teams"]["t1"]
    table = page.locator('[data-table="learning"]')
    assert await table.locator('[data-measure="failures"] td').inner_text() == str(
        metrics["learning"]["failures"]["total"]
    )
    assert await table.locator('[data-measure="new"] td').inner_text() == str(
        metrics["learning"]["failures"]["new"]
    )
    assert await table.locator('[data-measure="turns"] td').inner_text() == str(
        metrics["learning"]["turns"]
    )
    execution = page.locator('[data-table="execution"]')
    assert await execution.locator('[data-measure="predicted"] td').inner_text() == "0:20"
    assert await execution.locator('[data-measure="crossings"] td').inner_text() == "3"
    await expect(page.locator(".people")).to_be_hidden()
    await assert_rises_when_reached(page, '[data-figure="failures"] canvas.progress-strip', 0)
    await assert_rises_when_reached(page, '[data-figure="progress"] canvas', 0)
    # Against the prediction, worked out from the times as shown: 1:30 against 1:24 is -0:06.
    compared = await page.evaluate(
        """async () => {
          const page = document.querySelector('script[type="module"]').src;
          const { comparison } = await import(page.replace("debrief.js", "measures.js"));
          return [[84.6, 90], [95.4, 90], [90.7, 90]].map(
            ([adjusted_s, predicted_s]) => comparison({ adjusted_s, predicted_s }),
          );
        }"""
    )
    assert compared == [
        "\u22120:06 (faster than predicted)",
        "+0:05 (slower than predicted)",
        "\u00b10:00 (as predicted)",
    ]
    await assert_accessible(page, "debrief")
    await save_screenshot(page, name, "debrief")
    await page.get_by_label("Show per-person figures").check()
    await expect(page.locator(".people tbody tr")).to_have_count(3)
    assert "people=1" in page.url

    # Exports, each parsed and checked against the log.
    async def export(label: str) -> bytes:
        async with page.expect_download() as started:
            await page.get_by_role("button", name=label).click()
        download = await started.value
        return Path(await download.path()).read_bytes()

    events = csv_rows(await export("Events (CSV)"))
    assert [int(row["seq"]) for row in events] == [event.seq for event in log]
    for record, event in zip(events, log, strict=True):
        when = datetime.fromisoformat(record["time"].replace("Z", "+00:00"))
        assert record["time"].endswith("Z") and abs(when.timestamp() - event.ts) < 0.001
    per_minute = csv_rows(await export("Failures per minute (CSV)"))
    assert [(int(r["new"]), int(r["repeat"])) for r in per_minute] == [
        (b["new"], b["repeat"]) for b in metrics["learning"]["per_minute"]
    ]
    # The path found by each minute's end, as the console's table showed it.
    assert [float(r["path_progress_pct"]) for r in per_minute] == [
        float(row[3].removesuffix("%")) for row in rows
    ]
    summary = csv_rows(await export("Summary (CSV)"))[0]
    assert summary["failures"] == str(metrics["learning"]["failures"]["total"])
    assert summary["predicted_s"] == "20"
    assert summary["learning_duration_s"] == str(round(metrics["learning"]["duration_s"], 1))
    assert (summary["penalty_talking_count"], summary["penalty_talking_s"]) == ("1", "30")
    assert (summary["penalty_pointing_count"], summary["penalty_pointing_s"]) == ("0", "0")
    crossings = metrics["execution"]["crossings"]
    assert len(crossings) == 3
    assert summary["execution_crossings_s"] == ";".join(str(round(c["t"], 1)) for c in crossings)
    # The full log is the library's log file, named by the server, and it imports there.
    async with page.expect_download() as started:
        await page.get_by_role("button", name="Full log (JSON Lines)").click()
    log_download = await started.value
    assert log_download.suggested_filename == download_name(log, "-log.jsonl")
    log_file = read_log_file(Path(await log_download.path()).read_text())
    assert log_file == LogFile(log, checksum=True)
    library = EventStore(f"sqlite:///{tmp_path / 'library.db'}")
    try:
        assert save_import(library, log_file.events, time.time()) == (workshop_id, True)
        assert library.events(workshop_id) == log
    finally:
        library.close()
    async with page.expect_download() as started:
        await page.locator('[data-figure="failures"] .save-image').click()
    image = Path(await (await started.value).path()).read_bytes()
    assert image.startswith(b"\x89PNG")
    pdf = await page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF")
    (ROOT / "screenshots").mkdir(exist_ok=True)
    (ROOT / "screenshots" / f"{name.removeprefix('test_')}--debrief.pdf").write_bytes(pdf)

    # No secret reached the server's log, which does record every request.
    seat_token = await a_seat_token(live_server)
    server_log = live_server.log_path.read_text(errors="replace")
    assert f"/api/workshops/{workshop_id}/export/summary.csv" in server_log
    assert token not in server_log
    assert seat_token not in server_log


def contrast(first: str, second: str) -> float:
    """The WCAG contrast ratio of two CSS colours given as rgb(…) or rgba(…)."""

    def luminance(colour: str) -> float:
        red, green, blue = (
            float(n) / 255 for n in colour[colour.index("(") + 1 : -1].split(",")[:3]
        )
        linear = [
            c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (red, green, blue)
        ]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


async def test_the_setup_page_says_what_is_allowed_and_why_it_was_refused(
    live_server: LiveServer, browsing: Browsing
) -> None:
    page = await browsing.open("facilitator")
    browsing.problems.expect(r"422 .*/api/workshops\)")  # the refusal, provoked on purpose
    await page.goto(live_server.url("/facilitate/new"))
    await expect(page.locator("#preview-status")).to_contain_text("Path of")

    # A size out of range is not quietly changed: the page says what is allowed.
    await page.get_by_label("Columns").fill("20")
    await expect(page.locator("#size-error")).to_have_text("Columns: a whole number from 3 to 12.")
    await expect(page.get_by_label("Columns")).to_have_attribute("aria-invalid", "true")
    await page.get_by_role("button", name="Create the workshop").click()
    await expect(page.locator("#form-error")).to_contain_text(
        "Columns: a whole number from 3 to 12."
    )
    await expect(page.get_by_label("Columns")).to_be_focused()
    await page.get_by_label("Columns").fill("5")
    await expect(page.locator("#size-error")).to_have_text("")

    # Without the same maze, the preview is the first team's; the others get the next seeds.
    await page.get_by_label("Number of teams").fill("3")
    await page.get_by_label("Seed", exact=True).fill("40")
    await page.get_by_label("The same maze for every team").uncheck()
    await expect(page.locator("#preview-status")).to_contain_text(
        "each other team gets its own path from the next seeds (41\u201342)"
    )

    # The last square drawn keeps its number readable under the pointer.
    await page.get_by_label("Draw it square by square").check()
    grid = page.locator("#preview-grid")
    for row, col in [(0, 1), (1, 1), (2, 2)]:
        await grid.locator(f'[data-row="{row}"][data-col="{col}"]').click()
    last = grid.locator('[data-row="2"][data-col="2"]')
    await expect(last).to_have_class(re.compile(r"\bis-last\b"))
    await last.hover()
    colours = await last.evaluate(
        "(node) => [getComputedStyle(node).color, getComputedStyle(node).backgroundColor]"
    )
    assert contrast(*colours) >= 4.5, colours

    # A refusal names the field by its label, in the page's language, and focuses it.
    await page.get_by_role("link", name="Espa\u00f1ol").click()
    await expect(page.locator("html")).to_have_attribute("lang", "es")
    await page.get_by_label("Tiempo m\u00e1ximo sin moverse (segundos)").fill("5")
    await page.get_by_role("button", name="Crear el taller").click()
    await expect(page.locator("#form-error")).to_have_text(
        "Tiempo m\u00e1ximo sin moverse (segundos): debe estar entre 10 y 600, no 5"
    )
    await expect(page.locator("#rule-idle_timeout_s")).to_be_focused()
    await expect(page.locator("#rule-idle_timeout_s")).to_have_attribute("aria-invalid", "true")

    # A team left unnamed is named in the page's language (the language switch reloaded the
    # page: one team again).
    await page.get_by_label("Tiempo m\u00e1ximo sin moverse (segundos)").fill("60")
    async with page.expect_response("**/api/workshops") as created:
        await page.get_by_role("button", name="Crear el taller").click()
    answer = await (await created.value).json()
    sent = json.loads((await created.value).request.post_data or "{}")
    assert sent["team_names"] == ["Equipo 1"], sent
    assert len(answer["teams"]) == 1


async def test_three_teams_at_a_glance(
    live_server: LiveServer, browsing: Browsing, request: pytest.FixtureRequest
) -> None:
    workshop = await create_workshop(
        live_server,
        {
            "title": "Three teams",
            "teams": 3,
            "team_names": ["Blue", "Orange", "Green"],
            "maze": {"cols": 5, "rows": 6, "seed": 3},
            "rules": {"planning_s": 0},
        },
    )
    host = Facilitator(live_server, workshop)
    await host.sign_in()
    players = [
        task
        for n, team in enumerate(workshop["teams"])
        for task in bots(live_server, team["team_id"], team["join_code"], 3, seed=n)
    ]
    page = await browsing.open("facilitator")
    try:
        await page.goto(
            live_server.url(
                f"/facilitate/{workshop['workshop_id']}#{workshop['facilitator_token']}"
            )
        )
        rows = page.locator("#overview-rows tr")
        await expect(rows).to_have_count(3)
        await manage_players(page)
        for team in ("Blue", "Orange", "Green"):
            await open_team(page, team)
            await expect(page.locator("#team-title")).to_have_text(team)
            await expect(page.locator("#players li")).to_have_count(
                1 if team == "Blue" else 3, timeout=WAIT_MS
            )
        # The teams start together, and can be paused and resumed together.
        phases = page.locator("#overview-rows .phase-cell")
        await page.get_by_role("button", name="Start the learning phase (3 teams)").click()
        await expect(phases).to_have_text(["Learning"] * 3)
        await expect(page.locator("#team-phase")).to_have_text("Learning")
        await page.get_by_role("button", name="Pause (3 teams)").click()
        await expect(phases).to_have_text(["LearningPaused"] * 3)
        await page.get_by_role("button", name="Resume (3 teams)").click()
        await expect(phases).to_have_text(["Learning"] * 3)
        await expect(page.get_by_role("button", name="Pause (3 teams)")).to_be_visible()
        assert "team=t3" in page.url
        await expect(page.locator("#copy-hint")).to_have_text(
            "The copied link opens on the team shown now: Green."
        )
        await page.wait_for_timeout(3000)
        await save_screenshot(page, request.node.name, "console")
        await assert_accessible(page, "console of three teams")
        # On a tablet in portrait every team's row fits, its switch button in view, and the
        # page does not scroll sideways.
        tablet = await browsing.open("tablet", viewport={"width": 768, "height": 1024})
        await tablet.goto(page.url)
        await expect(tablet.locator("#overview-rows tr")).to_have_count(3)
        await expect(tablet.locator("#team-title")).to_have_text("Green")
        for button in await tablet.locator("#overview-rows button").all():
            await expect(button).to_be_in_viewport(ratio=1)
        assert await tablet.evaluate("document.scrollingElement.scrollWidth <= innerWidth")
        await assert_accessible(tablet, "console of three teams on a tablet")
        await save_screenshot(tablet, request.node.name, "console-tablet")
        await stop(players)
        await page.wait_for_timeout(500)  # the last moves reach both sockets
        for row, team in zip(await rows.all(), host.view["teams"], strict=True):
            cells = await row.locator("td").all_inner_texts()
            failures = team["failures_by_kind"]
            assert cells[0].startswith({"learning": "Learning", "review": "Review"}[team["phase"]])
            assert cells[4] == f"{failures['new']} / {failures['repeat']}"
            assert cells[6] == f"{round(team['progress'] * 100)}%"
        reopened = await browsing.open("reopened")
        await reopened.goto(page.url)
        await expect(reopened.locator("#team-title")).to_have_text("Green")
        await expect(reopened.locator("#overview-rows tr[aria-current]")).to_have_attribute(
            "data-team", "t3"
        )
        # Another language keeps the link's key and the team on show.
        await reopened.get_by_role("link", name="Español").click()
        await expect(reopened.locator("html")).to_have_attribute("lang", "es")
        await expect(reopened.get_by_role("heading", name="Todos los equipos")).to_be_visible()
        await expect(reopened.locator("#team-title")).to_have_text("Green")

        # While the workshop runs, a team still learning has not found the path yet.
        running = await browsing.open("debrief while running")
        await running.goto(
            live_server.url(
                f"/facilitate/{workshop['workshop_id']}/debrief#{workshop['facilitator_token']}"
            )
        )
        await expect(running.locator("body")).to_have_attribute("data-ready", "true")
        for team in host.view["teams"]:
            found = "path found" if team["path_found"] else "path not found yet"
            outcome = running.locator(f"#team-{team['id']} .outcome")
            await expect(outcome).to_contain_text(f" · {found} · ")

        # The debrief compares the teams as the log measures them.
        await host.command({"type": "end"})
        log = log_of(live_server, workshop["workshop_id"], workshop["facilitator_token"])
        measured = session_metrics(log)["teams"]
        debrief = await browsing.open("debrief")
        await debrief.goto(
            live_server.url(
                f"/facilitate/{workshop['workshop_id']}/debrief#{workshop['facilitator_token']}"
            )
        )
        await expect(debrief.locator("body")).to_have_attribute("data-ready", "true")
        compared = debrief.locator("#compare-table")
        await expect(compared.locator("thead th")).to_have_text(
            ["Measure", "Blue", "Orange", "Green"]
        )
        expected: dict[str, Callable[[dict[str, Any]], str]] = {
            "players": lambda m: str(m["players"]),
            "learning_time": lambda m: clock(m["learning"]["duration_s"]),
            "learning_adjusted": lambda m: clock(m["learning"]["adjusted_s"]),
            "first_beep": lambda m: clock(m["learning"]["time_to_first_beep_s"]),
            "failures": lambda m: str(m["learning"]["failures"]["total"]),
            "new": lambda m: str(m["learning"]["failures"]["new"]),
            "repeat": lambda m: str(m["learning"]["failures"]["repeat"]),
            "ratio": lambda m: percent_whole(m["learning"]["learning_ratio"]),
            "turns": lambda m: str(m["learning"]["turns"]),
            "execution_time": lambda m: clock(None),  # no team reached the execution phase
            "errors": lambda m: str(m["execution"]["errors"]),
        }
        for measure, shown in expected.items():
            cells = await compared.locator(f'tr[data-measure="{measure}"] td').all_inner_texts()
            assert cells == [shown(measured[team]) for team in ("t1", "t2", "t3")], measure
        await assert_accessible(debrief, "debrief of three teams")
        await save_screenshot(debrief, request.node.name, "debrief")
    finally:
        await stop(players)
        await host.close()


def percent_whole(share: float | None) -> str:
    """A share as the debrief shows it: a whole percentage, halves up."""
    return "\u2013" if share is None else f"{math.floor(share * 100 + 0.5)}%"


async def open_team(page: Page, team: str) -> None:
    await page.locator("#overview-rows tr", has_text=team).get_by_role("button").click()


async def manage_players(page: Page) -> None:
    """In Blue's lobby: lock it, reorder, rename, kick one player and ban another."""
    await open_team(page, "Blue")
    players = page.locator("#players li .name")
    await expect(players).to_have_count(3, timeout=WAIT_MS)
    # The bots join at the same moment: in whatever order the server took them.
    first, second, third = await players.all_inner_texts()
    assert sorted((first, second, third)) == ["Bot 1", "Bot 2", "Bot 3"]
    await page.get_by_role("button", name="Lock the team").click()
    await expect(page.locator("#team-flags")).to_have_text("Locked")
    await page.get_by_role("button", name=f"Move {third} up").click()
    await expect(players).to_have_text([first, third, second])
    await page.get_by_role("button", name=f"Rename {first}").click()
    await page.get_by_label(f"New name for {first}").fill("Ann")
    await page.get_by_label(f"New name for {first}").press("Enter")  # Enter renames
    await expect(page.locator("#rename-dialog")).to_be_hidden()
    await expect(players).to_have_text(["Ann", third, second])
    await page.get_by_role("button", name=f"Rename {third}").click()
    await page.get_by_label(f"New name for {third}").fill("Zed")
    await page.locator("#rename-dialog").get_by_role("button", name="Cancel").click()
    await expect(page.locator("#rename-dialog")).to_be_hidden()
    await page.wait_for_timeout(300)  # a rename would be back by now
    await expect(players).to_have_text(["Ann", third, second])
    await page.get_by_role("button", name=f"Kick {second}").click()
    await page.locator("#confirm-dialog").get_by_role("button", name="Kick").click()
    await expect(players).to_have_text(["Ann", third])
    await expect(page.locator("#log")).to_contain_text(f"{second} was kicked (may rejoin).")
    await page.get_by_role("button", name=f"Ban {third}").click()
    await expect(page.locator("#confirm-text")).to_contain_text("may not come back")
    await page.locator("#confirm-dialog").get_by_role("button", name="Ban").click()
    await expect(players).to_have_text(["Ann"])


async def test_the_console_refuses_an_incomplete_or_wrong_link(
    live_server: LiveServer, browsing: Browsing, request: pytest.FixtureRequest
) -> None:
    workshop = await create_workshop(live_server, {})
    page = await browsing.open("facilitator")
    await page.goto(live_server.url(f"/facilitate/{workshop['workshop_id']}"))
    await expect(page.get_by_role("heading", name="This link is incomplete")).to_be_visible()
    await expect(page.locator("#app")).to_be_hidden()
    await save_screenshot(page, request.node.name, "incomplete")
    browsing.problems.expect("WebSocket")  # the refused socket may be logged by the browser
    await page.goto(live_server.url(f"/facilitate/{workshop['workshop_id']}#{'x' * 32}"))
    await page.reload()
    await expect(page.get_by_role("heading", name="This link is not valid")).to_be_visible()
    await expect(page.locator("#app")).to_be_hidden()
    assert await page.locator("#workshop-title").inner_text() == ""


# --- the timers, on a clock the test sets -----------------------------------------------------


class ClockedServer(LiveServer):
    """The app on a clock read from a file that the test writes."""

    def __init__(self, directory: Path) -> None:
        super().__init__(directory)
        self.clock_file = directory / "clock"

    def set_time(self, seconds: float) -> None:
        set_time(self.clock_file, seconds)

    def start(self) -> None:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{self.database}", **self.env}
        command = [sys.executable, "-m", "tests.facilitator.clocked_server"]
        command += ["--port", str(self.port), "--clock-file", str(self.clock_file)]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited at startup:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.url("/healthz"), timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"the server did not become healthy:\n{self.log()}")


@pytest.fixture(scope="module")
def clocked_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClockedServer]:
    server = ClockedServer(tmp_path_factory.mktemp("clocked-server"))
    server.set_time(START)
    try:
        server.start()
        yield server
    finally:
        server.stop()


START = 1_900_000_000.0


PLANNING_S = 120


@pytest.fixture
async def walker(clocked_server: ClockedServer) -> AsyncIterator[Any]:
    """A workshop of two teams with one player, Ann, in the first; its facilitator's socket."""
    workshop = await create_workshop(
        clocked_server,
        {
            "teams": 2,
            "team_names": ["Blue", "Gold"],
            "maze": {"cols": 4, "rows": 4, "path": [list(square) for square in PATH]},
            "rules": {"planning_s": PLANNING_S, "idle_timeout_s": None},
        },
    )
    host = Facilitator(clocked_server, workshop)
    await host.sign_in()
    async with connect(clocked_server.ws(f"/ws/play/{workshop['teams'][0]['join_code']}")) as ann:
        await ann.send(json.dumps({"type": "join", "name": "Ann"}))
        await host.wait_until("Ann joined", lambda team: len(team["players"]) == 1)
        yield workshop, host, ann
    await host.close()


async def expect_overview(
    page: Page, team_id: str, cells: dict[int, str | re.Pattern[str]]
) -> None:
    """The team's overview cells (by their index in the row), waited for: the overview is
    redrawn as updates and metrics arrive."""
    row = page.locator(f'#overview-rows tr[data-team="{team_id}"] td')
    for index, text in cells.items():
        await expect(row.nth(index)).to_have_text(text, use_inner_text=True)


async def test_the_timers_follow_the_server_clock_without_pauses_and_with_penalties(
    clocked_server: ClockedServer, walker: Any, browsing: Browsing, request: pytest.FixtureRequest
) -> None:
    workshop, host, ann = walker

    async def command(message: dict[str, Any]) -> None:
        await host.command({**message, "team": "t1"})

    page = await browsing.open("facilitator")
    await page.clock.install()
    await page.goto(
        clocked_server.url(f"/facilitate/{workshop['workshop_id']}#{workshop['facilitator_token']}")
    )
    await expect(page.locator("#app")).to_be_visible()
    # The page's own clock stands still from here, unless the test runs it on.
    await page.clock.pause_at(await page.evaluate("Date.now() / 1000 + 1"))

    # Planning counts down; the one way on from it is to end it.
    await command({"type": "start_planning"})
    await expect(page.locator("#countdown-value")).to_have_text("2:00")
    end_planning = page.get_by_role("button", name="End planning: start learning now")
    await expect(end_planning).to_be_visible()
    await expect(
        page.get_by_role("button", name="Start the learning phase", exact=True)
    ).to_be_hidden()
    await end_planning.click()
    await expect(page.locator("#learning-note")).to_contain_text("first step")
    await expect(page.locator("#countdown")).to_be_hidden()
    await ann.send(json.dumps({"type": "step", "row": PATH[0][0], "col": PATH[0][1]}))
    await host.wait_until("the first step", lambda team: team["learning"]["started_at"] is not None)

    clocked_server.set_time(START + 30)
    await command({"type": "pause"})
    await expect(page.locator("#learning-raw")).to_have_text("0:30")
    clocked_server.set_time(START + 90)  # a minute paused does not count
    await command({"type": "resume"})
    clocked_server.set_time(START + 100)
    await command({"type": "penalty", "kind": "talking"})
    await expect(page.locator("#learning-raw")).to_have_text("0:40")
    await expect(page.locator("#learning-adjusted")).to_have_text("1:10")
    await expect(page.locator("#learning-added")).to_have_text("(+0:30)")
    await expect(page.locator("#execution-raw")).to_have_text("0:00")

    # Between two messages the page counts on from the server's time with its own clock.
    await page.clock.run_for(15_000)
    await expect(page.locator("#learning-raw")).to_have_text("0:55")
    await expect(page.locator("#learning-adjusted")).to_have_text("1:25")

    # A huddle counts down on the server's time, and so does the huddle budget; the phase's
    # time stands still meanwhile.
    clocked_server.set_time(START + 115)
    await page.get_by_label("Length (seconds)").fill("45")
    await page.get_by_role("button", name="Grant a huddle").click()
    await expect(page.locator("#countdown-value")).to_have_text("0:45")
    await page.clock.run_for(20_000)
    await expect(page.locator("#countdown-value")).to_have_text("0:25")
    await expect(page.locator("#huddle-left")).to_have_text("Huddle time left: 2:40 (used 0:20).")
    await expect(page.locator("#learning-raw")).to_have_text("0:55")
    await save_screenshot(page, request.node.name, "huddle")
    clocked_server.set_time(START + 125)
    await page.get_by_role("button", name="End the huddle now").click()
    await expect(page.locator("#countdown")).to_be_hidden()
    await expect(page.locator("#huddle-left")).to_have_text("Huddle time left: 2:50 (used 0:10).")

    clocked_server.set_time(START + 140)  # 140 s, less 60 paused and 10 in a huddle
    await command({"type": "end_phase"})
    await expect(page.locator("#learning-raw")).to_have_text("1:10")
    await page.clock.run_for(60_000)  # an ended phase's time stands still
    await expect(page.locator("#learning-raw")).to_have_text("1:10")
    await expect(page.locator("#learning-adjusted")).to_have_text("1:40")

    # Execution: an error, a pause and a penalty; each phase's time apart.
    clocked_server.set_time(START + 150)
    await command({"type": "start_execution"})
    await host.wait_until("Ann walks", lambda team: len(team["walkers"]) == 1)
    clocked_server.set_time(START + 160)
    # Two squares further than the learning phase went, then off the path.
    for row, col in PATH[:2]:
        await ann.send(json.dumps({"type": "step", "row": row, "col": col}))
    await host.wait_until("two squares walked", lambda team: team["revealed"] == 1)
    await ann.send(json.dumps({"type": "step", "row": 2, "col": 1}))  # off the path
    await host.wait_until("the execution error", lambda team: team["execution_errors"] == 1)
    clocked_server.set_time(START + 170)
    await command({"type": "pause"})
    clocked_server.set_time(START + 200)  # half a minute paused does not count
    await command({"type": "resume"})
    clocked_server.set_time(START + 210)
    await command({"type": "penalty", "kind": "talking"})
    # 210 - 150 - 30 paused = 30 s; adjusted: + 60 for the error + 30 for talking.
    await expect(page.locator("#execution-raw")).to_have_text("0:30")
    await expect(page.locator("#execution-adjusted")).to_have_text("2:00")
    await expect(page.locator("#execution-added")).to_have_text("(+1:30)")
    await expect(page.locator("#execution-note")).to_contain_text("1 error")
    # On the board an execution error has a mark of its own, not a learning beep's cross.
    await expect(page.locator('#board [data-mark="error"]')).to_have_count(1)
    await expect(page.locator('#board [data-mark="beep"]')).to_have_count(0)
    await expect(page.locator("#board")).to_have_attribute(
        "aria-label",
        re.compile(r"0 squares beeped while learning\. 1 square with an execution error"),
    )
    await expect(page.locator(".board-panel .legend")).to_contain_text("execution error")
    await expect(page.locator("#learning-adjusted")).to_have_text("1:40")
    # The path found is the learning phase's: a quarter, whatever execution walked since.
    await expect_overview(
        page,
        "t1",
        {
            0: re.compile("^Execution"),
            2: "1:10 / 1:40",
            3: "0:30 / 2:00",
            4: "0 / 0",
            5: "1",
            6: "25%",
        },
    )
    await expect_overview(page, "t2", {0: re.compile("^Lobby"), 2: "\u2013", 3: "\u2013"})

    await page.clock.run_for(10_000)  # the running phase counts on, in both places
    await expect(page.locator("#execution-raw")).to_have_text("0:40")
    await expect(page.locator("#execution-adjusted")).to_have_text("2:10")
    await expect_overview(page, "t1", {3: "0:40 / 2:10"})
    await save_screenshot(page, request.node.name, "execution")


async def test_the_console_says_when_the_server_was_away(
    tmp_path: Path, browsing: Browsing, request: pytest.FixtureRequest
) -> None:
    """A server stopped, then started again 100 s later on its clock: the console says the
    server was away, for how long and when, from the view's outages."""
    server = ClockedServer(tmp_path)
    server.set_time(START)
    server.start()
    try:
        workshop = await create_workshop(server, {"team_names": ["Blue"]})
        server.stop()
        server.set_time(START + 100)
        server.start()
        page = await browsing.open("facilitator")
        await page.goto(
            server.url(f"/facilitate/{workshop['workshop_id']}#{workshop['facilitator_token']}")
        )
        away = re.compile(r"^The server was away 1:40 \(.+\u2013.+\); no clock counted it\.$")
        await expect(page.locator("#outages")).to_have_text(away, use_inner_text=True)
        await save_screenshot(page, request.node.name, "outage")
    finally:
        server.stop()


# --- the charts tell the truth: rates, a partial last minute, the path found on its own scale ---

CHART_DATA = """(selector) => {
  const chart = Chart.getChart(document.querySelector(selector));
  return chart.data.datasets.map((dataset, index) => {
    const meta = chart.getDatasetMeta(index);
    return {
      label: dataset.label,
      hidden: Boolean(dataset.hidden),
      points: dataset.data.map((raw, at) => ({
        raw,
        drawn: meta.controller.getParsed(at).y,
        top: meta.data[at] ? meta.data[at].y : null,
      })),
      min: chart.scales[meta.yAxisID].min,
      max: chart.scales[meta.yAxisID].max,
      height: chart.height,
      axes: Object.keys(chart.scales).filter((id) => id !== "x"),
      x: [chart.scales.x.min, chart.scales.x.max],
    };
  });
}"""


async def test_the_live_chart_draws_rates_a_partial_last_minute_and_the_path_on_its_own_scale(
    clocked_server: ClockedServer, walker: Any, browsing: Browsing, request: pytest.FixtureRequest
) -> None:
    """Worked by hand: Ann's first step starts the learning clock; she beeps at 125 s (new), 130
    and 140 s (repeats) and crosses at 145 s, which ends learning. Its minutes cover 60, 60 and
    25 s: the last one's 3 failures are 3 / (25 / 60) = 7.2 a minute (new 2.4, repeat 4.8), not
    3, and it is partial. The review lasts 20 s; execution starts at 165 s of the session's
    timeline, and its error is drawn on that same axis."""
    workshop, host, ann = walker
    # From the server's time now (the workshop was just created): a workshop left idle for
    # hours would be closed, so the test's times stay close to it.
    base = float(clocked_server.clock_file.read_text()) + 5
    clocked_server.set_time(base)

    async def command(message: dict[str, Any]) -> None:
        await host.command({**message, "team": "t1"})

    async def step(at: float, square: tuple[int, int]) -> None:
        clocked_server.set_time(base + at)
        await ann.send(json.dumps({"type": "step", "row": square[0], "col": square[1]}))

    page = await browsing.open("facilitator", viewport={"width": 1280, "height": 800})
    await page.goto(
        clocked_server.url(f"/facilitate/{workshop['workshop_id']}#{workshop['facilitator_token']}")
    )
    await expect(page.locator("#app")).to_be_visible()
    await command({"type": "start_learning"})
    await step(0, PATH[0])  # the learning clock starts
    await host.wait_until("the first step", lambda team: team["learning"]["started_at"] is not None)
    for at, count in ((125, 1), (130, 2), (140, 3)):
        await step(at, (0, 0))  # off the path: new, then repeats
        await host.wait_until(f"beep {count}", lambda team, n=count: team["failures"] == n)
    for offset, square in enumerate(PATH):
        await step(142 + offset, square)  # crosses at 145: learning ends
    await host.wait_until("learning ended", lambda team: team["phase"] == "review")
    clocked_server.set_time(base + 165)
    await command({"type": "start_execution"})
    await host.wait_until("Ann walks", lambda team: len(team["walkers"]) == 1)
    await step(170, PATH[0])
    await step(172, (1, 0))  # off the path: an execution error at 7 s of execution
    await host.wait_until("the execution error", lambda team: team["execution_errors"] == 1)
    clocked_server.set_time(base + 180)
    await command({"type": "pause"})  # execution's clock stands at 15 s
    rows = page.locator("#live-chart-data tbody tr")
    await expect(rows).to_have_count(3)
    await expect(rows.nth(2)).to_have_text(
        re.compile(r"^\s*3\s*1\s*2\s*100%\s*partial: 0:25\s*2\.4\s*4\.8\s*$")
    )
    await expect(page.locator("#live-execution-data tbody tr")).to_have_count(1)
    await expect(page.locator("#live-execution-data tbody tr")).to_have_text(
        re.compile(r"^\s*2:45\s*1\s*partial: 0:15\s*4\s*$")
    )

    drawn = await page.evaluate(CHART_DATA, "#live-chart")
    new, repeat, errors = drawn
    # One y axis on this chart; the bars are rates.
    assert drawn[0]["axes"] == ["y"]
    last_new, last_repeat = new["points"][-1], repeat["points"][-1]
    for bar, count in ((last_new, 1), (last_repeat, 2)):
        assert bar["raw"]["y"] == count  # the count, as the metrics give it
        assert bar["raw"]["partial"] is True and bar["raw"]["covered_s"] == 25
        assert bar["drawn"] == pytest.approx(count / (25 / 60))  # drawn: the rate
    assert last_new["drawn"] + last_repeat["drawn"] == pytest.approx(7.2)
    assert [p["drawn"] for p in new["points"][:2]] == [0, 0]  # whole minutes: rate = count
    assert all(p["raw"]["partial"] is False for p in new["points"][:2])
    # The execution's error on the same axis, after the review: its minute starts at 2:45.
    assert not errors["hidden"]
    assert [p["raw"]["x"] for p in errors["points"]] == [pytest.approx(165 / 60 + 0.5)]
    assert [p["raw"]["y"] for p in errors["points"]] == [1]
    assert errors["points"][0]["drawn"] == pytest.approx(1 / (15 / 60))
    assert drawn[0]["x"][1] >= 180 / 60

    # The path found: its own chart, 0 to 100%, its highest point within the axis and drawn.
    strip = (await page.evaluate(CHART_DATA, "#live-progress"))[0]
    highest = max(p["drawn"] for p in strip["points"])
    assert highest == 100
    assert strip["axes"] == ["y"] and strip["min"] <= highest <= strip["max"] == 100
    assert all(0 <= p["top"] <= strip["height"] for p in strip["points"])
    assert strip["x"] == drawn[0]["x"]  # the same minutes as the bars above
    await save_screenshot(page, request.node.name, "console-chart")
    await page.locator("#live-figure").screenshot(
        path=str(screenshot_path(request.node.name, "console-chart-figure"))
    )

    # The debrief draws the same: rates, the partial minute, the path on its own chart.
    clocked_server.set_time(base + 190)
    await host.command({"type": "end"})
    await page.goto(
        clocked_server.url(
            f"/facilitate/{workshop['workshop_id']}/debrief#{workshop['facilitator_token']}"
        )
    )
    await expect(page.locator("body")).to_have_attribute("data-ready", "true")
    figure = page.locator('section[data-team="t1"] [data-figure="failures"]')
    bars = await page.evaluate(
        CHART_DATA, 'section[data-team="t1"] [data-figure="failures"] canvas:not(.progress-strip)'
    )
    assert bars[0]["points"][-1]["drawn"] + bars[1]["points"][-1]["drawn"] == pytest.approx(7.2)
    assert bars[1]["points"][-1]["raw"]["partial"] is True
    debrief_strip = (
        await page.evaluate(
            CHART_DATA, 'section[data-team="t1"] [data-figure="failures"] canvas.progress-strip'
        )
    )[0]
    assert max(p["drawn"] for p in debrief_strip["points"]) <= debrief_strip["max"] == 100
    # Its figures as a table, as the console's.
    await figure.locator("summary").click()
    figures = figure.locator('[data-figures="learning"] tbody tr')
    await expect(figures).to_have_count(3)
    await expect(figures.nth(2)).to_have_text(
        re.compile(r"^\s*3\s*1\s*2\s*100%\s*partial: 0:25\s*2\.4\s*4\.8\s*$")
    )
    await expect(figure.locator('[data-figures="execution"] tbody tr')).to_have_text(
        re.compile(r"^\s*2:45\s*1\s*partial: 0:15\s*4\s*$")
    )
    await figure.scroll_into_view_if_needed()
    await figure.screenshot(path=str(screenshot_path(request.node.name, "debrief-chart-figure")))
    await save_screenshot(page, request.node.name, "debrief-chart")


def screenshot_path(test_name: str, label: str) -> Path:
    from tests.e2e.support import SCREENSHOTS

    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS / f"{test_name.removeprefix('test_')}--{label}.png"
