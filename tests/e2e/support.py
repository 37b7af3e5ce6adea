"""What the browser tests share: a server process, a facilitator's socket, page checks."""

from __future__ import annotations

import asyncio
import functools
import json
import re
import time
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.async_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Error,
    Page,
    Playwright,
    expect,
)
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.live_server import ROOT, LiveServer

__all__ = ["ROOT", "LiveServer"]  # re-exported for the test modules

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "screenshots"
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
PHONE = "iPhone 13"
DESKTOP = {"width": 1280, "height": 800}
SMALL_PHONE = {"width": 360, "height": 740}
STARTUP_TIMEOUT_S = 20.0
WAIT_S = 10.0
Message = dict[str, Any]
Square = tuple[int, int]


# --- the server ------------------------------------------------------------------------


def _post_json(url: str, body: Message) -> Message:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=5) as reply:
        answer: Message = json.loads(reply.read())
        return answer


async def create_workshop(server: LiveServer, body: Message | None = None) -> Message:
    """POST /api/workshops; the answer has workshop_id, facilitator_token and teams."""
    return await asyncio.to_thread(_post_json, server.url("/api/workshops"), body or {})


def join_code(workshop: Message) -> str:
    code: str = workshop["teams"][0]["join_code"]
    return code


# --- the facilitator ---------------------------------------------------------------------


@dataclass(eq=False)
class Facilitator:
    """The facilitator's console as a bare socket: starts phases, knows the hidden path."""

    server: LiveServer
    workshop: Message
    messages: list[Message] = field(default_factory=list)
    view: Message = field(default_factory=dict)
    connection: ClientConnection | None = None
    reader: asyncio.Task[None] | None = None

    async def sign_in(self) -> None:
        url = self.server.ws(f"/ws/facilitate/{self.workshop['workshop_id']}")
        self.connection = await connect(url, open_timeout=WAIT_S)
        self.reader = asyncio.create_task(self._read(self.connection))
        await self.connection.send(
            json.dumps({"type": "auth", "token": self.workshop["facilitator_token"]})
        )
        welcome = await self._wait_for(lambda m: m["type"] in ("welcome", "error"), 0)
        assert welcome["type"] == "welcome", welcome

    async def close(self) -> None:
        if self.connection is not None:
            await self.connection.close()
        if self.reader is not None:
            await asyncio.wait_for(self.reader, WAIT_S)

    async def _read(self, connection: ClientConnection) -> None:
        try:
            async for text in connection:
                message = json.loads(text)
                self.messages.append(message)
                if "view" in message:
                    self.view = message["view"]
        except ConnectionClosed:
            pass

    async def _wait_for(self, matches: Callable[[Message], bool], start: int) -> Message:
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            for message in self.messages[start:]:
                if matches(message):
                    return message
            await asyncio.sleep(0.01)
        raise AssertionError(f"the facilitator waited in vain; last: {self.messages[-3:]}")

    async def command(self, message: Message) -> Message:
        """Send a command and return the update it made (an error fails the test)."""
        assert self.connection is not None
        start, before = len(self.messages), self.view.get("seq", 0)
        await self.connection.send(json.dumps(message))
        answer = await self._wait_for(
            lambda m: m["type"] == "error" or (m["type"] == "update" and m["seq"] > before),
            start,
        )
        assert answer["type"] == "update", f"{message} was refused: {answer}"
        return answer

    async def wait_until(self, what: str, holds: Callable[[Message], bool]) -> Message:
        """Wait until the team's part of the view satisfies `holds`; return that team."""
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            if self.view and holds(self.team):
                return self.team
            await asyncio.sleep(0.01)
        raise AssertionError(f"waited in vain for {what}; the team: {self.team}")

    async def wait_past(self, seq: int, what: str) -> Message:
        """Wait until the server has logged something after `seq`; return the team."""
        return await self.wait_until(what, lambda _: self.view["seq"] > seq)

    @property
    def seq(self) -> int:
        seq: int = self.view["seq"]
        return seq

    @property
    def team(self) -> Message:
        team: Message = self.view["teams"][0]
        return team

    @property
    def path(self) -> list[Square]:
        return [(row, col) for row, col in self.team["path"]]

    @property
    def walker(self) -> Message:
        walkers: list[Message] = self.team["walkers"]
        assert len(walkers) == 1, walkers
        return walkers[0]

    def next_safe_square(self) -> Square:
        position: int = self.walker["position"]
        return self.path[position + 1]

    def wrong_square(self) -> Square:
        """A square the walker may step on that is off the path (so it beeps)."""
        board, path = self.team["board"], self.path
        trail = self.walker["trail"]
        if trail:
            row, col = trail[-1]
            near = [(row + dr, col + dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1)]
        else:
            near = [(0, col) for col in range(board["cols"])]
        return next(
            square
            for square in near
            if 0 <= square[0] < board["rows"] and 0 <= square[1] < board["cols"]
            if square not in path
        )


# --- the browser -------------------------------------------------------------------------


async def launch_chromium(playwright: Playwright) -> Browser:
    if not CHROMIUM.exists():
        raise AssertionError(
            f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium)"
        )
    return await playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
    )


@dataclass
class PageProblems:
    """Console errors and uncaught exceptions, per page, apart from those a test expects."""

    found: list[str] = field(default_factory=list)
    expected: list[re.Pattern[str]] = field(default_factory=list)

    def watch(self, page: Page, label: str) -> None:
        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error":
                where = message.location.get("url", "")
                self._add(f"{label}: console error: {message.text} ({where})")

        def on_page_error(error: Error) -> None:
            self._add(f"{label}: uncaught {error.name}: {error.message}")

        page.on("console", on_console)
        page.on("pageerror", on_page_error)

    def expect(self, pattern: str) -> None:
        """Let through errors matching `pattern` (a regular expression) from now on."""
        self.expected.append(re.compile(pattern))

    def _add(self, problem: str) -> None:
        if not any(pattern.search(problem) for pattern in self.expected):
            self.found.append(problem)

    def check(self) -> None:
        if self.found:
            listed = "\n  ".join(self.found)
            raise AssertionError(f"the pages reported {len(self.found)} error(s):\n  {listed}")


@dataclass
class Browsing:
    """Opens pages, each in a context of its own, and checks them all for errors at the end."""

    browser: Browser
    playwright: Playwright
    problems: PageProblems = field(default_factory=PageProblems)
    contexts: list[BrowserContext] = field(default_factory=list)

    async def open(
        self,
        label: str,
        *,
        phone: bool = False,
        viewport: dict[str, int] | None = None,
        **options: Any,
    ) -> Page:
        """A page in a new context: desktop by default, or the phone profile; in English
        unless `locale` says otherwise."""
        if phone:
            profile = dict(self.playwright.devices[PHONE])
            profile.pop("default_browser_type", None)
            options = {**profile, **options}
        else:
            options = {"viewport": viewport or DESKTOP, **options}
        context = await self.browser.new_context(**{"locale": "en-US", **options})
        self.contexts.append(context)
        page = await context.new_page()
        self.problems.watch(page, label)
        return page

    async def close(self) -> None:
        for context in self.contexts:
            await context.close()
        self.contexts.clear()


def viewport_name(page: Page) -> str:
    size = page.viewport_size
    return "no-viewport" if size is None else f"{size['width']}x{size['height']}"


async def save_screenshot(page: Page, test_name: str, label: str) -> Path:
    """screenshots/<test>--<label>--<width>x<height>.png, the whole page."""
    SCREENSHOTS.mkdir(exist_ok=True)
    test_name = test_name.removeprefix("test_")
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{test_name}--{label}--{viewport_name(page)}")
    path = SCREENSHOTS / f"{safe}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path


# --- accessibility -----------------------------------------------------------------------

_RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary || ""})),
  }));
}"""
BLOCKING_IMPACTS = ("serious", "critical")


@functools.cache
def _axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


async def axe_violations(page: Page) -> list[Message]:
    """Every axe-core violation on the page as it is now."""
    if not await page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol: the pages' Content-Security-Policy (no
        # inline scripts) would refuse a <script> tag added to them, and log an error.
        await page.evaluate(_axe_source())
    violations: list[Message] = await page.evaluate(_RUN_AXE)
    return violations


def describe_violations(violations: Iterable[Message]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']}")
        for node in violation["nodes"][:5]:
            summary = " ".join(node["summary"].split())
            lines.append(f"    at {node['target']}: {summary}")
        if len(violation["nodes"]) > 5:
            lines.append(f"    and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)


async def assert_accessible(page: Page, label: str) -> None:
    """Fail on any axe-core violation of serious or critical impact, on the page at rest."""
    # A celebration or a beep's flash fades in and out over seconds: scanned mid-fade, its
    # half-transparent text fails the contrast check though the page, at rest, passes.
    for overlay in ("#celebration", "#flash"):
        await expect(page.locator(overlay)).to_be_hidden(timeout=6000)
    blocking = [v for v in await axe_violations(page) if v["impact"] in BLOCKING_IMPACTS]
    if blocking:
        raise AssertionError(
            f"{label} ({page.url}) has {len(blocking)} serious or critical accessibility "
            f"violation(s):\n{describe_violations(blocking)}"
        )
