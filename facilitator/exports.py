"""Exports of a session for the debrief: CSV tables built from the log and its metrics."""

from __future__ import annotations

import csv
import io
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from game.events import Event, SessionCreated, to_record
from game.metrics import MINUTE_S, session_metrics

EVENT_COLUMNS = ("seq", "ts", "time", "type", "team", "player", "square", "details")


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def seconds(value: float) -> float:
    """Seconds as the tables show them: to a tenth."""
    return round(value, 1)


def share_percent(share: float) -> float:
    """A share of the path as a percentage to one decimal, halves up (as the console shows it)."""
    return math.floor(share * 1000 + 0.5) / 10


def iso_time(ts: float) -> str:
    """A log time as ISO 8601 in UTC, to the millisecond: 2026-01-01T10:00:05.250Z."""
    moment = datetime.fromtimestamp(ts, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def events_csv(events: Sequence[Event]) -> str:
    """One row per event; fields beyond the common ones go into `details` as JSON."""
    rows = []
    for event in events:
        record = to_record(event)
        record.pop("v")
        square = record.pop("square", None)
        seq, ts = record.pop("seq"), record.pop("ts")
        common = [record.pop(name, "") for name in ("type", "team", "player")]
        rows.append(
            [
                seq,
                ts,
                iso_time(ts),
                *common,
                f"{square[0]},{square[1]}" if square else "",
                json.dumps(record, separators=(",", ":")) if record else "",
            ]
        )
    return _csv(EVENT_COLUMNS, rows)


def progress_by_minute(points: Sequence[dict[str, float]], minute: int) -> float:
    """The share of the path found by the end of a minute (counted from 0), in percent."""
    reached = [point["progress"] for point in points if point["t"] <= (minute + 1) * MINUTE_S]
    return share_percent(reached[-1] if reached else 0.0)


def per_minute_csv(events: Sequence[Event], *, now: float | None = None) -> str:
    """Learning failures per minute of active time, per team, split new and repeat, with the
    share of the path found by the end of the minute, the seconds the minute covered, whether
    it is the partial last one, and the rates over those seconds."""
    metrics = session_metrics(events, now=now)
    rows = []
    for team_id, team in metrics["teams"].items():
        learning = team["learning"]
        for bucket in learning["per_minute"]:
            minute = bucket["minute"]
            progress = progress_by_minute(learning["progress"], minute)
            rows.append(
                [
                    team_id,
                    team["name"],
                    minute + 1,
                    bucket["new"],
                    bucket["repeat"],
                    progress,
                    round(bucket["covered_s"], 1),
                    bucket["partial"],
                    _rate(bucket["new_per_min"]),
                    _rate(bucket["repeat_per_min"]),
                ]
            )
    return _csv(PER_MINUTE_COLUMNS, rows)


PER_MINUTE_COLUMNS = (
    "team",
    "team_name",
    "minute",
    "new",
    "repeat",
    "path_progress_pct",
    "covered_s",
    "partial",
    "new_per_min",
    "repeat_per_min",
)


def _rate(value: float | None) -> float | str:
    return "" if value is None else round(value, 2)


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


def _cell(name: str, value: Any, keys: Sequence[str]) -> Any:
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    if value is None:
        return ""
    if name.endswith("_s") and isinstance(value, float):
        return seconds(value)
    if isinstance(value, float):
        return round(value, 3)  # a ratio: 0.667, not 0.6666666666666666
    return value


def _penalty_cells(team: dict[str, Any], kinds: Sequence[str]) -> list[int]:
    """Each kind's count and seconds, over both phases."""
    cells = []
    for kind in kinds:
        tallies = [team[phase]["penalties"].get(kind) for phase in ("learning", "execution")]
        cells.append(sum(tally["count"] for tally in tallies if tally))
        cells.append(sum(tally["seconds"] for tally in tallies if tally))
    return cells


def _crossing_times(team: dict[str, Any]) -> str:
    """The execution phase's crossings, seconds from its start, in order: "12.5;20.1"."""
    return ";".join(str(seconds(crossing["t"])) for crossing in team["execution"]["crossings"])


def summary_csv(events: Sequence[Event], *, now: float | None = None) -> str:
    """One row per team with the headline debrief measures, the penalties of each of the
    workshop's kinds, and the execution crossing times."""
    metrics = session_metrics(events, now=now)
    created = events[0]
    assert isinstance(created, SessionCreated)
    kinds = list(created.settings.penalties)
    header = [
        "team",
        "team_name",
        "players",
        *(name for name, _ in SUMMARY_COLUMNS),
        *(f"penalty_{kind}_{what}" for kind in kinds for what in ("count", "s")),
        "execution_crossings_s",
    ]
    rows = [
        [
            team_id,
            team["name"],
            team["players"],
            *(_cell(name, team, keys) for name, keys in SUMMARY_COLUMNS),
            *_penalty_cells(team, kinds),
            _crossing_times(team),
        ]
        for team_id, team in metrics["teams"].items()
    ]
    return _csv(header, rows)


def download_name(events: Sequence[Event], ending: str) -> str:
    """A file name that says whose session and when, in a downloads folder full of them:
    electric-maze-2026-01-05-leadership-day-k7qv3nhx2mbe.jsonl (`ending` ".jsonl")."""
    created = events[0]
    assert isinstance(created, SessionCreated)
    day = datetime.fromtimestamp(created.ts, UTC).date().isoformat()
    ascii_title = unicodedata.normalize("NFKD", created.title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower())[:40].strip("-")
    session = re.sub(r"[^A-Za-z0-9_-]+", "", created.session_id)[:64]
    return "-".join(part for part in ("electric-maze", day, slug, session) if part) + ending


def log_jsonl(events: Sequence[Event]) -> str:
    return "".join(json.dumps(to_record(e), separators=(",", ":")) + "\n" for e in events)
