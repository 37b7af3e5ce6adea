"""`electric-maze simulate` plays whole workshops against a real server process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from app.simulate import simulate
from app.store import EventStore
from game.events import Event
from tests.live_server import ROOT, LiveServer


def stored_log(server: LiveServer, workshop_id: str) -> list[Event]:
    store = EventStore(f"sqlite:///{server.database}")
    try:
        return store.events(workshop_id)
    finally:
        store.close()


def test_the_time_limit_ends_a_workshop_the_bots_cannot_finish(live_server: LiveServer) -> None:
    command = [sys.executable, "-m", "app.cli", "simulate", "--url", live_server.http, "--quiet"]
    options = ["--teams", "2", "--players", "2", "--strategy", "random", "--think", "0.02"]
    done = subprocess.run(
        [*command, *options, "--time-limit", "1.5"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    summary = json.loads(done.stdout)
    assert summary["time_limit_reached"] is True
    assert 1.5 <= summary["seconds"] < 10
    assert len(summary["teams"]) == 2
    log = stored_log(live_server, summary["workshop_id"])
    assert log[-1].type == "session_ended"
    learning_ended = [e for e in log if e.type == "learning_ended"]
    assert len(learning_ended) == 2  # each ended by the facilitator, or by a lucky crossing


async def test_learners_finish_a_small_workshop(live_server: LiveServer, tmp_path: Path) -> None:
    summary = await simulate(
        url=live_server.http,
        teams=1,
        players=3,
        strategy="learner",
        think_s=0.005,
        seed=3,
        time_limit_s=60,
        say=lambda _: None,
    )
    assert summary["time_limit_reached"] is False
    [team] = summary["teams"]
    assert (team["phase"], team["path_found"]) == ("debrief", True)
    log = stored_log(live_server, summary["workshop_id"])
    assert log[-1].type == "session_ended"
    assert [e.type for e in log].count("execution_ended") == 1
