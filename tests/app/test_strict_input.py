"""Bad input of any size, depth or encoding is refused naming the field, never a 500."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

import pytest

from app.json_input import NOT_NUMBERS
from game.settings import SettingsError, parse_maze, parse_settings
from tests.app.helpers import Server

HUGE = 10**400  # more than a float holds
GIANT = "9" * 5000  # more digits than Python reads by default


@pytest.mark.parametrize(
    ("parse", "raw", "setting"),
    [
        (parse_settings, {"planning_s": HUGE}, "planning_s"),
        (parse_settings, {"beep_delay_s": -HUGE}, "beep_delay_s"),
        (parse_settings, {"idle_timeout_s": HUGE}, "idle_timeout_s"),
        (parse_settings, {"penalties": {"talking": HUGE}}, "penalties.talking"),
        (parse_maze, {"seed": HUGE}, "maze.seed"),
        (parse_maze, {"cols": HUGE}, "maze.cols"),
        (parse_maze, {"rows": -HUGE}, "maze.rows"),
    ],
)
def test_integers_too_large_for_a_float_are_out_of_range(
    parse: Any, raw: dict[str, Any], setting: str
) -> None:
    with pytest.raises(SettingsError) as refused:
        parse(raw)
    assert refused.value.setting == setting
    assert "must be from" in refused.value.reason
    assert "digits" in refused.value.reason


# Each would be coerced by a lax reader into a number or a flag the sender never wrote.
FACILITATOR_COERCIONS: list[dict[str, Any]] = [
    {"type": "huddle", "seconds": "30"},
    {"type": "huddle", "seconds": "1e1"},
    {"type": "huddle", "seconds": True},
    {"type": "lock", "locked": "yes"},
    {"type": "lock", "locked": 1},
    {"type": "lock", "locked": "true"},
    {"type": "predict", "seconds": "60"},
    {"type": "predict", "seconds": 60.0},
    {"type": "withdraw_penalty", "penalty": "1"},
    {"type": "penalty", "kind": 5},
    {"type": "kick", "player": 5},
    {"type": "reorder", "order": "p1"},
    {"type": "auth", "token": "x", "last_seq": "0"},
]
# JSON no strict reader takes: refused as bad_message, saying why where it can.
NOT_JSON: list[tuple[str, str]] = [
    ('{"type": "huddle", "seconds": NaN}', NOT_NUMBERS),
    ('{"type": "huddle", "seconds": Infinity}', NOT_NUMBERS),
    ('{"type": "huddle", "seconds": -Infinity}', NOT_NUMBERS),
    ('{"type": "huddle", "seconds": 1e400}', "too large"),
    ('{"type": "huddle", "seconds": ' + "9" * 400 + "}", "too large"),
    ('{"type": "huddle", "seconds": ' + GIANT + "}", "too large"),
    ('{"type": "ping", "x": ' + "[" * 30_000 + "]" * 30_000 + "}", "1024"),
]


def test_facilitator_messages_are_not_coerced(server: Server) -> None:
    workshop = server.create_workshop()
    with ExitStack() as stack:
        facilitator = server.facilitator(stack, workshop)
        for message in FACILITATOR_COERCIONS:
            facilitator.send(message)
            refused = facilitator.expect_error("bad_message")
            assert any(name in refused["message"] for name in message if name != "type"), (
                message,
                refused,
            )
        facilitator.send({"type": "lock", "locked": True})  # the real thing still works
        assert facilitator.expect("update")["events"][0]["type"] == "team_locked"


def test_a_huddle_takes_whole_seconds_as_a_number(server: Server) -> None:
    workshop = server.create_workshop()
    with ExitStack() as stack:
        facilitator = server.facilitator(stack, workshop)
        facilitator.send({"type": "huddle", "seconds": 30})  # an int where a float is asked
        assert facilitator.expect_error("wrong_phase")  # read, then refused by the rules


@pytest.mark.parametrize(("text", "why"), NOT_JSON, ids=range(len(NOT_JSON)))
def test_json_no_strict_reader_takes_is_a_bad_message(server: Server, text: str, why: str) -> None:
    workshop = server.create_workshop()
    with ExitStack() as stack:
        player = server.join(stack, workshop.codes[0], "Ann")
        for conn in (player, server.facilitator(stack, workshop)):
            conn.send(text)
            assert why in conn.expect_error("bad_message")["message"]


# Bodies no strict JSON reader takes, on every route that reads JSON: a 422 saying why.
BAD_BODIES: list[tuple[str, str]] = [
    ('{"title": NaN}', NOT_NUMBERS),
    ('{"rules": {"beep_delay_s": Infinity}}', NOT_NUMBERS),
    ('{"rules": {"planning_s": ' + "9" * 400 + "}}", "too large"),
    ('{"maze": {"seed": ' + GIANT + "}}", "too large"),
    ('{"maze": ' + "[" * 100_000 + "]" * 100_000 + "}", "1024"),
    ('{"title": "\\ud800"}', "surrogate"),
    ('\ufeff{"title": "BOM"}', "byte order mark"),
    ('{"title": "\udcff"}', "UTF-8"),  # a byte that is not UTF-8, as Python keeps it
    ('{"title": ', "not valid JSON"),
]
JSON_ROUTES = ["/api/workshops", "/api/maze/preview", "/api/library/login"]


@pytest.mark.parametrize("route", JSON_ROUTES)
@pytest.mark.parametrize(("body", "why"), BAD_BODIES, ids=range(len(BAD_BODIES)))
def test_a_body_no_strict_reader_takes_is_a_422(
    server: Server, route: str, body: str, why: str
) -> None:
    for content_type in ({"content-type": "application/json"}, {}):
        data = body.encode(errors="surrogateescape")
        answer = server.http.post(route, content=data, headers=content_type)
        assert answer.status_code == 422, answer.text
        assert answer.json()["message"].startswith("body: ")
        assert why in answer.json()["message"]


@pytest.mark.parametrize(
    ("route", "body", "field"),
    [
        ("/api/workshops", {"rules": {"planning_s": 10**30}}, "rules.planning_s"),
        ("/api/workshops", {"maze": {"seed": 10**30}}, "maze.seed"),
        ("/api/workshops", {"maze": {"cols": -(10**30)}}, "maze.cols"),
        ("/api/workshops", {"teams": 10**30}, "teams"),
        ("/api/maze/preview", {"cols": 10**30}, "cols"),
        ("/api/maze/preview", {"seed": 10**30}, "seed"),
    ],
)
def test_a_number_out_of_range_is_a_422_naming_the_field(
    server: Server, route: str, body: dict[str, Any], field: str
) -> None:
    answer = server.http.post(route, json=body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["message"].startswith(f"{field}: ")


@pytest.mark.parametrize(
    "body",
    [{"same_maze": "false"}, {"same_maze": 0}, {"teams": "2"}, {"teams": 2.0}, {"title": 5}],
)
def test_a_workshop_field_is_never_coerced(server: Server, body: dict[str, Any]) -> None:
    answer = server.http.post("/api/workshops", json=body)
    assert answer.status_code == 422, answer.text
    (field,) = body
    assert answer.json()["message"].startswith(f"{field}: ")
