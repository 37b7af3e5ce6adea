"""Exports of a session for the debrief: CSV tables built from the log and its metrics."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any

from game.events import Event, to_record
from game.metrics import session_metrics

EVENT_COLUMNS = ("seq", "ts", "type", "team", "player", "square", "details")


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def events_csv(events: Sequence[Event]) -> str:
    """One row per event; fields beyond the common ones go into `details` as JSON."""
    rows = []
    for event in events:
        record = to_record(event)
        record.pop("v")
        square = record.pop("square", None)
        common = [record.pop(name, "") for name in ("seq", "ts", "type", "team", "player")]
        rows.append(
            [
                *common,
                f"{square[0]},{square[1]}" if square else "",
                json.dumps(record, separators=(",", ":")) if record else "",
            ]
        )
    return _csv(EVENT_COLUMNS, rows)


def per_minute_csv(events: Sequence[Event], *, now: float | None = None) -> str:
    """Learning failures per minute of active time, per team, split new and repeat."""
    metrics = session_metrics(events, now=now)
    rows = []
    for team_id, team in metrics["teams"].items():
        for bucket in team["learning"]["per_minute"]:
            rows.append(
                [team_id, team["name"], bucket["minute"] + 1, bucket["new"], bucket["repeat"]]
            )
    return _csv(("team", "team_name", "minute", "new", "repeat"), rows)


SUMMARY_COLUMNS = (
    ("learning_duration_s", ("learning", "duration_s")),
    ("learning_penalty_s", ("learning", "penalty_s")),
    ("learning_adjusted_s", ("learning", "adjusted_s")),
    ("time_to_first_beep_s", ("learning", "time_to_first_beep_s")),
    ("time_to_discovery_s", ("learning", "time_to_discovery_s")),
    ("path_found", ("learning", "path_found")),
    ("failures", ("learning", "failures", "total")),
    ("new_failures", ("learning", "failures", "new")),
    ("repeat_failures", ("learning", "failures", "repeat")),
    ("learning_ratio", ("learning", "learning_ratio")),
    ("turns", ("learning", "turns")),
    ("steps", ("learning", "steps")),
    ("hesitation_median_s", ("learning", "hesitation", "median_s")),
    ("hesitation_longest_s", ("learning", "hesitation", "longest_s")),
    ("idle_timeouts", ("learning", "idle_timeouts")),
    ("retrace_errors", ("learning", "retrace_errors")),
    ("huddles", ("learning", "huddles", "count")),
    ("huddle_s", ("learning", "huddles", "seconds")),
    ("execution_duration_s", ("execution", "duration_s")),
    ("execution_errors", ("execution", "errors")),
    ("execution_error_penalty_s", ("execution", "error_penalty_s")),
    ("execution_penalty_s", ("execution", "penalty_s")),
    ("execution_adjusted_s", ("execution", "adjusted_s")),
    ("predicted_s", ("execution", "predicted_s")),
    ("predicted_vs_actual_s", ("execution", "predicted_vs_actual_s")),
    ("execution_complete", ("execution", "complete")),
)


def _dig(value: Any, keys: Sequence[str]) -> Any:
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return "" if value is None else value


def summary_csv(events: Sequence[Event], *, now: float | None = None) -> str:
    """One row per team with the headline debrief measures."""
    metrics = session_metrics(events, now=now)
    header = ("team", "team_name", "players", *(name for name, _ in SUMMARY_COLUMNS))
    rows = [
        [team_id, team["name"], team["players"], *(_dig(team, keys) for _, keys in SUMMARY_COLUMNS)]
        for team_id, team in metrics["teams"].items()
    ]
    return _csv(header, rows)


def log_jsonl(events: Sequence[Event]) -> str:
    return "".join(json.dumps(to_record(e), separators=(",", ":")) + "\n" for e in events)
