"""The HTTP API's own description at /api/docs: Swagger UI from a vendored copy (in
static/vendor/swagger-ui), under the pages' Content-Security-Policy, started by a module of
ours, so no inline script and nothing fetched from elsewhere."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.pages import Site, page_response

router = APIRouter(include_in_schema=False)

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Electric Maze: HTTP API</title>
<link rel="stylesheet" href="{css}">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{bundle}"></script>
<script type="module" src="{start}"></script>
</body>
</html>
"""


@router.get("/api/docs")
async def api_docs(request: Request) -> HTMLResponse:
    site: Site = request.app.state.site
    html = PAGE.format(
        css=site.static_url("vendor/swagger-ui/swagger-ui.css"),
        bundle=site.static_url("vendor/swagger-ui/swagger-ui-bundle.js"),
        start=site.static_url("js/api-docs.js"),
    )
    return page_response(request, HTMLResponse(html))
