"""Session state, and the fold that builds it from events.

The fold records what events say; it decides nothing. Every rule lives in game.rules, which
reads this state to turn commands into events.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from game import events as ev
from game.board import Maze, Square
from game.settings import DISCONNECTED_GRACE_S, Settings

Phase = Literal["lobby", "planning", "learning", "review", "execution", "done", "debrief"]
# How a beep is remembered: off-path squares by the square alone (None, square); path squares
# stepped on out of order by where the walker came from and the square.
ENTRY: Square = (-1, -1)
BeepKey = tuple[Square | None, Square]


def beep_key(square: Square, *, on_path: bool, came_from: Square | None) -> BeepKey:
    if on_path:
        return (came_from or ENTRY, square)
    return (None, square)


@dataclass
class Player:
    id: str
    name: str
    connected: bool = True
    crossed: bool = False  # in the phase under way (learning to the last crossing, execution)


@dataclass
class Walk:
    """One walker on the maze: what everyone sees (trail) and what only the server knows."""

    player: str
    deadline: float | None
    trail: list[Square] = field(default_factory=list)
    position: int = -1  # index on the path of the walker's last safe square; -1 off the maze
    wrong: Square | None = None  # first wrong square while its beep is delayed
    beep_due: float | None = None
    retracing: bool = False

    @property
    def square(self) -> Square | None:
        return self.trail[-1] if self.trail else None


@dataclass
class Clock:
    """A phase's timer: active time is end - start - paused."""

    started_at: float | None = None
    ended_at: float | None = None
    paused_s: float = 0.0

    @property
    def running(self) -> bool:
        return self.started_at is not None and self.ended_at is None

    def elapsed(self, now: float, paused_since: float | None = None) -> float:
        if self.started_at is None:
            return 0.0
        end = self.ended_at if self.ended_at is not None else now
        if self.ended_at is None and paused_since is not None:
            end = min(end, paused_since)
        return max(0.0, end - self.started_at - self.paused_s)


@dataclass
class LastBeep:
    player: str
    square: Square
    ts: float
    kind: str


@dataclass
class Penalty:
    kind: str
    seconds: int
    phase: str
    ts: float
    seq: int  # its event's, by which it may be withdrawn


@dataclass
class TeamState:
    id: str
    name: str
    maze: Maze
    phase: Phase = "lobby"
    players: dict[str, Player] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    banned: set[str] = field(default_factory=set)
    banned_names: set[str] = field(default_factory=set)  # casefolded
    locked: bool = False
    walks: dict[str, Walk] = field(default_factory=dict)
    queue: list[str] = field(default_factory=list)  # execution: still to walk, in order
    planning_ends_at: float | None = None
    paused_since: float | None = None
    huddle_ends_at: float | None = None  # set while a huddle pauses the maze
    huddle_used_s: float = 0.0
    learning: Clock = field(default_factory=Clock)
    execution: Clock = field(default_factory=Clock)
    beep_keys: set[BeepKey] = field(default_factory=set)
    # The squares that beeped, by the phase they beeped in ("learning", "execution").
    beeped_in: dict[str, set[Square]] = field(
        default_factory=lambda: {"learning": set(), "execution": set()}
    )
    revealed: int = -1  # furthest path index ever stepped on safely
    # Furthest path index everyone can know is safe. With a beep delay a step is only known
    # to be safe once its walk ends without a beep for it: until then it could still beep.
    proven: int = -1
    failures: dict[str, int] = field(
        default_factory=lambda: {"new": 0, "repeat": 0, "retrace": 0, "execution": 0}
    )
    penalties: list[Penalty] = field(default_factory=list)
    prediction_s: int | None = None
    path_found: bool = False
    last_beep: LastBeep | None = None
    cursor: int = -1  # index in `order` of the last player given a learning turn

    @property
    def paused(self) -> bool:
        return self.paused_since is not None

    @property
    def beeped(self) -> set[Square]:
        """Every square that beeped, in either phase."""
        return self.beeped_in["learning"] | self.beeped_in["execution"]

    @property
    def in_huddle(self) -> bool:
        return self.huddle_ends_at is not None

    def proven_squares(self) -> list[Square]:
        return list(self.maze.path[: self.proven + 1])

    def occupant(self, square: Square) -> str | None:
        for walk in self.walks.values():
            if walk.square == square:
                return walk.player
        return None


@dataclass(frozen=True)
class Outage:
    """The server was away from `since` to `until`: no clock counted it."""

    since: float
    until: float

    @property
    def seconds(self) -> float:
        return self.until - self.since


@dataclass
class SessionState:
    session_id: str = ""
    title: str = ""
    settings: Settings = field(default_factory=Settings)
    teams: dict[str, TeamState] = field(default_factory=dict)
    seq: int = 0
    clock: float = 0.0  # time of the last event
    created: bool = False
    ended: bool = False
    ended_by: str | None = None  # "facilitator" or "abandoned" once ended
    outages: tuple[Outage, ...] = ()  # a tuple: copies of the state may share it


def clone_team(team: TeamState) -> TeamState:
    """A copy sharing nothing that the fold changes in place; much faster than deepcopy.
    (The maze is immutable; last_beep and penalties are replaced, never changed.)"""
    return replace(
        team,
        players={key: replace(player) for key, player in team.players.items()},
        order=list(team.order),
        banned=set(team.banned),
        banned_names=set(team.banned_names),
        walks={key: replace(walk, trail=list(walk.trail)) for key, walk in team.walks.items()},
        queue=list(team.queue),
        learning=replace(team.learning),
        execution=replace(team.execution),
        beep_keys=set(team.beep_keys),
        beeped_in={phase: set(squares) for phase, squares in team.beeped_in.items()},
        failures=dict(team.failures),
        penalties=list(team.penalties),
    )


def fold(events: Iterable[ev.Event], state: SessionState | None = None) -> SessionState:
    state = state if state is not None else SessionState()
    for event in events:
        apply(state, event)
    return state


def apply(state: SessionState, event: ev.Event) -> None:
    """Record one event in the state (in place)."""
    if event.seq != state.seq + 1:
        raise ValueError(f"event {event.seq} does not follow {state.seq}")
    state.seq = event.seq
    state.clock = max(state.clock, event.ts)
    if isinstance(event, ev.SessionCreated):
        _created(state, event)
    elif isinstance(event, ev.SessionEnded):
        _ended(state, event.ts)
        state.ended_by = event.reason
    elif isinstance(event, ev.ServerAway):
        _server_away(state, event)
    elif isinstance(event, ev.TeamEvent):
        _TEAM_FOLDS[type(event)](state.teams[event.team], state.settings, event)
    else:  # pragma: no cover - every event type is one of the above
        raise TypeError(f"no fold for {type(event).__name__}")


def _created(state: SessionState, event: ev.SessionCreated) -> None:
    state.created = True
    state.session_id = event.session_id
    state.title = event.title
    state.settings = event.settings
    state.teams = {
        t.team_id: TeamState(id=t.team_id, name=t.name, maze=t.maze) for t in event.teams
    }


def _ended(state: SessionState, ts: float) -> None:
    state.ended = True
    for team in state.teams.values():
        _close_pause(team, ts)
        for clock in (team.learning, team.execution):
            if clock.running:
                clock.ended_at = ts
        _clear_walks(team)
        team.queue.clear()
        team.planning_ends_at = None
        team.phase = "debrief"


def _server_away(state: SessionState, event: ev.ServerAway) -> None:
    """The time away counts as paused time for every team, once: a pause under way is
    counted from after the outage, and every running clock leaves the outage out."""
    away = event.seconds
    state.outages = (*state.outages, Outage(event.since, event.ts))
    for team in state.teams.values():
        _shift_timers(team, away)
        _stop_clocks(team, away)
        if team.paused_since is not None:
            team.paused_since += away


def _shift_timers(team: TeamState, seconds: float) -> None:
    """Every due time of the team moves later: after a pause, or the server's outage."""
    if team.planning_ends_at is not None:
        team.planning_ends_at += seconds
    if team.huddle_ends_at is not None:
        team.huddle_ends_at += seconds
    for walk in team.walks.values():
        if walk.deadline is not None:
            walk.deadline += seconds
        if walk.beep_due is not None:
            walk.beep_due += seconds


def _stop_clocks(team: TeamState, seconds: float) -> None:
    """The running phase clocks leave out these seconds (paused, or the server away)."""
    for clock in (team.learning, team.execution):
        if clock.running:
            clock.paused_s += seconds


def retraces_by_hand(team: TeamState, settings: Settings) -> bool:
    """Manual retrace applies to the learning phase. In execution several walkers may be on the
    maze, and one walking back by hand would have to pass through the others: the walker is
    sent back to the start at once instead."""
    return settings.retrace == "manual" and team.phase != "execution"


def deadline_for(team: TeamState, settings: Settings, player: str, ts: float) -> float | None:
    if team.paused_since is not None:
        # Set during a pause (a turn passed on by a removal, say): counted from the pause's
        # start, so that resuming, which shifts every timer by the whole pause, gives it in full.
        ts = team.paused_since
    if settings.idle_timeout_s:
        return ts + settings.idle_timeout_s
    if not team.players[player].connected:
        return ts + DISCONNECTED_GRACE_S
    return None


def _restart_walk(team: TeamState, settings: Settings, walk: Walk, ts: float) -> None:
    """After a beep in the execution phase the walker goes again from the start."""
    team.walks[walk.player] = Walk(walk.player, deadline_for(team, settings, walk.player, ts))


def _prove(team: TeamState, walk: Walk) -> None:
    """A walk is over: its safe squares are known to be safe (a pending beep excepted)."""
    if walk.wrong is None:
        team.proven = max(team.proven, walk.position)


def _clear_walks(team: TeamState) -> None:
    for walk in team.walks.values():
        _prove(team, walk)
    team.walks.clear()


def _end_walk(team: TeamState, settings: Settings, player: str, ts: float) -> None:
    walk = team.walks[player]
    _prove(team, walk)
    if team.phase == "execution":
        _restart_walk(team, settings, walk, ts)
    else:
        del team.walks[player]


def _close_pause(team: TeamState, ts: float) -> None:
    if team.paused_since is None:
        return
    pause = ts - team.paused_since
    if team.in_huddle:
        team.huddle_used_s += pause
    _stop_clocks(team, pause)
    _shift_timers(team, pause)
    team.huddle_ends_at = None
    team.paused_since = None


def _joined(team: TeamState, settings: Settings, e: ev.PlayerJoined) -> None:
    team.players[e.player] = Player(e.player, e.name)
    team.order.append(e.player)
    if team.phase == "execution":
        team.queue.append(e.player)


def _renamed(team: TeamState, settings: Settings, e: ev.PlayerRenamed) -> None:
    team.players[e.player].name = e.name


def _removed(team: TeamState, settings: Settings, e: ev.PlayerRemoved) -> None:
    player = team.players.pop(e.player)
    index = team.order.index(e.player)
    team.order.remove(e.player)
    if index <= team.cursor:
        team.cursor -= 1  # so the rotation goes on with whoever followed the removed player
    walk = team.walks.pop(e.player, None)
    if walk is not None:
        _prove(team, walk)
    if e.player in team.queue:
        team.queue.remove(e.player)
    if e.reason == "banned":
        team.banned.add(e.player)
        team.banned_names.add(player.name.casefold())


def _presence(team: TeamState, settings: Settings, e: ev.PlayerPresence) -> None:
    team.players[e.player].connected = e.connected
    walk = team.walks.get(e.player)
    if walk is not None and not settings.idle_timeout_s:
        walk.deadline = deadline_for(team, settings, e.player, e.ts)


def _order_set(team: TeamState, settings: Settings, e: ev.TurnOrderSet) -> None:
    team.order = list(e.order)
    team.cursor = -1


def _locked(team: TeamState, settings: Settings, e: ev.TeamLocked) -> None:
    team.locked = e.locked


def _planning(team: TeamState, settings: Settings, e: ev.PlanningStarted) -> None:
    team.phase = "planning"
    team.planning_ends_at = e.ends_at


def _learning(team: TeamState, settings: Settings, e: ev.LearningStarted) -> None:
    team.phase = "learning"
    team.planning_ends_at = None


def _turn(team: TeamState, settings: Settings, e: ev.TurnBegan) -> None:
    team.walks[e.player] = Walk(e.player, deadline_for(team, settings, e.player, e.ts))
    if e.player in team.queue:
        team.queue.remove(e.player)
    if team.phase == "learning":
        team.cursor = team.order.index(e.player)


def _stepped(team: TeamState, settings: Settings, e: ev.Stepped) -> None:
    walk = team.walks[e.player]
    walk.trail.append(e.square)
    walk.deadline = deadline_for(team, settings, e.player, e.ts)
    if team.phase == "learning" and team.learning.started_at is None:
        team.learning.started_at = e.ts
    if e.safe:
        walk.position = team.maze.path.index(e.square)
        team.revealed = max(team.revealed, walk.position)
        if not settings.beep_delay_s:
            team.proven = max(team.proven, walk.position)
    elif walk.wrong is None:
        walk.wrong = e.square
        walk.beep_due = e.ts + settings.beep_delay_s


def _beeped(team: TeamState, settings: Settings, e: ev.Beeped) -> None:
    if team.phase == "learning" and team.learning.started_at is None:
        team.learning.started_at = e.ts  # a first step that beeps is still the first step
    team.failures[e.kind] += 1
    if e.kind != "execution":
        team.beep_keys.add(beep_key(e.square, on_path=e.on_path, came_from=e.came_from))
    team.beeped_in["execution" if e.kind == "execution" else "learning"].add(e.square)
    team.last_beep = LastBeep(e.player, e.square, e.ts, e.kind)
    walk = team.walks[e.player]
    team.proven = max(team.proven, walk.position)  # every step before the wrong one was safe
    if retraces_by_hand(team, settings):
        walk.trail = [*reversed(e.retrace), e.square]
        walk.wrong = walk.beep_due = None
        walk.retracing = True
        walk.deadline = deadline_for(team, settings, e.player, e.ts)
    else:
        _end_walk(team, settings, e.player, e.ts)


def _retrace_stepped(team: TeamState, settings: Settings, e: ev.RetraceStepped) -> None:
    walk = team.walks[e.player]
    walk.trail.pop()
    walk.deadline = deadline_for(team, settings, e.player, e.ts)


def _retrace_erred(team: TeamState, settings: Settings, e: ev.RetraceErred) -> None:
    team.failures["retrace"] += 1
    team.last_beep = LastBeep(e.player, e.square, e.ts, "retrace")
    team.walks[e.player].deadline = deadline_for(team, settings, e.player, e.ts)


def _retrace_done(team: TeamState, settings: Settings, e: ev.RetraceDone) -> None:
    _end_walk(team, settings, e.player, e.ts)


def _crossed(team: TeamState, settings: Settings, e: ev.Crossed) -> None:
    _prove(team, team.walks.pop(e.player))
    team.players[e.player].crossed = True
    if team.phase == "learning":
        team.path_found = True


def _turn_lost(team: TeamState, settings: Settings, e: ev.TurnLost) -> None:
    _prove(team, team.walks.pop(e.player))
    if team.phase == "execution":
        team.queue.append(e.player)


def _paused(team: TeamState, settings: Settings, e: ev.Paused) -> None:
    team.paused_since = e.ts


def _resumed(team: TeamState, settings: Settings, e: ev.Resumed) -> None:
    _close_pause(team, e.ts)


def _huddle_started(team: TeamState, settings: Settings, e: ev.HuddleStarted) -> None:
    team.paused_since = e.ts
    team.huddle_ends_at = e.ts + e.seconds


def _huddle_ended(team: TeamState, settings: Settings, e: ev.HuddleEnded) -> None:
    _close_pause(team, e.ts)


def _penalty(team: TeamState, settings: Settings, e: ev.PenaltyRecorded) -> None:
    team.penalties.append(Penalty(e.kind, e.seconds, e.phase, e.ts, e.seq))


def _penalty_withdrawn(team: TeamState, settings: Settings, e: ev.PenaltyWithdrawn) -> None:
    team.penalties = [p for p in team.penalties if p.seq != e.penalty]


def _prediction(team: TeamState, settings: Settings, e: ev.PredictionEntered) -> None:
    team.prediction_s = e.seconds


def _learning_ended(team: TeamState, settings: Settings, e: ev.LearningEnded) -> None:
    team.phase = "review"
    team.learning.ended_at = e.ts if team.learning.started_at is not None else None
    team.path_found = e.path_found
    _clear_walks(team)
    for player in team.players.values():
        player.crossed = False


def _execution_started(team: TeamState, settings: Settings, e: ev.ExecutionStarted) -> None:
    team.phase = "execution"
    team.execution.started_at = e.ts
    team.queue = list(e.order)
    team.last_beep = None  # the board the team crosses starts clean of learning's beeps
    for player in team.players.values():
        player.crossed = False


def _execution_ended(team: TeamState, settings: Settings, e: ev.ExecutionEnded) -> None:
    team.phase = "done"
    team.execution.ended_at = e.ts
    _clear_walks(team)
    team.queue.clear()


_TEAM_FOLDS: dict[type[ev.Event], Callable[[TeamState, Settings, Any], None]] = {
    ev.PlayerJoined: _joined,
    ev.PlayerRenamed: _renamed,
    ev.PlayerRemoved: _removed,
    ev.PlayerPresence: _presence,
    ev.TurnOrderSet: _order_set,
    ev.TeamLocked: _locked,
    ev.PlanningStarted: _planning,
    ev.LearningStarted: _learning,
    ev.TurnBegan: _turn,
    ev.Stepped: _stepped,
    ev.Beeped: _beeped,
    ev.RetraceStepped: _retrace_stepped,
    ev.RetraceErred: _retrace_erred,
    ev.RetraceDone: _retrace_done,
    ev.Crossed: _crossed,
    ev.TurnLost: _turn_lost,
    ev.Paused: _paused,
    ev.Resumed: _resumed,
    ev.HuddleStarted: _huddle_started,
    ev.HuddleEnded: _huddle_ended,
    ev.PenaltyRecorded: _penalty,
    ev.PenaltyWithdrawn: _penalty_withdrawn,
    ev.PredictionEntered: _prediction,
    ev.LearningEnded: _learning_ended,
    ev.ExecutionStarted: _execution_started,
    ev.ExecutionEnded: _execution_ended,
}
