"""The debrief measures (the exercise's debrief list), from a session's log alone.

Times are seconds of active time: pauses, huddles and the server's outages do not count. A
phase's clock is the one game.state keeps (learning from its first step, execution from its
start), so a duration here always equals the state's `Clock.elapsed` at the same moment. For a
running session pass `now` to close what is still open; without it the time of the last event
is used.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from game import events as ev
from game.board import Square

MINUTE_S = 60


@dataclass
class _Pause:
    """Time no clock counts: a pause, a huddle, or the server away while the team was not
    paused (an outage during a pause is inside that pause)."""

    start: float
    phase: str
    huddle_s: float | None = None  # the seconds granted, when the pause is a huddle
    end: float | None = None


@dataclass
class _Phase:
    """What happened while one phase was under way."""

    opened_at: float | None = None  # when the phase began: learning_started, execution_started
    started_at: float | None = None  # its clock's start and end
    ended_at: float | None = None
    steps: list[float] = field(default_factory=list)
    beeps: list[ev.Beeped] = field(default_factory=list)
    reached: list[tuple[float, int]] = field(default_factory=list)  # furthest path index growing
    crossings: list[ev.Crossed] = field(default_factory=list)
    turns: int = 0
    idle_timeouts: int = 0
    retrace_errors: int = 0
    penalties: list[ev.PenaltyRecorded] = field(default_factory=list)


@dataclass
class _Team:
    name: str
    path: tuple[Square, ...]
    beep_is_step: bool  # with no beep delay a wrong step is recorded only as its beep
    phase: str = "lobby"
    learning: _Phase = field(default_factory=_Phase)
    execution: _Phase = field(default_factory=_Phase)
    pauses: list[_Pause] = field(default_factory=list)
    outages: list[ev.ServerAway] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    people: dict[str, dict[str, int]] = field(default_factory=dict)
    present: set[str] = field(default_factory=set)
    prediction_s: int | None = None
    path_found: bool = False
    how_learning_ended: str | None = None
    review_opened_at: float | None = None  # when learning ended and the review began
    complete: bool | None = None

    @property
    def current(self) -> _Phase | None:
        return {"learning": self.learning, "execution": self.execution}.get(self.phase)

    @property
    def paused(self) -> bool:
        return bool(self.pauses) and self.pauses[-1].end is None

    def close_pause(self, ts: float) -> None:
        if self.paused:
            self.pauses[-1].end = ts

    def server_away(self, outage: ev.ServerAway) -> None:
        self.outages.append(outage)
        if not self.paused and outage.seconds > 0:
            self.pauses.append(_Pause(outage.since, self.phase, end=outage.ts))

    def away_between(self, start: float, end: float) -> float:
        """Seconds the server was away from `start` to `end`."""
        return sum(max(0.0, min(end, o.ts) - max(start, o.since)) for o in self.outages)


# --- public API --------------------------------------------------------------------------


def session_metrics(events: Sequence[ev.Event], *, now: float | None = None) -> dict[str, Any]:
    created = _created(events)
    ended = [e for e in events if isinstance(e, ev.SessionEnded)]
    return {
        "session": {
            "id": created.session_id,
            "title": created.title,
            "ended_by": ended[0].reason if ended else None,
            "outages": outages(events),
        },
        "teams": {t.team_id: team_metrics(events, t.team_id, now=now) for t in created.teams},
    }


def outages(events: Sequence[ev.Event]) -> list[dict[str, float]]:
    """When the server was away: from `since` to `until`, `seconds` long. No clock counts it."""
    return [
        {"since": e.since, "until": e.ts, "seconds": e.seconds}
        for e in events
        if isinstance(e, ev.ServerAway)
    ]


def team_metrics(
    events: Sequence[ev.Event], team_id: str, *, now: float | None = None
) -> dict[str, Any]:
    team = _collect(events, team_id)
    at = now if now is not None else events[-1].ts
    learning = _learning(team, at)
    execution = _execution(team, at)
    return {
        "team": team_id,
        "name": team.name,
        "phase": team.phase,
        "players": len(team.present),
        "learning": learning,
        "execution": execution,
        "people": _people(team),
        "timeline": _timeline(team, at, learning["duration_s"]),
        # When no clock of the team ran: pauses, huddles and the server away, [start, end]
        # (end null while one lasts), for pages that place events on the phases' clocks.
        "stopped": [[pause.start, pause.end] for pause in team.pauses],
    }


def _people(team: _Team) -> dict[str, dict[str, Any]]:
    """One line a person: a seat that left without playing is left out, and the seats of one
    nickname (kicked, then back under a new seat) are added up under the latest."""
    lines: dict[str, dict[str, Any]] = {}
    seat_of_name: dict[str, str] = {}
    for player, counts in team.people.items():
        if player not in team.present and not any(counts.values()):
            continue
        name = team.names[player]
        earlier = seat_of_name.pop(name.casefold(), None)
        if earlier is not None:
            before = lines.pop(earlier)
            counts = {k: v + before[k] for k, v in counts.items()}
        seat_of_name[name.casefold()] = player
        lines[player] = {"name": name, **counts}
    return lines


# --- one pass over the log ---------------------------------------------------------------


def _created(events: Sequence[ev.Event]) -> ev.SessionCreated:
    if not events or not isinstance(events[0], ev.SessionCreated):
        raise ValueError("a session's log starts with session_created")
    return events[0]


def _collect(events: Sequence[ev.Event], team_id: str) -> _Team:
    created = _created(events)
    spec = next((t for t in created.teams if t.team_id == team_id), None)
    if spec is None:
        raise KeyError(f"no team {team_id!r} in this session")
    team = _Team(spec.name, spec.maze.path, beep_is_step=created.settings.beep_delay_s == 0)
    for event in events[1:]:
        if isinstance(event, ev.SessionEnded):
            _end_session(team, event.ts)
        elif isinstance(event, ev.ServerAway):
            team.server_away(event)
        elif isinstance(event, ev.TeamEvent) and event.team == team_id:
            _record(team, event)
    return team


def _record(team: _Team, event: ev.TeamEvent) -> None:
    phase = team.current
    match event:
        case ev.PlayerJoined(player=player, name=name):
            team.names[player] = name
            team.present.add(player)
            team.people[player] = {"turns": 0, "steps": 0, "beeps": 0}
        case ev.PlayerRenamed(player=player, name=name):
            team.names[player] = name
        case ev.PlayerRemoved(player=player):
            team.present.discard(player)
        case ev.PlanningStarted():
            team.phase = "planning"
        case ev.LearningStarted():
            team.phase = "learning"
            team.learning.opened_at = event.ts
        case ev.TurnBegan(player=player) if phase is not None:
            phase.turns += 1
            team.people[player]["turns"] += 1
        case ev.Stepped(player=player, square=square, safe=safe) if phase is not None:
            _step(team, phase, player, event.ts)
            if safe and phase is team.learning:
                _reach(phase, team.path.index(square), event.ts)
        case ev.Beeped(player=player) if phase is not None:
            phase.beeps.append(event)
            team.people[player]["beeps"] += 1
            if team.beep_is_step:
                _step(team, phase, player, event.ts)
        case ev.Crossed() if phase is not None:
            phase.crossings.append(event)
            team.path_found = team.path_found or phase is team.learning
        case ev.TurnLost(reason="idle" | "disconnected") if phase is not None:
            phase.idle_timeouts += 1
        case ev.RetraceErred() if phase is not None:
            phase.retrace_errors += 1
        case ev.Paused():
            team.pauses.append(_Pause(event.ts, team.phase))
        case ev.HuddleStarted(seconds=seconds):
            team.pauses.append(_Pause(event.ts, team.phase, huddle_s=seconds))
        case ev.Resumed() | ev.HuddleEnded():
            team.close_pause(event.ts)
        case ev.PenaltyRecorded(phase="learning"):
            team.learning.penalties.append(event)
        case ev.PenaltyRecorded(phase="execution"):
            team.execution.penalties.append(event)
        case ev.PenaltyWithdrawn(penalty=seq):
            for recorded in (team.learning, team.execution):
                recorded.penalties = [p for p in recorded.penalties if p.seq != seq]
        case ev.PredictionEntered(seconds=seconds):
            team.prediction_s = seconds
        case ev.LearningEnded(path_found=found, how=how):
            team.close_pause(event.ts)
            team.phase = "review"
            team.review_opened_at = event.ts
            if team.learning.started_at is not None:
                team.learning.ended_at = event.ts
            team.path_found = found
            team.how_learning_ended = how
        case ev.ExecutionStarted():
            team.phase = "execution"
            team.execution.opened_at = team.execution.started_at = event.ts
        case ev.ExecutionEnded(complete=complete):
            team.close_pause(event.ts)
            team.phase = "done"
            team.execution.ended_at = event.ts
            team.complete = complete


def _step(team: _Team, phase: _Phase, player: str, ts: float) -> None:
    phase.steps.append(ts)
    team.people[player]["steps"] += 1
    if phase is team.learning and phase.started_at is None:
        phase.started_at = ts  # the learning clock starts at the first step


def _reach(phase: _Phase, index: int, ts: float) -> None:
    if not phase.reached or index > phase.reached[-1][1]:
        phase.reached.append((ts, index))


def _end_session(team: _Team, ts: float) -> None:
    team.close_pause(ts)
    for phase in (team.learning, team.execution):
        if phase.started_at is not None and phase.ended_at is None:
            phase.ended_at = ts
    if team.phase == "execution":
        team.complete = False
    team.phase = "debrief"


# --- active time ---------------------------------------------------------------------------


def _active(pauses: list[_Pause], start: float, t: float) -> float:
    """Active seconds from `start` to `t`, computed as game.state.Clock.elapsed does."""
    paused = 0.0
    for pause in pauses:
        if pause.start >= t:
            break
        if pause.end is None or pause.end > t:
            t = pause.start  # `t` falls in a pause: time stood still from its start
            break
        if pause.end > start:
            paused += pause.end - pause.start
    return max(0.0, t - start - paused)


def _clock(team: _Team, phase: _Phase, now: float) -> float:
    if phase.started_at is None:
        return 0.0
    end = phase.ended_at if phase.ended_at is not None else now
    return _active(team.pauses, phase.started_at, end)


def _since_start(team: _Team, phase: _Phase, ts: float) -> float:
    assert phase.started_at is not None
    return _active(team.pauses, phase.started_at, ts)


# --- the measures ----------------------------------------------------------------------------


def _learning(team: _Team, now: float) -> dict[str, Any]:
    phase = team.learning
    duration = _clock(team, phase, now)
    penalty = sum(p.seconds for p in phase.penalties)
    new = sum(b.kind == "new" for b in phase.beeps)
    repeat = sum(b.kind == "repeat" for b in phase.beeps)
    return {
        "started_at": phase.started_at,
        "ended_at": phase.ended_at,
        "duration_s": duration,
        "penalty_s": penalty,
        "adjusted_s": duration + penalty,
        "time_to_first_beep_s": _since_opening(team, phase, [b.ts for b in phase.beeps]),
        "time_to_discovery_s": _first(team, phase, [c.ts for c in phase.crossings]),
        "path_found": team.path_found,
        "how_it_ended": team.how_learning_ended,
        "failures": {"total": new + repeat, "new": new, "repeat": repeat},
        "learning_ratio": new / (new + repeat) if new + repeat else None,
        "per_minute": _per_minute(team, phase, duration),
        "failure_minutes": [
            {"seq": beep.seq, "minute": _minute(team, phase, beep.ts, duration)}
            for beep in phase.beeps
        ],
        "progress": [
            {"t": _since_start(team, phase, ts), "progress": (index + 1) / len(team.path)}
            for ts, index in phase.reached
        ],
        "turns": phase.turns,
        "steps": len(phase.steps),
        "hesitation": _hesitation(team, phase),
        "idle_timeouts": phase.idle_timeouts,
        "retrace_errors": phase.retrace_errors,
        "huddles": _huddles(team, "learning", now),
        "penalties": _penalties_by_kind(phase.penalties),
        "beep_map": _beep_map(phase.beeps, {"new": "new", "repeat": "repeat"}),
    }


def _execution(team: _Team, now: float) -> dict[str, Any]:
    phase = team.execution
    started = phase.started_at is not None
    duration = _clock(team, phase, now)
    error_penalty = sum(b.penalty_s for b in phase.beeps)
    penalty = sum(p.seconds for p in phase.penalties)
    adjusted = duration + error_penalty + penalty if started else None
    predicted = team.prediction_s
    return {
        "started_at": phase.started_at,
        "ended_at": phase.ended_at,
        "duration_s": duration,
        "errors": len(phase.beeps),
        "error_penalty_s": error_penalty,
        "penalty_s": penalty,
        "adjusted_s": adjusted,
        "predicted_s": predicted,
        "predicted_vs_actual_s": (
            adjusted - predicted if adjusted is not None and predicted is not None else None
        ),
        "crossings": [
            {"player": c.player, "name": team.names[c.player], "t": _since_start(team, phase, c.ts)}
            for c in phase.crossings
        ],
        "complete": team.complete,
        "retrace_errors": phase.retrace_errors,
        "huddles": _huddles(team, "execution", now),
        "penalties": _penalties_by_kind(phase.penalties),
        "beep_map": _beep_map(phase.beeps, {"execution": "errors"}),
        "per_minute": _per_minute(team, phase, duration, {"execution": "errors"}),
    }


def _since_opening(team: _Team, phase: _Phase, times: list[float]) -> float | None:
    """Active seconds from the phase's beginning (not its clock's, which waits for the first
    step) to the first of `times`: a team that hesitates before anyone risks a beep shows."""
    if not times or phase.opened_at is None:
        return None
    return _active(team.pauses, phase.opened_at, times[0])


def _first(team: _Team, phase: _Phase, times: list[float]) -> float | None:
    return _since_start(team, phase, times[0]) if times else None


def _per_minute(
    team: _Team,
    phase: _Phase,
    duration: float,
    labels: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """The phase's beeps by minute of its clock, counted under the label of their kind. Each
    minute says how many seconds of the phase it covered (60 but for the last, which the
    phase's end or `now` cuts short: `partial`) and gives each count as a rate per minute over
    those seconds, so that a last half minute with 3 failures reads 6 a minute, not 3."""
    if phase.started_at is None:
        return []
    kinds = labels or {"new": "new", "repeat": "repeat"}
    buckets: list[dict[str, Any]] = [
        {"minute": minute, **dict.fromkeys(kinds.values(), 0)}
        for minute in range(_minutes(duration))
    ]
    for beep in phase.beeps:
        buckets[_minute(team, phase, beep.ts, duration)][kinds[beep.kind]] += 1
    for bucket in buckets:
        covered = min(float(MINUTE_S), max(0.0, duration - bucket["minute"] * MINUTE_S))
        bucket["covered_s"] = covered
        bucket["partial"] = covered < MINUTE_S
        for label in kinds.values():
            bucket[f"{label}_per_min"] = bucket[label] * MINUTE_S / covered if covered > 0 else None
    return buckets


def _minutes(duration: float) -> int:
    return max(1, math.ceil(duration / MINUTE_S))


def _minute(team: _Team, phase: _Phase, ts: float, duration: float) -> int:
    """The minute of the phase an event counts in; one at the very end of a whole minute
    belongs to the minute it closes."""
    return min(int(_since_start(team, phase, ts) // MINUTE_S), _minutes(duration) - 1)


def _timeline(team: _Team, now: float, learning_s: float) -> dict[str, Any]:
    """The phases on one clock, the session's: active seconds from the learning clock's start,
    learning, then the review, then the execution, each `from_s` to `to_s` (null until it
    begins), with the execution's minutes and its errors placed on that clock, so that a chart
    shows learning and execution on one time axis with the review between them."""
    learning = team.learning
    review = execution = None
    minutes: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    if learning.started_at is not None and team.review_opened_at is not None:
        phase = team.execution
        until = phase.started_at if phase.started_at is not None else now
        review_s = _active(team.pauses, team.review_opened_at, until)
        review = {"from_s": learning_s, "to_s": learning_s + review_s}
        if phase.started_at is not None:
            start = learning_s + review_s
            duration = _clock(team, phase, now)
            execution = {"from_s": start, "to_s": start + duration}
            for bucket in _per_minute(team, phase, duration, {"execution": "errors"}):
                minutes.append({"from_s": start + bucket["minute"] * MINUTE_S, **bucket})
            errors = [
                {"seq": beep.seq, "t": start + _since_start(team, phase, beep.ts)}
                for beep in phase.beeps
            ]
    return {
        "learning": None if learning.started_at is None else {"from_s": 0.0, "to_s": learning_s},
        "review": review,
        "execution": execution,
        "execution_minutes": minutes,
        "errors": errors,
    }


def _hesitation(team: _Team, phase: _Phase) -> dict[str, float | None]:
    at = [_since_start(team, phase, ts) for ts in phase.steps]
    gaps = [later - earlier for earlier, later in pairwise(at)]
    if not gaps:
        return {"median_s": None, "longest_s": None}
    return {"median_s": statistics.median(gaps), "longest_s": max(gaps)}


def _huddles(team: _Team, phase_name: str, now: float) -> dict[str, float]:
    seconds = 0.0
    count = 0
    for pause in team.pauses:
        if pause.huddle_s is None or pause.phase != phase_name:
            continue
        end = pause.end if pause.end is not None else now
        used = end - pause.start - team.away_between(pause.start, end)
        # An open huddle ends on time at the latest, even before its end is logged.
        seconds += used if pause.end is not None else min(used, pause.huddle_s)
        count += 1
    return {"count": count, "seconds": seconds}


def _penalties_by_kind(penalties: list[ev.PenaltyRecorded]) -> dict[str, dict[str, int]]:
    kinds: dict[str, dict[str, int]] = {}
    for penalty in penalties:
        tally = kinds.setdefault(penalty.kind, {"count": 0, "seconds": 0})
        tally["count"] += 1
        tally["seconds"] += penalty.seconds
    return kinds


def _beep_map(beeps: list[ev.Beeped], labels: dict[str, str]) -> list[dict[str, Any]]:
    """Beeps by square, counted under the label of their kind."""
    squares: dict[Square, dict[str, int]] = {}
    for beep in beeps:
        counts = squares.setdefault(beep.square, dict.fromkeys(labels.values(), 0))
        counts[labels[beep.kind]] += 1
    return [
        {"square": [square[0], square[1]], **counts} for square, counts in sorted(squares.items())
    ]
