"""`electric-maze simulate` plays whole workshops against a real server process."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from app.simulate import Bots, join_teams, simulate
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
    bots = Bots(players=3, strategy="learner", think_s=0.005, seed=3, time_limit_s=60)
    summary = await simulate(url=live_server.http, teams=1, bots=bots, say=lambda _: None)
    assert summary["time_limit_reached"] is False
    [team] = summary["teams"]
    assert (team["phase"], team["path_found"]) == ("debrief", True)
    log = stored_log(live_server, summary["workshop_id"])
    assert log[-1].type == "session_ended"
    assert [e.type for e in log].count("execution_ended") == 1


async def test_bots_join_a_workshop_run_from_the_console(live_server: LiveServer) -> None:
    body = {"maze": {"cols": 3, "rows": 3, "seed": 5}, "rules": {"planning_s": 0}}
    created = await asyncio.to_thread(_post_json, f"{live_server.http}/api/workshops", body)
    code = created["teams"][0]["join_code"]
    ws_url = "ws" + live_server.http.removeprefix("http")
    async with (
        connect(f"{ws_url}/ws/facilitate/{created['workshop_id']}") as host,
        connect(f"{ws_url}/ws/play/{code}") as human,
    ):
        await host.send(json.dumps({"type": "auth", "token": created["facilitator_token"]}))
        await human.send(json.dumps({"type": "join", "name": "Bot 1"}))  # a name a bot wants
        human_id = (await _next(human, "welcome"))["player"]
        two = Bots(players=2, strategy="learner", think_s=0.005, seed=1, time_limit_s=60)
        bots = asyncio.create_task(join_teams(url=live_server.http, codes=[code], bots=two))
        view = await _until(host, lambda v: len(v["teams"][0]["players"]) == 3)
        names = sorted(p["name"] for p in view["teams"][0]["players"])
        assert names == ["Bot 1", "Bot 1b", "Bot 2"]  # the bot took the next name
        await host.send(json.dumps({"type": "kick", "team": "t1", "player": human_id}))
        await host.send(json.dumps({"type": "start_learning", "team": "t1"}))
        await _until(host, lambda v: v["teams"][0]["phase"] == "review")
        await host.send(json.dumps({"type": "start_execution", "team": "t1"}))
        await _until(host, lambda v: v["teams"][0]["phase"] == "done")
        await host.send(json.dumps({"type": "end"}))
        summary = await asyncio.wait_for(bots, timeout=30)  # the bots stop when it ends
    assert summary["time_limit_reached"] is False
    assert summary["refused"] == []
    log = stored_log(live_server, created["workshop_id"])
    assert [e.type for e in log].count("crossed") == 3  # one learning crossing, two in execution


def _post_json(url: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        answer: dict[str, Any] = json.load(response)
    return answer


async def _next(socket: ClientConnection, kind: str) -> dict[str, Any]:
    while True:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(socket.recv(), 10))
        if message["type"] == kind:
            return message


async def _until(host: ClientConnection, done: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    while True:
        message = json.loads(await asyncio.wait_for(host.recv(), 30))
        view: dict[str, Any] | None = message.get("view")
        if view is not None and done(view):
            return view
