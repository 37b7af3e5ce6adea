"""The pages as a browser receives them: languages, security headers, join codes, the QR code,
static files and the styled 404."""

from __future__ import annotations

import re
from contextlib import ExitStack
from typing import Any

import pytest

from app.pages import join_url, qr_svg
from app.security import AttemptLimiter
from tests.app.helpers import Server

SERVER_CONFIG: dict[str, Any] = {"join_attempts_per_minute": 3}
HTML = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


@pytest.fixture(autouse=True)
def fresh_limiter(server: Server) -> AttemptLimiter:
    """Each test starts with no wrong codes counted against the test client."""
    limiter = AttemptLimiter(server.config.join_attempts_per_minute)
    server.app.state.join_limiter = limiter
    return limiter


def test_the_home_page_is_complete_and_needs_no_inline_code(server: Server) -> None:
    response = server.http.get("/", headers=HTML)
    assert response.status_code == 200
    html = response.text
    assert '<html lang="en">' in html
    assert "<title>Join a game · Electric Maze</title>" in html
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html
    assert "<noscript>" in html
    for element in ('id="join-form"', 'id="join-code"', 'id="nickname"', 'id="join-button"'):
        assert element in html
    assert re.search(r'<label for="join-code">', html) and re.search(
        r'<label for="nickname">', html
    )
    assert 'id="join-error" class="error" role="alert"' in html
    # Nothing that a strict Content-Security-Policy would block.
    assert " style=" not in html and "<style" not in html
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts and all("src=" in attrs or "application/json" in attrs for attrs in scripts)
    policy = response.headers["content-security-policy"]
    assert "unsafe-inline" not in policy
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "ws://testserver" in policy and "wss://testserver" in policy


def test_the_language_comes_from_the_browser_and_a_switch_remembers_another(
    server: Server,
) -> None:
    spanish = server.http.get("/", headers={**HTML, "accept-language": "fr-CH, es;q=0.8, en;q=0.5"})
    assert '<html lang="es">' in spanish.text
    assert "Únete a una partida" in spanish.text

    switched = server.http.get("/?lang=en", headers={**HTML, "accept-language": "es"})
    assert '<html lang="en">' in switched.text
    assert switched.cookies.get("lang") == "en"
    later = server.http.get("/", headers={**HTML, "accept-language": "es"})
    assert '<html lang="en">' in later.text  # the cookie wins over the browser
    server.http.cookies.clear()
    assert '<html lang="es">' in server.http.get("/", headers={"accept-language": "es"}).text


def test_the_join_page_carries_the_team_and_its_phase(server: Server) -> None:
    code = server.create_workshop().codes[0]
    response = server.http.get(f"/join/{code}", headers=HTML)
    assert response.status_code == 200
    assert f'data-join-code="{code}"' in response.text
    assert 'data-phase="lobby"' in response.text
    assert 'id="join-code"' not in response.text  # only the nickname is asked for
    assert "content-security-policy" in response.headers


def test_the_join_page_opens_its_socket_first_and_speaks_the_player_language(
    server: Server,
) -> None:
    code = server.create_workshop().codes[0]
    html = server.http.get(f"/join/{code}", headers={**HTML, "accept-language": "es"}).text
    # The script that opens the socket comes before the others, on its own (async).
    early = re.search(r'<script type="module" async src="(/static/v[0-9a-f]{12}/js/[^"]+)"', html)
    assert early is not None and html.index(early.group(0)) < html.index('rel="modulepreload"')
    assert "/ws/play/" in server.http.get(early.group(1)).text
    assert "Esperando a que la facilitadora empiece el juego." in html
    assert "Toca en cualquier sitio para activar el sonido" in html


def test_the_join_page_of_an_ended_workshop_says_so_and_offers_no_form(server: Server) -> None:
    workshop = server.create_workshop()
    code = workshop.codes[0]
    form = re.compile(r"<form id=\"join-form\"[^>]*>")
    before = server.http.get(f"/join/{code}", headers=HTML).text
    assert 'id="join-note"' not in before
    opened = form.search(before)
    assert opened is not None and " hidden" not in opened.group(0)

    with ExitStack() as stack:
        facilitator = server.facilitator(stack, workshop)
        facilitator.send({"type": "end"})
        facilitator.expect("update")  # the end has been logged
    html = server.http.get(f"/join/{code}", headers=HTML).text
    assert 'id="join-note">This workshop has ended.</p>' in html
    closed = form.search(html)
    assert closed is not None and closed.group(0).endswith(" hidden>"), closed
    assert '<h1 id="join-title">Team 1</h1>' in html  # not "Join Team 1"


def test_a_code_typed_loosely_leads_to_the_team_page(server: Server) -> None:
    code = server.create_workshop().codes[0]
    loose = f"{code[:3].lower()}-{code[3:].lower()}"
    response = server.http.get(f"/join/{loose}?name=Ann", follow_redirects=False)
    assert response.status_code == 308
    assert response.headers["location"] == f"/join/{code}?name=Ann"
    # The home form without JavaScript goes the same way.
    response = server.http.get(
        "/join", params={"code": loose, "name": "Ann Lee"}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/join/{code}?name=Ann+Lee"


def test_an_unknown_code_is_a_styled_404_that_counts_as_a_wrong_try(
    server: Server, fresh_limiter: AttemptLimiter
) -> None:
    response = server.http.get("/join/ZZZZZZ?name=Ann", headers=HTML)
    assert response.status_code == 404
    assert "No team has the code ZZZZZZ" in response.text
    assert 'id="join-form"' in response.text and 'value="ZZZZZZ"' in response.text
    assert fresh_limiter.blocked("testclient") is False

    server.http.get("/screen/YYYYYY", headers=HTML)
    server.http.get("/qr/XXXXXX.svg")
    assert fresh_limiter.blocked("testclient") is True
    code = server.create_workshop().codes[0]
    blocked = server.http.get(f"/screen/{code}", headers=HTML)
    assert blocked.status_code == 429
    assert 1 <= int(blocked.headers["retry-after"]) <= 60  # when the oldest is a minute old
    qr = server.http.get(f"/qr/{code}.svg")
    assert qr.status_code == 429 and 1 <= int(qr.headers["retry-after"]) <= 60
    assert "Too many wrong codes" in blocked.text


def test_past_the_budget_the_join_page_names_no_team_and_is_the_same_for_any_code(
    server: Server,
) -> None:
    """A venue's phones share one address: past its budget of wrong codes, a phone that
    reloads still gets the play page (its socket takes its seat back), but a page that says
    nothing of whether the code exists."""
    server.app.state.join_limiter = AttemptLimiter(3, clock=lambda: 1000.0)
    workshop = server.create_workshop(title="Venue day", team_names=["Otters"])
    code = workshop.codes[0]
    for wrong in ("AAAAAA", "BBBBBB", "CCCCCC"):
        assert server.http.get(f"/join/{wrong}", headers=HTML).status_code == 404

    pages: dict[str, str] = {}
    for asked in (code, "ZZZZZZ", "ZZZ"):
        page = server.http.get(f"/join/{asked}", headers=HTML)
        assert page.status_code == 200, asked
        assert page.headers["cache-control"] == "no-store"
        assert "Otters" not in page.text and "Venue day" not in page.text
        pages[asked] = (
            page.text.replace(f"/join/{asked}", "/join/CODE")
            .replace(f'"{asked}"', '"CODE"')
            .replace(f"/screen/{asked}", "/screen/CODE")
        )
    assert pages[code] == pages["ZZZZZZ"] == pages["ZZZ"]
    html = pages[code]
    assert "<title>Electric Maze</title>" in html
    assert 'data-blocked-for="60"' in html
    assert (
        'id="blocked-note" role="alert"' in html
        and "This page tries again by itself in 1:00." in html
    )
    assert re.search(r'<form id="join-form"[^>]* hidden>', html)
    # The big screen and the QR code hold no seat: they keep waiting.
    assert server.http.get(f"/screen/{code}", headers=HTML).status_code == 429
    assert server.http.get(f"/qr/{code}.svg").status_code == 429


def test_the_big_screen_shows_how_to_join(server: Server) -> None:
    code = server.create_workshop().codes[0]
    response = server.http.get(f"/screen/{code}", headers=HTML)
    assert response.status_code == 200
    html = response.text
    assert f'<img id="qr" src="/qr/{code}.svg"' in html
    assert f'id="join-code" class="join-code">{code}</p>' in html
    assert f"/join/{code}</p>" in html
    for element in ('id="board"', 'id="queue"', 'id="phase"', 'id="timer"', 'id="failures"'):
        assert element in html
    assert 'id="mute"' in html and 'aria-pressed="false"' in html


def test_the_qr_code_is_the_team_join_link_as_svg(server: Server) -> None:
    first, second = server.create_workshop(teams=2).codes
    response = server.http.get(f"/qr/{first}.svg")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/svg+xml"
    assert response.content.startswith(b"<svg") and b"viewBox" in response.content
    assert response.content == qr_svg(join_url(server.config, first))
    assert response.content != server.http.get(f"/qr/{second}.svg").content
    assert server.http.get("/qr/ZZZZZZ.svg").status_code == 404


def test_static_files_are_versioned_cached_and_compressed(server: Server) -> None:
    html = server.http.get("/", headers=HTML).text
    stylesheet = re.search(r'href="(/static/v[0-9a-f]{12}/css/app\.css)"', html)
    assert stylesheet is not None
    current = server.http.get(stylesheet.group(1), headers={"accept-encoding": "gzip"})
    assert current.status_code == 200
    assert "immutable" in current.headers["cache-control"]
    assert current.headers["content-encoding"] == "gzip"
    assert "#board" in current.text or ".board" in current.text
    # An old page's version, or none, is served but checked again each time.
    for path in ("/static/v000000000000/css/app.css", "/static/css/app.css"):
        stale = server.http.get(path)
        assert stale.status_code == 200 and stale.headers["cache-control"] == "no-cache"
    modules = re.findall(r'href="(/static/v[0-9a-f]{12}/js/[a-z0-9]+\.js)"', html)
    assert modules and all(server.http.get(m).status_code == 200 for m in modules)
    assert server.http.get("/static/v000000000000/../../app/config.py").status_code == 404


def test_missing_pages_are_styled_for_people_and_json_for_programs(server: Server) -> None:
    page = server.http.get("/no/such/page", headers=HTML)
    assert page.status_code == 404
    assert "Page not found" in page.text and 'href="/"' in page.text
    assert "content-security-policy" in page.headers
    assert server.http.get("/api/nothing", headers=HTML).json() == {"detail": "Not Found"}
    assert server.http.get("/no/such/page").json() == {"detail": "Not Found"}
    # Other errors keep their own answers.
    assert server.http.get("/api/workshops/nope/log").status_code == 401


def test_the_favicon_is_served(server: Server) -> None:
    response = server.http.get("/favicon.ico")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
