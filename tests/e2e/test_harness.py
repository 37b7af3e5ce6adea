"""The browser tests' own machinery works: the server, Chromium, the error and axe checks."""

from __future__ import annotations

import json

import pytest

from tests.e2e.support import (
    Browsing,
    Facilitator,
    LiveServer,
    assert_accessible,
    create_workshop,
    save_screenshot,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

CLEAN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Clean</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>Join a game</h1>
<label for="name">Nickname</label><input id="name" name="name">
<button type="submit">Join</button></main></body></html>"""

POOR_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Poor</title></head>
<body><main><h1>Board</h1>
<button></button>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<p style="color:#aaa;background:#fff">faint text</p></main></body></html>"""


async def test_the_browser_reaches_the_live_server(live_server: LiveServer, browsing: Browsing):
    page = await browsing.open("health")
    browsing.problems.expect(r"favicon\.ico")  # asked for by the browser: this is not a page
    response = await page.goto(live_server.url("/healthz"))
    assert response is not None and response.status == 200
    assert json.loads(await page.inner_text("body"))["status"] == "ok"


async def test_the_accessibility_scan_passes_a_clean_page(browsing: Browsing, request):
    page = await browsing.open("clean page", phone=True)
    await page.set_content(CLEAN_PAGE)
    await assert_accessible(page, "clean page")
    shot = await save_screenshot(page, request.node.originalname, "clean")
    assert shot.read_bytes().startswith(b"\x89PNG")
    assert shot.name == "the_accessibility_scan_passes_a_clean_page--clean--390x664.png"


async def test_the_accessibility_scan_names_each_serious_violation(browsing: Browsing):
    page = await browsing.open("poor page")
    await page.set_content(POOR_PAGE)
    with pytest.raises(AssertionError) as failed:
        await assert_accessible(page, "poor page")
    message = str(failed.value)
    for rule in ("button-name", "image-alt", "color-contrast"):
        assert rule in message, message
    assert "at button" in message, message


async def test_console_errors_and_uncaught_exceptions_are_caught(browsing: Browsing):
    page = await browsing.open("noisy page")
    browsing.problems.expect("forgiven")
    await page.set_content(
        "<script>console.error('forgiven'); console.error('broken');"
        "setTimeout(() => { throw new TypeError('boom'); });</script>"
    )
    await page.wait_for_timeout(100)
    found = list(browsing.problems.found)
    browsing.problems.found.clear()  # this test made them on purpose
    assert len(found) == 2, found
    assert "console error: broken" in found[0]
    assert "uncaught TypeError: boom" in found[1]


async def test_the_facilitator_socket_knows_the_path(live_server: LiveServer):
    workshop = await create_workshop(
        live_server, {"maze": {"cols": 4, "rows": 4, "path": [[0, 1], [1, 1], [2, 2], [3, 2]]}}
    )
    facilitator = Facilitator(live_server, workshop)
    await facilitator.sign_in()
    try:
        assert facilitator.path == [(0, 1), (1, 1), (2, 2), (3, 2)]
        assert facilitator.team["phase"] == "lobby"
        await facilitator.command({"type": "lock", "locked": True})
        assert facilitator.team["locked"] is True
    finally:
        await facilitator.close()
