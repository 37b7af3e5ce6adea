"""Hostile log files: whatever a file holds, reading it ends, soon, in events or a LogError."""

from __future__ import annotations

import contextlib
import json
import re
from functools import partial
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from game import rules
from game.events import LATEST_TS
from game.replay import LogError, read_log
from tests.game.test_replay import a_session, line_of, lines_of, refused, reseal, rewrite

LINES = lines_of(a_session())
# A step in the learning phase: before it a walker has the turn, and an idle timeout running.
STEP_LINE = line_of(LINES, "stepped", 2)


@pytest.fixture
def emitted(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every event the rules make while the test runs, refused or not."""
    made: list[Any] = []
    original = rules.Draft.emit

    def counting(self: rules.Draft, *args: Any, **fields: Any) -> Any:
        made.append(args[0])
        return original(self, *args, **fields)

    monkeypatch.setattr(rules.Draft, "emit", counting)
    return made


def dated(ts: Any, line: int = STEP_LINE) -> list[str]:
    """The log with one event's time changed, and every later one's too (time never goes
    back), resealed: only the reading can tell."""
    changed = rewrite(LINES, line, lambda r: r.update(ts=ts))
    for later in range(line + 1, len(LINES) + 1):
        changed = rewrite(changed, later, lambda r: r.update(ts=ts))
    return changed


@pytest.mark.parametrize("ts", [1e12, 2**53 + 1, LATEST_TS + 1, -1])
def test_a_time_out_of_range_is_refused_as_it_is_read(ts: float, emitted: list[Any]) -> None:
    error = refused(dated(ts))
    assert (error.line, "year 3000" in error.reason) == (STEP_LINE, True)
    assert emitted == []  # refused before the rules were asked anything


def test_a_time_far_ahead_within_range_costs_work_in_proportion_to_the_file(
    emitted: list[Any],
) -> None:
    """A step dated in the year 2999: every minute up to then would time a walker out. The
    rules check stops once a decision has made more events than the file holds."""
    read_log("\n".join(LINES) + "\n")
    honest = len(emitted)
    error = refused(dated(LATEST_TS - 1))
    assert (error.line, "more events" in error.reason) == (STEP_LINE, True)
    assert len(emitted) - honest <= honest + len(LINES)  # not 10**9: bounded by the file


def test_an_event_dated_before_the_session_was_created_is_refused() -> None:
    later = json.loads(LINES[2])["ts"] + 5
    error = refused(rewrite(LINES, 2, lambda r: r.update(ts=later)))
    assert (error.line, error.reason) == (3, "this event is dated before the session was created")


def with_line(number: int, text: str) -> list[str]:
    return reseal([*LINES[: number - 1], text, *LINES[number:]])


def timed(text: str) -> str:
    """The third line with its time written as `text`."""
    return re.sub(r'"ts":[^,]+', '"ts":' + text, LINES[2])


HOSTILE = {
    "a 5000-digit integer": timed("9" * 5000),
    "a 400-digit integer time": timed("9" * 400),
    "1e400": timed("1e400"),
    "nesting 100000 deep": "[" * 100_000 + "]" * 100_000,
    "NaN": timed("NaN"),
    "Infinity": timed("Infinity"),
    "-Infinity": timed("-Infinity"),
    "a list": "[1, 2]",
    "a string": '"stepped"',
    "null": "null",
    "a number": "2",
}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_line_is_refused_with_its_number(text: str) -> None:
    assert refused(with_line(3, text)).line == 3


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_header_is_refused_on_line_1(text: str) -> None:
    assert refused([text, *LINES[1:]]).line == 1


def reads_or_refuses(lines: list[str]) -> None:
    """Reading ends in events or a LogError: nothing else may come out."""
    with contextlib.suppress(LogError):
        read_log("\n".join(lines) + "\n")


ODD_VALUES: tuple[Any, ...] = ([], {}, "x", None, True, 1.5, -(2**70), 10**400, [[0, 0, 0]])


def set_field(name: str, value: Any, record: dict[str, Any]) -> None:
    record[name] = value


def test_any_value_in_any_field_reads_or_is_refused() -> None:
    for number in range(1, 13):  # the header, the session and every kind of field they hold
        record = json.loads(LINES[number - 1])
        for field in record:
            for value in ODD_VALUES:
                reads_or_refuses(rewrite(LINES, number, partial(set_field, field, value)))


# Pieces a mutated line may be made of: JSON's oddities, and values of every type.
PIECES = st.sampled_from(
    [
        "NaN",
        "Infinity",
        "-Infinity",
        "1e400",
        "9" * 400,
        "9" * 4400,
        "[" * 3000,
        "{",
        "}",
        '"',
        "\\u0000",
        "\\ud800",
        "null",
        "true",
        "-0",
        "1e-400",
        str(2**53 + 1),
        "[[0,0]]",
        '{"v":1}',
        ",",
        ":",
    ]
)


@st.composite
def mutated_logs(draw: st.DrawFn) -> list[str]:
    lines = list(LINES)
    for _ in range(draw(st.integers(1, 3))):
        number = draw(st.integers(1, 12))
        line = lines[number - 1]
        start = draw(st.integers(0, len(line)))
        end = draw(st.integers(start, min(len(line), start + 40)))
        piece = draw(PIECES | st.text(max_size=12))
        lines[number - 1] = line[:start] + piece + line[end:]
    if draw(st.booleans()):
        lines = reseal(lines) if _header_reads(lines[0]) else lines
    return lines[: draw(st.integers(1, len(lines)))]


def _header_reads(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except (ValueError, RecursionError):
        return False


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=mutated_logs())
def test_only_log_errors_come_out_of_any_mutated_log(lines: list[str]) -> None:
    reads_or_refuses(lines)


def test_nan_and_infinity_are_refused_as_such() -> None:
    for constant in ("NaN", "Infinity", "-Infinity"):
        assert f"{constant} is not a number" in refused(with_line(3, timed(constant))).reason
