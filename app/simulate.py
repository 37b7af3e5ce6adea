"""Bot teams play a whole workshop against a running server, over the real protocol.

Each bot is a participant socket that sees only what a phone sees; one facilitator socket
starts the phases. For demos, and for load.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
import urllib.request
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from game.bots import BotTeam

UNANSWERED_S = 1.0  # a bot whose turn it is hears nothing for this long: it moves again
TIME_LIMIT_S = 300.0  # then the facilitator ends the learning phases and the session


@dataclass
class _TeamRun:
    team_id: str
    join_code: str
    bots: BotTeam
    phase: str = "lobby"
    asked_to_start: bool = False
    finished: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass(frozen=True)
class Bots:
    """How the bots play: per team, how many, how (a game.bots strategy), how fast, from
    which seed, and for how long at most."""

    players: int = 5
    strategy: str = "learner"
    think_s: float = 0.3
    seed: int = 0
    time_limit_s: float = TIME_LIMIT_S


def run_simulation(
    *, url: str, teams: int, bots: Bots, quiet: bool = False, join_codes: list[str] | None = None
) -> int:
    say = (lambda _: None) if quiet else print
    try:
        run: Coroutine[Any, Any, dict[str, Any]]
        if join_codes:
            run = join_teams(url=url, codes=join_codes, bots=bots)
        else:
            run = simulate(url=url, teams=teams, bots=bots, say=say)
        summary = asyncio.run(run)
    except OSError as error:
        print(f"Could not reach the server at {url}: {error}")
        return 1
    print(json.dumps(summary, indent=2))
    return 0


def _create_workshop(url: str, teams: int, seed: int) -> dict[str, Any]:
    body = json.dumps(
        {
            "title": "Simulated workshop",
            "teams": teams,
            "maze": {"seed": seed},
            "rules": {"planning_s": 0},
        }
    ).encode()
    request = urllib.request.Request(
        f"{url}/api/workshops", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        created: dict[str, Any] = json.load(response)
    return created


async def simulate(*, url: str, teams: int, bots: Bots, say: Any = print) -> dict[str, Any]:
    url = url.rstrip("/")
    ws_url = "ws" + url.removeprefix("http")
    created = await asyncio.to_thread(_create_workshop, url, teams, bots.seed)
    say(f"Workshop {created['workshop_id']} created with {teams} team(s)")
    say(f"Watch it on the facilitator's console: {created['facilitator_url']}")
    runs = [
        _TeamRun(t["team_id"], t["join_code"], BotTeam(bots.strategy, bots.seed + n))
        for n, t in enumerate(created["teams"])
    ]
    started = time.monotonic()
    async with connect(f"{ws_url}/ws/facilitate/{created['workshop_id']}") as host:
        await host.send(json.dumps({"type": "auth", "token": created["facilitator_token"]}))
        await _expect(host, "welcome")
        players = _start_players(ws_url, runs, bots, say)
        deadline = started + bots.time_limit_s
        final = await _facilitate(host, runs, bots.players, say, deadline)
        for task in players:
            task.cancel()
        await asyncio.gather(*players, return_exceptions=True)
    return {
        "workshop_id": created["workshop_id"],
        "seconds": round(time.monotonic() - started, 1),
        "time_limit_reached": final["time_limit_reached"],
        "teams": [
            {
                "team": team["id"],
                "phase": team["phase"],
                "learning_failures": team["failures"],
                "path_found": team["path_found"],
                "execution_errors": team["execution_errors"],
            }
            for team in final["view"]["teams"]
        ],
    }


def _start_players(
    ws_url: str, runs: list[_TeamRun], bots: Bots, say: Any
) -> list[asyncio.Task[None]]:
    rng = random.Random(bots.seed)
    return [
        asyncio.create_task(_play(ws_url, run, n, bots.think_s, rng.random(), say))
        for run in runs
        for n in range(bots.players)
    ]


async def join_teams(*, url: str, codes: list[str], bots: Bots) -> dict[str, Any]:
    """Bots join teams of a workshop someone runs from the console, and play their turns
    until the workshop ends (or the time limit): a rehearsal the facilitator can watch."""
    ws_url = "ws" + url.rstrip("/").removeprefix("http")
    runs = [
        _TeamRun("", code, BotTeam(bots.strategy, bots.seed + n)) for n, code in enumerate(codes)
    ]
    started = time.monotonic()
    players = _start_players(ws_url, runs, bots, lambda _: None)
    done, playing = await asyncio.wait(players, timeout=bots.time_limit_s)
    for task in playing:
        task.cancel()
    await asyncio.gather(*players, return_exceptions=True)
    refused = sorted({str(task.exception()) for task in done if task.exception() is not None})
    return {
        "joined": codes,
        "players_per_team": bots.players,
        "seconds": round(time.monotonic() - started, 1),
        "time_limit_reached": bool(playing),
        "refused": refused,
    }


async def _expect(socket: ClientConnection, kind: str) -> dict[str, Any]:
    while True:
        message: dict[str, Any] = json.loads(await socket.recv())
        if message["type"] == kind:
            return message
        if message["type"] == "error":
            raise RuntimeError(f"{message['code']}: {message['message']}")


async def _facilitate(
    host: ClientConnection, runs: list[_TeamRun], players: int, say: Any, deadline: float
) -> dict[str, Any]:
    """Start learning once a team's bots have joined, then execution after it finds the path;
    end when all are done, or at the deadline (time.monotonic()), whatever the bots did."""
    while True:
        try:
            text = await asyncio.wait_for(host.recv(), timeout=deadline - time.monotonic())
        except TimeoutError:
            say("Time is up: the facilitator ends the workshop")
            return {"view": await _end_now(host, runs), "time_limit_reached": True}
        message = json.loads(text)
        if message["type"] not in ("update", "welcome", "snapshot", "resumed"):
            continue
        view = message["view"]
        for team, run in zip(view["teams"], runs, strict=True):
            if (
                team["phase"] == "lobby"
                and not run.asked_to_start
                and len(team["players"]) >= players
            ):
                run.asked_to_start = True  # once everyone is in
                await host.send(json.dumps({"type": "start_learning", "team": run.team_id}))
            if team["phase"] == run.phase:
                continue
            run.phase = team["phase"]
            say(f"{team['name']}: {run.phase} (failures so far: {team['failures']})")
            if run.phase == "review":
                prediction = {"type": "predict", "team": run.team_id, "seconds": 60}
                await host.send(json.dumps(prediction))
                await host.send(json.dumps({"type": "start_execution", "team": run.team_id}))
        if all(run.phase == "done" for run in runs):
            await host.send(json.dumps({"type": "end"}))
            return {"view": await _until_ended(host), "time_limit_reached": False}


async def _end_now(host: ClientConnection, runs: list[_TeamRun]) -> dict[str, Any]:
    """End every learning phase under way (so that its measures are closed), then the session.
    A refusal (a team that finished in the meantime) changes nothing and is ignored."""
    for run in runs:
        if run.phase == "learning":
            await host.send(json.dumps({"type": "end_phase", "team": run.team_id}))
    await host.send(json.dumps({"type": "end"}))
    return await _until_ended(host)


async def _until_ended(host: ClientConnection) -> dict[str, Any]:
    """The facilitator's view once the session has ended."""
    while True:
        message = json.loads(await host.recv())
        if message["type"] == "update" and message["view"]["session"]["ended"]:
            view: dict[str, Any] = message["view"]
            return view


async def _play(
    ws_url: str, run: _TeamRun, number: int, think_s: float, jitter: float, say: Any
) -> None:
    """One bot player: join, then move whenever it is its turn, until the workshop ends."""
    async with connect(f"{ws_url}/ws/play/{run.join_code}") as socket:
        names = _bot_names(number)
        await socket.send(json.dumps({"type": "join", "name": next(names)}))
        player = ""
        moving: asyncio.Task[None] | None = None
        view: dict[str, Any] = {}
        while True:
            try:
                async with asyncio.timeout(UNANSWERED_S):
                    text = await socket.recv()
            except TimeoutError:
                text = None  # a move over the rate limit is dropped unanswered: think again
            except ConnectionClosed:
                return  # the server closed the room, or dropped this bot: it stops playing
            message: dict[str, Any] = json.loads(text) if text else {"type": "silence"}
            if message["type"] == "welcome":
                player = message["player"]
            if not player and message["type"] == "error":
                name = next(names, None)
                if message["code"] != "name_taken" or name is None:
                    raise RuntimeError(f"{message['code']}: {message['message']}")
                await socket.send(json.dumps({"type": "join", "name": name}))
                continue
            if "view" in message:
                if number == 0:  # one player feeds the team's shared memory
                    for event in message.get("events", []):
                        run.bots.observe(event)
                view = message["view"]
                if view["session"]["ended"]:
                    return
            elif message["type"] not in ("error", "silence"):  # after a refused move, think again
                continue
            you = view.get("you") or {}
            if you.get("your_turn") and (moving is None or moving.done()):
                delay = think_s * (0.5 + jitter)
                moving = asyncio.create_task(_move(socket, run, view, player, delay))


def _bot_names(number: int) -> Iterator[str]:
    """Bot 3, then Bot 3b, Bot 3c… while a name is taken in the team."""
    yield f"Bot {number + 1}"
    for letter in "bcdefghijk":
        yield f"Bot {number + 1}{letter}"


async def _move(
    socket: ClientConnection, run: _TeamRun, view: dict[str, Any], player: str, delay: float
) -> None:
    await asyncio.sleep(delay)
    move = run.bots.next_move(view, player)
    if move is None:
        return
    row, col = move.square
    # A closed socket: the reading loop sees the same close and stops the bot.
    with contextlib.suppress(ConnectionClosed):
        await socket.send(json.dumps({"type": move.kind, "row": row, "col": col}))
