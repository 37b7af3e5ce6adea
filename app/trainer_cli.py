"""The trainers' commands: export, import, replay --summary, library."""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from app.config import Config
from app.store import EventStore
from facilitator.exports import download_name
from facilitator.library import list_workshops, save_import
from game.metrics import session_metrics
from game.replay import LogError, read_log, read_log_file, write_log


def _store() -> EventStore:
    return EventStore(Config.from_env().database_url)


def _database_name() -> str:
    return make_url(Config.from_env().database_url).render_as_string(hide_password=True)


def export(workshop_id: str, output: str | None) -> int:
    store = _store()
    try:
        events = store.events(workshop_id)
    finally:
        store.close()
    if not events:
        print(f"No workshop {workshop_id!r} in {_database_name()}", file=sys.stderr)
        return 1
    path = Path(output or download_name(events, ".jsonl"))
    try:
        path.write_text(write_log(events), encoding="utf-8")
    except OSError as error:
        print(f"Cannot write {path}: {error.strerror or error}", file=sys.stderr)
        return 1
    print(f"Wrote {len(events)} events to {path}")
    return 0


def _read(file: str) -> str | None:
    """The file's text, or None once the reason it cannot be read is printed."""
    try:
        return Path(file).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        print(f"{file}: refused, {LogError(1, 'the file is not UTF-8 text')}", file=sys.stderr)
    except OSError as error:
        print(f"Cannot read {file}: {error.strerror or error}", file=sys.stderr)
    return None


def import_file(file: str) -> int:
    text = _read(file)
    if text is None:
        return 1
    try:
        log_file = read_log_file(text)
    except LogError as error:
        print(f"{file}: refused, {error}; nothing was saved", file=sys.stderr)
        return 1
    store = _store()
    try:
        workshop_id, new = save_import(store, log_file.events, time.time())
    finally:
        store.close()
    if not log_file.checksum:
        print(f"{file} has no header: its events were checked against the rules, not a checksum")
    if new:
        print(f"Imported {file} as workshop {workshop_id}")
    else:
        print(f"{file} is already in the library, as workshop {workshop_id}; nothing was saved")
    return 0


def replay(file: str) -> int:
    text = _read(file)
    if text is None:
        return 1
    try:
        events = read_log(text)
    except LogError as error:
        print(f"{file}: refused, {error}", file=sys.stderr)
        return 1
    print(render_summary(session_metrics(events)))
    return 0


def library() -> int:
    store = _store()
    try:
        rows = list_workshops(store)
    finally:
        store.close()
    if not rows:
        print(f"No workshops yet in {_database_name()} (DATABASE_URL chooses the database)")
    for row in rows:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(row["created_at"]))
        teams = ", ".join(
            f"{t['name']}: {'found' if t['path_found'] else 'not found'}" for t in row["teams"]
        )
        print(f"{row['workshop_id']}  {when}  {row['title']}  ({teams})")
    return 0


def _duration(seconds: float | None) -> str:
    """Minutes and seconds, cut down to the second as the pages show them."""
    if seconds is None:
        return "-"
    whole = math.floor(max(0.0, seconds))
    return f"{whole // 60}:{whole % 60:02d}"


def _seconds(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.1f} s"


def _number(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _executed(team: dict[str, Any], measure: str) -> float | None:
    """An execution measure, or None for a team that never began its execution."""
    execution = team["execution"]
    return None if execution["started_at"] is None else execution[measure]


def render_summary(metrics: dict[str, Any]) -> str:
    """The debrief measures of every team, as a plain table for the terminal."""
    teams = list(metrics["teams"].values())
    rows: list[tuple[str, list[str]]] = [
        ("Players", [str(t["players"]) for t in teams]),
        ("Path found", ["yes" if t["learning"]["path_found"] else "no" for t in teams]),
        ("Learning time", [_duration(t["learning"]["duration_s"]) for t in teams]),
        ("  adjusted", [_duration(t["learning"]["adjusted_s"]) for t in teams]),
        ("Time to first beep", [_duration(t["learning"]["time_to_first_beep_s"]) for t in teams]),
        ("Time to discovery", [_duration(t["learning"]["time_to_discovery_s"]) for t in teams]),
        ("Failures", [_number(t["learning"]["failures"]["total"]) for t in teams]),
        ("  new", [_number(t["learning"]["failures"]["new"]) for t in teams]),
        ("  repeat", [_number(t["learning"]["failures"]["repeat"]) for t in teams]),
        ("Learning ratio", [_number(t["learning"]["learning_ratio"]) for t in teams]),
        ("Turns", [_number(t["learning"]["turns"]) for t in teams]),
        ("Hesitation, median", [_seconds(t["learning"]["hesitation"]["median_s"]) for t in teams]),
        (
            "Hesitation, longest",
            [_seconds(t["learning"]["hesitation"]["longest_s"]) for t in teams],
        ),
        ("Idle timeouts", [_number(t["learning"]["idle_timeouts"]) for t in teams]),
        ("Huddles", [_number(t["learning"]["huddles"]["count"]) for t in teams]),
        ("Learning penalties", [_duration(t["learning"]["penalty_s"]) for t in teams]),
        ("Execution time", [_duration(_executed(t, "duration_s")) for t in teams]),
        ("  adjusted", [_duration(t["execution"]["adjusted_s"]) for t in teams]),
        ("  predicted", [_duration(t["execution"]["predicted_s"]) for t in teams]),
        ("Execution errors", [_number(t["execution"]["errors"]) for t in teams]),
        ("Everyone crossed", ["yes" if t["execution"]["complete"] else "no" for t in teams]),
    ]
    label_width = max(len(label) for label, _ in rows)
    widths = [max(len(t["name"]), *(len(r[1][i]) for r in rows)) for i, t in enumerate(teams)]
    title = f"{metrics['session']['title']} ({metrics['session']['id']})"
    header = (
        " " * label_width
        + "  "
        + "  ".join(t["name"].rjust(w) for t, w in zip(teams, widths, strict=True))
    )
    lines = [title, "", header]
    for label, values in rows:
        cells = "  ".join(v.rjust(w) for v, w in zip(values, widths, strict=True))
        lines.append(f"{label.ljust(label_width)}  {cells}")
    return "\n".join(lines)
