"""/api/docs: the vendored Swagger UI draws the API under the pages' CSP, nothing refused."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.e2e.support import Browsing, LiveServer

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_the_api_docs_draw_from_this_server_alone(
    live_server: LiveServer, browsing: Browsing
) -> None:
    page = await browsing.open("api docs")
    elsewhere: list[str] = []
    page.on(
        "request",
        lambda request: (
            elsewhere.append(request.url)
            if not request.url.startswith((live_server.url("/"), "data:"))
            else None
        ),
    )
    answer = await page.goto(live_server.url("/api/docs"))
    assert answer is not None
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    operation = page.get_by_role("link", name="/api/workshops", exact=True)
    await expect(operation.first).to_be_visible(timeout=10_000)
    assert elsewhere == []
