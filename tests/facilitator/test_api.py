"""The facilitator's HTTP side: live metrics, exports checked against the log, maze preview."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from contextlib import ExitStack
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from facilitator.exports import download_name, summary_csv
from game import events as ev
from game.events import from_record
from game.metrics import session_metrics
from game.replay import LogFile, read_log, read_log_file
from game.settings import Settings, parse_maze
from tests.app.helpers import Conn, Server, Workshop, path_of, wrong_entry


@pytest.fixture(scope="module")
def played(server: Server) -> Workshop:
    """Two players find the path after a beep, cross it again in execution; the session ends."""
    workshop = server.create_workshop(
        maze={"seed": 11, "cols": 5, "rows": 5}, rules={"planning_s": 0}
    )
    with ExitStack() as stack:
        host = server.facilitator(stack, workshop)
        ann = server.join(stack, workshop.codes[0], "Ann")
        bob = server.join(stack, workshop.codes[0], "Bob")
        path = path_of(act(host, {"type": "start_learning"}, "learning_started")["view"])
        row, col = wrong_entry(path, 5)
        act(ann, {"type": "step", "row": row, "col": col}, "beeped")
        for row, col in path:
            act(bob, {"type": "step", "row": row, "col": col}, "stepped")
        act(host, {"type": "penalty", "kind": "talking"}, "penalty_recorded")
        act(host, {"type": "predict", "seconds": 40}, "prediction_entered")
        act(host, {"type": "start_execution"}, "execution_started")
        for walker in (ann, bob):
            for row, col in path:
                act(walker, {"type": "step", "row": row, "col": col}, "stepped")
        assert act(host, {"type": "end"}, "session_ended")["view"]["session"]["ended"] is True
    return workshop


def act(conn: Conn, message: dict[str, Any], caused: str) -> dict[str, Any]:
    """Send, then read until this connection hears of the event its message caused."""
    conn.send(message)
    while True:
        answer = conn.recv()
        assert answer["type"] != "error", answer
        events = answer.get("events", []) if answer["type"] == "update" else []
        if any(e["type"] == caused and e.get("player", conn.player) == conn.player for e in events):
            return answer


def get(server: Server, workshop: Workshop, path: str, token: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token or workshop.token}"}
    return server.http.get(f"/api/workshops/{workshop.id}/{path}", headers=headers)


def the_log(server: Server, workshop: Workshop) -> list[Any]:
    text = get(server, workshop, "log").text
    return [from_record(json.loads(line)) for line in text.splitlines()]


def test_metrics_are_the_engine_metrics_of_the_log(server: Server, played: Workshop) -> None:
    answer = get(server, played, "metrics").json()
    log = the_log(server, played)
    assert answer == json.loads(json.dumps(session_metrics(log, now=log[-1].ts)))
    team = answer["teams"]["t1"]
    assert team["learning"]["failures"] == {"total": 1, "new": 1, "repeat": 0}
    assert team["learning"]["penalty_s"] == 30
    assert team["execution"]["complete"] is True
    assert team["execution"]["predicted_s"] == 40


def test_the_csv_exports_match_the_log(server: Server, played: Workshop) -> None:
    log = the_log(server, played)
    events = list(csv.DictReader(io.StringIO(get(server, played, "export/events.csv").text)))
    assert [int(row["seq"]) for row in events] == [e.seq for e in log]
    assert [row["type"] for row in events] == [e.type for e in log]
    for row, event in zip(events, log, strict=True):
        assert float(row["ts"]) == event.ts
        assert row["time"].endswith("Z")
        when = datetime.fromisoformat(row["time"].replace("Z", "+00:00"))
        assert abs(when.timestamp() - event.ts) < 0.001
    beep = next(row for row in events if row["type"] == "beeped")
    assert json.loads(beep["details"])["kind"] == "new"

    minutes = list(csv.DictReader(io.StringIO(get(server, played, "export/per-minute.csv").text)))
    learning = session_metrics(log)["teams"]["t1"]["learning"]
    assert [(int(r["new"]), int(r["repeat"])) for r in minutes] == [
        (b["new"], b["repeat"]) for b in learning["per_minute"]
    ]
    # The path was found in the learning phase, within its first minute.
    assert [r["path_progress_pct"] for r in minutes] == ["100.0"]
    # The minute's seconds, whether it is partial, and its rates over those seconds.
    assert [
        (float(r["covered_s"]), r["partial"], float(r["new_per_min"]), float(r["repeat_per_min"]))
        for r in minutes
    ] == [
        (
            round(b["covered_s"], 1),
            str(b["partial"]),
            round(b["new_per_min"], 2),
            round(b["repeat_per_min"], 2),
        )
        for b in learning["per_minute"]
    ]

    summary = list(csv.DictReader(io.StringIO(get(server, played, "export/summary.csv").text)))
    assert len(summary) == 1
    row = summary[0]
    assert (row["team"], row["failures"], row["predicted_s"]) == ("t1", "1", "40")
    assert row["execution_complete"] == "True"
    assert row["learning_duration_s"] == str(round(learning["duration_s"], 1))
    for name, value in row.items():
        for part in value.split(";") if name.endswith("_s") and value else []:
            assert re.fullmatch(r"-?\d+(\.\d)?", part), (name, value)
        assert not re.fullmatch(r"-?\d+\.\d{4,}", value), (name, value)  # 0.667 at most

    # Penalties by kind, every kind of the workshop, counted from the log.
    recorded = [e for e in log if isinstance(e, ev.PenaltyRecorded)]
    counts = Counter(e.kind for e in recorded)
    for kind, each_s in {"talking": 30, "pointing": 15, "touching": 60}.items():
        assert row[f"penalty_{kind}_count"] == str(counts[kind])
        assert row[f"penalty_{kind}_s"] == str(counts[kind] * each_s)
    assert row["penalty_talking_count"] == "1"

    # The execution crossing times, from its start (nothing paused it).
    started = next(e for e in log if isinstance(e, ev.ExecutionStarted))
    crossed = [e for e in log if isinstance(e, ev.Crossed) and e.seq > started.seq]
    assert len(crossed) == 2
    assert row["execution_crossings_s"] == ";".join(
        str(round(e.ts - started.ts, 1)) for e in crossed
    )

    jsonl = get(server, played, "export/log.jsonl")  # the log file, as the library writes it
    assert read_log_file(jsonl.text) == LogFile(log, checksum=True)
    assert jsonl.headers["content-disposition"] == (
        f'attachment; filename="{download_name(log, "-log.jsonl")}"'
    )


def test_a_download_is_named_for_its_session_and_day() -> None:
    maze = parse_maze({"seed": 1})
    created = ev.SessionCreated(
        seq=1,
        ts=1767261600.0,  # 2026-01-01 10:00 UTC
        session_id="k7qv3nhx2mbe",
        title="Équipe d'été: día 2 / Leadership!",
        settings=Settings(),
        teams=(ev.TeamSpec("t1", "Blue", maze),),
    )
    assert download_name([created], ".jsonl") == (
        "electric-maze-2026-01-01-equipe-d-ete-dia-2-leadership-k7qv3nhx2mbe.jsonl"
    )
    untitled = replace(created, title="¿¡!?")
    assert download_name([untitled], "-summary.csv") == (
        "electric-maze-2026-01-01-k7qv3nhx2mbe-summary.csv"
    )


def test_metrics_and_exports_need_the_token(server: Server, played: Workshop) -> None:
    for path in ("metrics", "export/summary.csv", "export/log.jsonl"):
        assert get(server, played, path, token="wrong").status_code == 401
        assert server.http.get(f"/api/workshops/{played.id}/{path}").status_code == 401
    assert get(server, played, "export/secrets.txt").status_code == 422


def test_the_facilitator_socket_gets_live_metrics(server: Server) -> None:
    workshop = server.create_workshop()
    with ExitStack() as stack:
        host = server.facilitator(stack, workshop)
        server.join(stack, workshop.codes[0], "Cy")
        host.expect("update")
        deadline_messages = 0
        while not host.metrics and deadline_messages < 3:
            host.is_quiet(1.2)
            deadline_messages += 1
        assert host.metrics, "no metrics message reached the facilitator"
        latest = host.metrics[-1]
        assert latest["metrics"]["teams"]["t1"]["players"] >= 0
        assert isinstance(latest["seq"], int) and isinstance(latest["now"], float)


def test_the_maze_preview_draws_or_checks_a_path(server: Server) -> None:
    generated = server.http.post("/api/maze/preview", json={"seed": 4, "difficulty": "hard"})
    assert generated.status_code == 200
    body = generated.json()
    assert body["cols"] == 6 and body["rows"] == 9 and body["length"] == len(body["path"])
    again = server.http.post("/api/maze/preview", json={"seed": 4, "difficulty": "hard"})
    assert again.json() == body
    drawn = server.http.post(
        "/api/maze/preview", json={"cols": 3, "rows": 3, "path": [[0, 0], [1, 0], [2, 0]]}
    )
    assert drawn.json()["path"] == [[0, 0], [1, 0], [2, 0]] and drawn.json()["valid"] is True
    # A drawing is checked at each click: its verdict is an answer, not an error status.
    broken = server.http.post(
        "/api/maze/preview", json={"cols": 3, "rows": 3, "path": [[0, 0], [2, 2]]}
    )
    assert broken.status_code == 200
    assert (broken.json()["valid"], broken.json()["unfinished"]) == (False, False)
    [refusal] = broken.json()["detail"]
    assert refusal["loc"] == ["body", "path"]
    assert refusal["msg"].startswith("square 2 (row 3, column 3) is not next to")
    on_its_way = server.http.post(
        "/api/maze/preview", json={"cols": 3, "rows": 3, "path": [[0, 0], [1, 1]]}
    )
    assert (on_its_way.json()["valid"], on_its_way.json()["unfinished"]) == (False, True)
    # Anything else wrong is still a refusal.
    too_small = server.http.post("/api/maze/preview", json={"cols": 2, "path": [[0, 0]]})
    assert too_small.status_code == 422
    assert too_small.json()["message"].startswith("cols: ")


def test_ratios_in_the_summary_are_rounded_for_people() -> None:
    stored = Path(__file__).parents[1] / "game" / "data" / "v1-session.jsonl"
    [row] = csv.DictReader(io.StringIO(summary_csv(read_log(stored.read_text()))))
    assert row["learning_ratio"] == "0.667"  # two new failures in three
