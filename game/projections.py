"""What each audience may see: the one place that decides it.

Participants and the big screen see the board as it stands on the real mat: who is walking,
the current walker's trail, and that a beep happened. They never see a square of the path that
has not been stepped on, nor anything that depends on one (the path's length, progress as a
share of the path, whether a beep was new or a repeat, a beep still delayed). The facilitator
sees everything.
"""

from __future__ import annotations

from typing import Any

from game import events as ev
from game.board import Square
from game.rules import allowed_commands, squares_to_tap
from game.settings import Settings
from game.state import Clock, SessionState, TeamState

PUBLIC_RULES = (
    "retrace",
    "beep_delay_s",
    "idle_timeout_s",
    "planning_s",
    "huddle_budget_s",
    "penalties",
    "learning_ends",
    "max_walkers",
    "execution_error_s",
    "memory_aids",
)


def _square(square: Square) -> list[int]:
    return [square[0], square[1]]


def _clock(clock: Clock) -> dict[str, Any]:
    return {"started_at": clock.started_at, "ended_at": clock.ended_at, "paused_s": clock.paused_s}


def _public_team(team: TeamState, settings: Settings) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": team.id,
        "name": team.name,
        "phase": team.phase,
        "board": {"cols": team.maze.cols, "rows": team.maze.rows, "diagonal": team.maze.diagonal},
        "players": [
            {
                "id": p.id,
                "name": p.name,
                "connected": p.connected,
                "crossed": p.crossed,
            }
            for p in (team.players[pid] for pid in team.order)
        ],
        "locked": team.locked,
        "walkers": [
            {
                "player": w.player,
                "trail": [_square(sq) for sq in w.trail],
                "retracing": w.retracing,
                "deadline": w.deadline,
            }
            for w in team.walks.values()
        ],
        "queue": list(team.queue),
        "next_walker": _next_walker(team),
        "planning_ends_at": team.planning_ends_at,
        "paused_since": team.paused_since,
        "huddle_ends_at": team.huddle_ends_at,
        "huddle_left_s": max(0.0, settings.huddle_budget_s - team.huddle_used_s),
        "learning": _clock(team.learning),
        "execution": _clock(team.execution),
        "failures": team.failures["new"] + team.failures["repeat"],
        "execution_errors": team.failures["execution"],
        "retrace_errors": team.failures["retrace"],
        "penalties": [
            {"kind": p.kind, "seconds": p.seconds, "phase": p.phase, "ts": p.ts, "seq": p.seq}
            for p in team.penalties
        ],
        "penalty_s": _penalty_seconds(team, settings),
        "prediction_s": team.prediction_s,
        "path_found": team.path_found,
        "last_beep": None,
        "memory": None,
    }
    if team.last_beep is not None:
        beep = team.last_beep
        kind = beep.kind if beep.kind in ("execution", "retrace") else "learning"
        view["last_beep"] = {
            "player": beep.player,
            "square": _square(beep.square),
            "ts": beep.ts,
            "kind": kind,
        }
    if settings.memory_aids:
        safe = team.proven_squares()
        view["memory"] = {
            "safe": [_square(sq) for sq in safe],
            "beeped": [_square(sq) for sq in sorted(team.beeped - set(safe))],
        }
    return view


def _penalty_seconds(team: TeamState, settings: Settings) -> dict[str, int]:
    """What each phase's adjusted time adds to its raw time."""
    recorded = {"learning": 0, "execution": 0}
    for penalty in team.penalties:
        recorded[penalty.phase] += penalty.seconds
    recorded["execution"] += team.failures["execution"] * settings.execution_error_s
    return recorded


def _session(state: SessionState) -> dict[str, Any]:
    return {
        "id": state.session_id,
        "title": state.title,
        "ended": state.ended,
        "rules": {name: getattr(state.settings, name) for name in PUBLIC_RULES},
    }


def participant_view(state: SessionState, team_id: str, player: str) -> dict[str, Any]:
    """A player's view; `you` is None once the player is no longer in the team."""
    team = state.teams[team_id]
    you = None
    if player in team.players:
        walk = team.walks.get(player)
        you = {
            "id": player,
            "name": team.players[player].name,
            "your_turn": walk is not None,
            "retracing": walk.retracing if walk else False,
            "moves": [_square(sq) for sq in squares_to_tap(team, player)],
            "turns_until_yours": _turns_until(team, player),
        }
    return {
        "audience": "participant",
        "seq": state.seq,
        "session": _session(state),
        "team": _public_team(team, state.settings),
        "you": you,
        "banned": player in team.banned,
    }


def _turns_until(team: TeamState, player: str) -> int | None:
    """How many walkers go before this player (0 when walking), where that is known."""
    if player in team.walks:
        return 0
    if team.phase == "execution":
        return team.queue.index(player) + 1 if player in team.queue else None
    if team.phase != "learning" or team.players[player].crossed:
        return None
    count = len(team.order)
    ahead = len(team.walks)  # the walker on the maze goes first, as in the execution queue
    for offset in range(1, count + 1):
        candidate = team.order[(team.cursor + offset) % count]
        if candidate == player:
            return ahead
        if not team.players[candidate].crossed:
            ahead += 1
    return None


def _next_walker(team: TeamState) -> str | None:
    """Who takes the maze when a turn ends, where that is known: the first of the execution
    queue not on the maze, or the next one in the learning rotation who has not crossed."""
    if team.phase == "execution":
        return next((player for player in team.queue if player not in team.walks), None)
    if team.phase != "learning" or not team.order:
        return None
    count = len(team.order)
    for offset in range(1, count + 1):
        candidate = team.order[(team.cursor + offset) % count]
        if not team.players[candidate].crossed:
            return candidate
    return None


def screen_view(state: SessionState, team_id: str) -> dict[str, Any]:
    return {
        "audience": "screen",
        "seq": state.seq,
        "session": _session(state),
        "team": _public_team(state.teams[team_id], state.settings),
    }


def facilitator_view(state: SessionState) -> dict[str, Any]:
    """Everything, hidden path included: only for an authenticated facilitator."""
    return {
        "audience": "facilitator",
        "seq": state.seq,
        "clock": state.clock,
        "session": {
            **_session(state),
            "rules": state.settings.to_dict(),
            "ended_by": state.ended_by,
            "outages": [
                {"since": o.since, "until": o.until, "seconds": o.seconds} for o in state.outages
            ],
        },
        "teams": [_facilitator_team(state, team) for team in state.teams.values()],
    }


def _facilitator_team(state: SessionState, team: TeamState) -> dict[str, Any]:
    view = _public_team(team, state.settings)
    path = team.maze.path
    view.update(
        path=[_square(sq) for sq in path],
        revealed=team.revealed,
        progress=(team.revealed + 1) / len(path),
        failures_by_kind=dict(team.failures),
        beeped=[_square(sq) for sq in sorted(team.beeped)],
        beeped_in={
            phase: [_square(sq) for sq in sorted(squares)]
            for phase, squares in team.beeped_in.items()
        },
        banned=sorted(team.banned),
        huddle_used_s=team.huddle_used_s,
        allowed=allowed_commands(state, team.id),
    )
    for walker, walk in zip(view["walkers"], team.walks.values(), strict=True):
        walker["position"] = walk.position
        walker["pending_beep"] = (
            None if walk.wrong is None else {"square": _square(walk.wrong), "due": walk.beep_due}
        )
    if team.last_beep is not None:
        view["last_beep"]["kind"] = team.last_beep.kind
    return view


_SECRET_FIELDS: dict[str, tuple[str, ...]] = {
    ev.Stepped.type: ("safe",),
    ev.Beeped.type: ("kind", "on_path", "came_from"),
}


def public_event(event: ev.Event) -> dict[str, Any] | None:
    """The event as participants and the big screen may hear of it, or None if not at all."""
    if isinstance(event, ev.SessionCreated):
        return None
    record = ev.to_record(event)
    record.pop("v")
    for name in _SECRET_FIELDS.get(event.type, ()):
        record.pop(name)
    return record
