"""One headless Chromium per test module (and one server process: `live_server`, in
tests/conftest.py).

Playwright's async API runs on the module's event loop: every test module here starts with
`pytestmark = pytest.mark.asyncio(loop_scope="module")`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Playwright, async_playwright

from tests.e2e.support import Browsing, launch_chromium


@pytest.fixture(scope="module")
async def playwright() -> AsyncIterator[Playwright]:
    async with async_playwright() as running:
        yield running


@pytest.fixture(scope="module")
async def browser(playwright: Playwright) -> AsyncIterator[Browser]:
    browser = await launch_chromium(playwright)
    try:
        yield browser
    finally:
        await browser.close()


@pytest.fixture
async def browsing(browser: Browser, playwright: Playwright) -> AsyncIterator[Browsing]:
    """Pages for one test; the test fails if any of them logged an error."""
    browsing = Browsing(browser, playwright)
    try:
        yield browsing
    finally:
        await browsing.close()
    browsing.problems.check()
