"""The rules: `decide` turns a command into events, or rejects it with a reason.

Every command carries its time. Timers that fell due by then (a delayed beep, an idle
walker, the end of planning or of a huddle) fire first, each at its own due time. A rejected
command raises `Rejected` and changes nothing.
"""

from __future__ import annotations

import copy
import math
import random
import unicodedata
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any, TypeVar

from game import commands as cmd
from game import events as ev
from game.board import Square, label, neighbours
from game.names import is_offensive
from game.state import (
    SessionState,
    TeamState,
    apply,
    beep_key,
    clone_team,
    retraces_by_hand,
)

MAX_TEAMS = 12
MAX_PLAYERS = 30
MAX_NAME = 20
MAX_TITLE = 80
MAX_PREDICTION_S = 3600

E = TypeVar("E", bound=ev.Event)


class Rejected(Exception):
    """A command refused: `code` for programs, `message` for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Draft:
    """Events decided so far, applied to a private copy of the state as they are emitted."""

    def __init__(self, state: SessionState, at: float, max_events: int | None = None) -> None:
        self._original = state
        self._copy: SessionState | None = None
        self._cloned: set[str] = set()  # teams already copied: the rest are shared, unchanged
        self.at = at
        self.events: list[ev.Event] = []
        self.only_checking = False  # asked whether the command passes, not for its events
        self.max_events = max_events

    @property
    def state(self) -> SessionState:
        return self._copy if self._copy is not None else self._original

    def team(self, team_id: str) -> TeamState:
        return self.state.teams[team_id]

    def emit(self, event_type: type[E], /, **fields: Any) -> E:
        if self.only_checking:
            raise _Passes  # every check comes before a handler's first event
        if self.max_events is not None and len(self.events) >= self.max_events:
            raise Rejected("too_much", f"This would make more than {self.max_events} events")
        if self._copy is None:
            self._copy = copy.copy(self._original)
            self._copy.teams = dict(self._original.teams)
        event = event_type(seq=self._copy.seq + 1, ts=self.at, **fields)
        touched = [event.team] if isinstance(event, ev.TeamEvent) else list(self._copy.teams)
        for team_id in touched:
            if team_id not in self._cloned and team_id in self._copy.teams:
                self._copy.teams[team_id] = clone_team(self._copy.teams[team_id])
                self._cloned.add(team_id)
        apply(self._copy, event)
        self.events.append(event)
        return event


def _finite(value: object) -> bool:
    """Whether a time is a finite number (a float, or an integer a float can hold)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


class _Passes(Exception):
    """Raised at a checked command's first event: it passed every check."""


def decide(
    state: SessionState, command: cmd.Command, *, max_events: int | None = None
) -> list[ev.Event]:
    """The events that follow from the command. With `max_events`, a command that would make
    more is refused (`too_much`) as soon as it does: a time far ahead, where every timer
    fires again and again, costs no more work than that."""
    return _decide(state, command, max_events=max_events)


def _decide(
    state: SessionState,
    command: cmd.Command,
    *,
    only_checking: bool = False,
    max_events: int | None = None,
) -> list[ev.Event]:
    if not _finite(command.at):
        raise Rejected("bad_time", "A command needs a finite time")
    if isinstance(command, cmd.CreateSession):
        return _create(state, command, max_events)
    if not state.created:
        raise Rejected("no_session", "There is no session yet")
    if state.ended:
        raise Rejected("session_over", "The session has ended")
    at = max(command.at, state.clock)
    draft = Draft(state, at, max_events)
    # Timers fall due by the command's time; after an outage only by the server's last
    # moment alive: the time away moves them later.
    if isinstance(command, cmd.RecordOutage):
        _fire_timers(draft, _outage_start(command, at, state.clock))
    else:
        _fire_timers(draft, at)
    draft.at = at
    draft.only_checking = only_checking
    handler = _HANDLERS.get(type(command))
    if handler is None:
        raise Rejected("unknown_command", f"Unknown command {type(command).__name__}")
    if isinstance(command, cmd.TeamCommand) and command.team not in draft.state.teams:
        raise Rejected("no_team", f"There is no team {command.team!r} in this session")
    handler(draft, command)
    if isinstance(command, cmd.TeamCommand):
        _settle(draft, command.team)
    return draft.events


# --- session ---------------------------------------------------------------------------


def _create(
    state: SessionState, c: cmd.CreateSession, max_events: int | None = None
) -> list[ev.Event]:
    if state.created:
        raise Rejected("session_exists", "This session already exists")
    title = " ".join(c.title.split())
    if len(title) > MAX_TITLE:
        raise Rejected("bad_title", f"The title may have at most {MAX_TITLE} characters")
    if not 1 <= len(c.teams) <= MAX_TEAMS:
        raise Rejected("bad_teams", f"A session has 1 to {MAX_TEAMS} teams")
    if len({t.team_id for t in c.teams}) != len(c.teams):
        raise Rejected("bad_teams", "Two teams share an id")
    draft = Draft(state, c.at, max_events)
    draft.emit(
        ev.SessionCreated,
        session_id=c.session_id,
        title=title,
        settings=c.settings,
        teams=c.teams,
    )
    return draft.events


def _end_session(draft: Draft, c: cmd.EndSession) -> None:
    if c.reason not in ("facilitator", "abandoned"):
        raise Rejected("bad_reason", "A session is ended by the facilitator or abandoned")
    for team in list(draft.state.teams.values()):
        _beep_all_pending(draft, team.id)
    draft.emit(ev.SessionEnded, reason=c.reason)


def _outage_start(command: cmd.RecordOutage, at: float, clock: float) -> float:
    """When the server was last known alive, within what the log allows: not before its last
    event, not after the restart."""
    if not _finite(command.since):
        raise Rejected("bad_time", "An outage needs a finite start")
    return min(max(command.since, clock), at)


def _record_outage(draft: Draft, c: cmd.RecordOutage) -> None:
    """Timers fired up to the start of the outage (in `_decide`); an outage of no length is
    recorded too: the log says the server restarted."""
    draft.emit(ev.ServerAway, since=_outage_start(c, draft.at, draft.state.clock))


def _tick(draft: Draft, c: cmd.Tick) -> None:
    """Timers already fired in `decide`; a tick asks for nothing else."""


# --- timers ----------------------------------------------------------------------------

Fire = Callable[[Draft], None]


def _fire_timers(draft: Draft, at: float) -> None:
    while True:
        due = [timer for team in draft.state.teams.values() for timer in _timers(team)]
        if not due:
            return
        when, fire = min(due, key=lambda timer: timer[0])
        if when > at:
            return
        draft.at = when
        fire(draft)


def next_due(state: SessionState) -> float | None:
    """The earliest time a timer of any team falls due, or None: a `Tick` before it fires
    nothing, so a server need tick a session only then."""
    if not state.created or state.ended:
        return None
    return min((when for team in state.teams.values() for when, _ in _timers(team)), default=None)


def _timers(team: TeamState) -> Iterator[tuple[float, Fire]]:
    if team.huddle_ends_at is not None:
        yield team.huddle_ends_at, partial(_end_huddle_on_time, team_id=team.id)
    if team.paused:
        return
    if team.planning_ends_at is not None:
        yield (
            team.planning_ends_at,
            partial(_begin_learning, team_id=team.id, reason="planning_over"),
        )
    for walk in team.walks.values():
        if walk.beep_due is not None and walk.wrong is not None:
            beep = partial(_beep_and_settle, team_id=team.id, player=walk.player, square=walk.wrong)
            yield walk.beep_due, beep
        elif walk.deadline is not None:
            yield walk.deadline, partial(_time_out, team_id=team.id, player=walk.player)


def _end_huddle_on_time(draft: Draft, team_id: str) -> None:
    draft.emit(ev.HuddleEnded, team=team_id)


def _time_out(draft: Draft, team_id: str, player: str) -> None:
    team = draft.team(team_id)
    if team.walks[player].retracing:
        draft.emit(ev.RetraceDone, team=team_id, player=player, timed_out=True)
    else:
        reason = "idle" if team.players[player].connected else "disconnected"
        draft.emit(ev.TurnLost, team=team_id, player=player, reason=reason)
    _settle(draft, team_id)


def _beep_and_settle(draft: Draft, team_id: str, player: str, square: Square) -> None:
    _beep(draft, team_id, player, square)
    _settle(draft, team_id)


# --- what follows from any change: turns, and the ends of phases ------------------------


def _settle(draft: Draft, team_id: str) -> None:
    team = draft.team(team_id)
    if team.phase == "learning":
        _settle_learning(draft, team)
    elif team.phase == "execution":
        _settle_execution(draft, team)


def _settle_learning(draft: Draft, team: TeamState) -> None:
    settings = draft.state.settings
    if settings.learning_ends == "first_crossing" and team.path_found:
        draft.emit(ev.LearningEnded, team=team.id, path_found=True, how="first_crossing")
        return
    players = team.players.values()
    if settings.learning_ends == "all_crossed" and players and all(p.crossed for p in players):
        _close_any_pause(draft, team)  # removing the last walker during a pause ends the phase
        draft.emit(ev.LearningEnded, team=team.id, path_found=True, how="all_crossed")
        return
    if not team.walks:
        following = _next_in_rotation(team)
        if following is not None:
            draft.emit(ev.TurnBegan, team=team.id, player=following)


def _next_in_rotation(team: TeamState) -> str | None:
    count = len(team.order)
    for offset in range(1, count + 1):
        player = team.order[(team.cursor + offset) % count]
        if not team.players[player].crossed:
            return player
    return None


def _settle_execution(draft: Draft, team: TeamState) -> None:
    capacity = draft.state.settings.max_walkers
    while len(team.walks) < capacity and team.queue:
        draft.emit(ev.TurnBegan, team=team.id, player=team.queue[0])
        team = draft.team(team.id)
    if not team.walks and not team.queue and any(p.crossed for p in team.players.values()):
        _close_any_pause(draft, team)
        draft.emit(ev.ExecutionEnded, team=team.id, complete=True)


# --- players ---------------------------------------------------------------------------


def clean_name(name: str) -> str:
    """A nickname as shown: trimmed, inner spaces folded; refused if empty, long or odd."""
    if not isinstance(name, str):
        raise Rejected("bad_name", "A nickname must be text")
    cleaned = " ".join(unicodedata.normalize("NFC", name).split())
    if not cleaned:
        raise Rejected("bad_name", "Choose a nickname")
    if len(cleaned) > MAX_NAME:
        raise Rejected("bad_name", f"A nickname may have at most {MAX_NAME} characters")
    if any(unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Co", "Cn"} for ch in cleaned):
        raise Rejected("bad_name", "A nickname may not contain control or invisible characters")
    if is_offensive(cleaned):
        raise Rejected("name_not_allowed", "That nickname is not allowed here; choose another")
    return cleaned


def _check_name_free(team: TeamState, name: str, *, apart_from: str | None = None) -> None:
    for player in team.players.values():
        if player.id != apart_from and player.name.casefold() == name.casefold():
            raise Rejected("name_taken", f"Someone in this team is already called {name}")


def _member(team: TeamState, player: str) -> None:
    if player not in team.players:
        raise Rejected("no_player", "That player is not in this team")


def _join(draft: Draft, c: cmd.Join) -> None:
    team = draft.team(c.team)
    if c.player in team.banned:
        raise Rejected("banned", "The facilitator removed you from this team; you cannot rejoin")
    if c.player in team.players:
        raise Rejected("already_joined", "You are already in this team")
    if team.locked:
        raise Rejected("locked", "This team is locked: the facilitator is not letting anyone in")
    if team.phase == "done":
        raise Rejected("finished", "This team has finished the exercise; watch the big screen")
    if len(team.players) >= MAX_PLAYERS:
        raise Rejected("team_full", f"This team is full ({MAX_PLAYERS} players)")
    name = clean_name(c.name)
    if name.casefold() in team.banned_names:
        raise Rejected("banned_name", "That nickname cannot join this team; pick another")
    _check_name_free(team, name)
    draft.emit(ev.PlayerJoined, team=c.team, player=c.player, name=name)


def _remove(draft: Draft, c: cmd.Leave | cmd.Kick | cmd.Ban) -> None:
    _member(draft.team(c.team), c.player)
    _beep_now_if_due_later(draft, c.team, c.player)
    reason = {cmd.Leave: "left", cmd.Kick: "kicked", cmd.Ban: "banned"}[type(c)]
    draft.emit(ev.PlayerRemoved, team=c.team, player=c.player, reason=reason)


def _rename(draft: Draft, c: cmd.Rename) -> None:
    team = draft.team(c.team)
    _member(team, c.player)
    name = clean_name(c.name)
    _check_name_free(team, name, apart_from=c.player)
    if name != team.players[c.player].name:
        draft.emit(ev.PlayerRenamed, team=c.team, player=c.player, name=name)


def _presence(draft: Draft, c: cmd.SetPresence) -> None:
    team = draft.team(c.team)
    _member(team, c.player)
    if team.players[c.player].connected != c.connected:
        draft.emit(ev.PlayerPresence, team=c.team, player=c.player, connected=c.connected)


def _before_learning(team: TeamState) -> None:
    if team.phase not in ("lobby", "planning"):
        raise Rejected("order_fixed", "The turn order is fixed once the learning phase starts")


def _reorder(draft: Draft, c: cmd.ReorderTurns) -> None:
    team = draft.team(c.team)
    _before_learning(team)
    if sorted(c.order) != sorted(team.order):
        raise Rejected("bad_order", "The new order must list every player in the team once")
    draft.emit(ev.TurnOrderSet, team=c.team, order=tuple(c.order), shuffled=False)


def _shuffle(draft: Draft, c: cmd.ShuffleTurns) -> None:
    team = draft.team(c.team)
    _before_learning(team)
    order = list(team.order)
    random.Random(c.seed).shuffle(order)
    draft.emit(ev.TurnOrderSet, team=c.team, order=tuple(order), shuffled=True)


def _lock(draft: Draft, c: cmd.LockTeam) -> None:
    if draft.team(c.team).locked != c.locked:
        draft.emit(ev.TeamLocked, team=c.team, locked=c.locked)


# --- phases ----------------------------------------------------------------------------


def _start_planning(draft: Draft, c: cmd.StartPlanning) -> None:
    team = draft.team(c.team)
    if team.phase != "lobby":
        raise Rejected("wrong_phase", "Planning can start only from the lobby")
    seconds = draft.state.settings.planning_s
    if not seconds:
        raise Rejected("planning_off", "Planning time is off for this session; start learning")
    draft.emit(ev.PlanningStarted, team=c.team, ends_at=draft.at + seconds)


def _start_learning(draft: Draft, c: cmd.StartLearning) -> None:
    team = draft.team(c.team)
    if team.phase not in ("lobby", "planning"):
        raise Rejected("wrong_phase", "The learning phase starts from the lobby or planning")
    if not team.players:
        raise Rejected("no_players", "Nobody has joined this team yet")
    _begin_learning(draft, c.team, "facilitator")


def _begin_learning(draft: Draft, team_id: str, reason: str) -> None:
    draft.emit(ev.LearningStarted, team=team_id, reason=reason)
    _settle(draft, team_id)


def _end_phase(draft: Draft, c: cmd.EndPhase) -> None:
    team = draft.team(c.team)
    if team.phase == "planning":
        _begin_learning(draft, c.team, "facilitator")
    elif team.phase == "learning":
        _beep_all_pending(draft, c.team)
        _close_any_pause(draft, draft.team(c.team))
        draft.emit(ev.LearningEnded, team=c.team, path_found=team.path_found, how="facilitator")
    elif team.phase == "execution":
        _beep_all_pending(draft, c.team)
        _close_any_pause(draft, draft.team(c.team))
        draft.emit(ev.ExecutionEnded, team=c.team, complete=False)
    else:
        raise Rejected("wrong_phase", f"There is no phase under way to end ({team.phase})")


def _close_any_pause(draft: Draft, team: TeamState) -> None:
    if team.in_huddle:
        draft.emit(ev.HuddleEnded, team=team.id)
    elif team.paused:
        draft.emit(ev.Resumed, team=team.id)


def _start_execution(draft: Draft, c: cmd.StartExecution) -> None:
    team = draft.team(c.team)
    if team.phase != "review":
        raise Rejected("wrong_phase", "The execution phase starts after the learning phase")
    if not team.players:
        raise Rejected("no_players", "Nobody is left in this team")
    draft.emit(ev.ExecutionStarted, team=c.team, order=tuple(team.order))


def _predict(draft: Draft, c: cmd.EnterPrediction) -> None:
    team = draft.team(c.team)
    if team.phase not in ("lobby", "planning", "learning", "review"):
        raise Rejected("wrong_phase", "The prediction is entered before the execution phase")
    seconds = c.seconds
    if isinstance(seconds, bool) or not isinstance(seconds, int):
        raise Rejected("bad_prediction", "The prediction is a whole number of seconds")
    if not 1 <= seconds <= MAX_PREDICTION_S:
        raise Rejected("bad_prediction", f"Predict from 1 to {MAX_PREDICTION_S} seconds")
    draft.emit(ev.PredictionEntered, team=c.team, seconds=seconds)


# --- pauses, huddles, penalties ----------------------------------------------------------


def _pause(draft: Draft, c: cmd.Pause) -> None:
    team = draft.team(c.team)
    if team.phase not in ("planning", "learning", "execution"):
        raise Rejected("wrong_phase", "Nothing is running to pause")
    if team.paused:
        raise Rejected("already_paused", "The maze is already paused")
    draft.emit(ev.Paused, team=c.team)


def _resume(draft: Draft, c: cmd.Resume) -> None:
    team = draft.team(c.team)
    if team.in_huddle:
        raise Rejected("in_huddle", "A huddle is under way; end the huddle to resume")
    if not team.paused:
        raise Rejected("not_paused", "The maze is not paused")
    draft.emit(ev.Resumed, team=c.team)


def _start_huddle(draft: Draft, c: cmd.StartHuddle) -> None:
    team = draft.team(c.team)
    if team.phase not in ("learning", "execution"):
        raise Rejected("wrong_phase", "Huddles are granted during the learning or execution phase")
    if team.paused:
        raise Rejected("already_paused", "Resume the maze before granting a huddle")
    left = draft.state.settings.huddle_budget_s - team.huddle_used_s
    if left < 1:
        raise Rejected("no_huddle_left", "The huddle time is used up")
    seconds = left if c.seconds is None else c.seconds
    if (
        isinstance(seconds, bool)
        or not isinstance(seconds, int | float)
        or not 1 <= seconds <= left
    ):
        raise Rejected("bad_huddle", f"A huddle lasts from 1 to {int(left)} seconds now")
    draft.emit(ev.HuddleStarted, team=c.team, seconds=seconds)


def _end_huddle(draft: Draft, c: cmd.EndHuddle) -> None:
    if not draft.team(c.team).in_huddle:
        raise Rejected("no_huddle", "No huddle is under way")
    draft.emit(ev.HuddleEnded, team=c.team)


def _penalty(draft: Draft, c: cmd.RecordPenalty) -> None:
    team = draft.team(c.team)
    seconds = draft.state.settings.penalties.get(c.kind)
    if seconds is None:
        kinds = ", ".join(draft.state.settings.penalties)
        raise Rejected("bad_penalty", f"Unknown penalty kind {c.kind!r}; kinds: {kinds}")
    phase = {"learning": "learning", "review": "learning", "execution": "execution"}.get(team.phase)
    if phase is None:
        raise Rejected("wrong_phase", "Penalties are recorded in the learning or execution phase")
    draft.emit(ev.PenaltyRecorded, team=c.team, kind=c.kind, seconds=seconds, phase=phase)


def _withdraw_penalty(draft: Draft, c: cmd.WithdrawPenalty) -> None:
    if not any(p.seq == c.penalty for p in draft.team(c.team).penalties):
        raise Rejected("no_penalty", "That penalty is not on the team's record")
    draft.emit(ev.PenaltyWithdrawn, team=c.team, penalty=c.penalty)


def _skip_turn(draft: Draft, c: cmd.SkipTurn) -> None:
    team = draft.team(c.team)
    if team.phase not in ("learning", "execution"):
        raise Rejected("wrong_phase", "Nobody is walking")
    player = c.player
    if player is None:
        if len(team.walks) != 1:
            raise Rejected("which_walker", "Name the walker whose turn to skip")
        player = next(iter(team.walks))
    if player not in team.walks:
        raise Rejected("not_walking", "That player does not have the turn")
    _beep_now_if_due_later(draft, c.team, player)
    walk = draft.team(c.team).walks.get(player)
    if walk is None:
        return  # the beep already ended the walk
    if walk.retracing:
        draft.emit(ev.RetraceDone, team=c.team, player=player, timed_out=True)
    else:
        draft.emit(ev.TurnLost, team=c.team, player=player, reason="facilitator")


# --- steps -----------------------------------------------------------------------------

_NOT_PLAYING = {
    "lobby": "The game has not started yet",
    "planning": "Planning time: the maze opens when the learning phase starts",
    "review": "The learning phase is over; wait for the execution phase",
    "done": "Your team has finished",
    "debrief": "The session has ended",
}


def _walker(draft: Draft, c: cmd.Step | cmd.RetraceStep) -> TeamState:
    """The team, once it is sure that this player may move now."""
    team = draft.team(c.team)
    _member(team, c.player)
    if team.phase in _NOT_PLAYING:
        raise Rejected("not_playing", _NOT_PLAYING[team.phase])
    if team.in_huddle:
        raise Rejected("paused", "The maze is paused for a huddle")
    if team.paused:
        raise Rejected("paused", "The maze is paused")
    if c.player not in team.walks:
        if team.phase == "execution":
            raise Rejected("not_your_turn", "Wait for your go: others are crossing")
        raise Rejected("not_your_turn", "It is not your turn")
    square = c.square
    if (
        not isinstance(square, tuple)
        or len(square) != 2
        or not all(isinstance(n, int) and not isinstance(n, bool) for n in square)
        or not team.maze.on_board(square)
    ):
        raise Rejected("off_board", "That square is not on the board")
    return team


def _step(draft: Draft, c: cmd.Step) -> None:
    team = _walker(draft, c)
    walk = team.walks[c.player]
    if walk.retracing:
        raise Rejected("retracing", "Retrace your steps first: tap the square you came from")
    here = walk.square
    if here is None:
        if c.square[0] != 0:
            raise Rejected("enter_first_row", "Enter the maze from the first row")
    elif not team.maze.adjacent(here, c.square):
        raise Rejected("not_adjacent", f"Step onto a square next to {label(here)}")
    if team.occupant(c.square) not in (None, c.player):
        raise Rejected("occupied", "Someone is standing on that square")
    path = team.maze.path
    position = walk.position
    ahead = path[position + 1] if position + 1 < len(path) else None
    behind = path[position - 1] if position >= 1 else None
    if walk.wrong is None and c.square in (ahead, behind):
        draft.emit(ev.Stepped, team=c.team, player=c.player, square=c.square, safe=True)
        if c.square == path[-1]:
            draft.emit(ev.Crossed, team=c.team, player=c.player)
    elif walk.wrong is not None or draft.state.settings.beep_delay_s > 0:
        draft.emit(ev.Stepped, team=c.team, player=c.player, square=c.square, safe=False)
    else:
        _beep(draft, c.team, c.player, c.square)


def _beep(draft: Draft, team_id: str, player: str, square: Square) -> None:
    team = draft.team(team_id)
    walk = team.walks[player]
    path = team.maze.path
    came_from = path[walk.position] if walk.position >= 0 else None
    on_path = square in path
    if team.phase == "execution":
        kind = "execution"
    elif beep_key(square, on_path=on_path, came_from=came_from) in team.beep_keys:
        kind = "repeat"
    else:
        kind = "new"
    penalty = draft.state.settings.execution_error_s if kind == "execution" else 0
    retrace = tuple(reversed(path[: walk.position + 1]))
    draft.emit(
        ev.Beeped,
        team=team_id,
        player=player,
        square=square,
        kind=kind,
        on_path=on_path,
        came_from=came_from,
        retrace=retrace,
        penalty_s=penalty,
    )
    if retraces_by_hand(draft.team(team_id), draft.state.settings) and not retrace:
        draft.emit(ev.RetraceDone, team=team_id, player=player, timed_out=False)


def squares_to_tap(team: TeamState, player: str) -> list[Square]:
    """The squares this player may tap now: every move `decide` would not refuse outright
    (it may still beep). Empty when it is not their turn or the maze is frozen."""
    walk = team.walks.get(player)
    if walk is None or team.paused or team.phase not in ("learning", "execution"):
        return []
    maze = team.maze
    here = walk.square
    if here is None:
        candidates = [(0, col) for col in range(maze.cols)]
    else:
        candidates = neighbours(here, maze.cols, maze.rows, diagonal=maze.diagonal)
    if walk.retracing:
        return candidates
    return [square for square in candidates if team.occupant(square) in (None, player)]


def allowed_commands(state: SessionState, team_id: str) -> list[str]:
    """The facilitator's commands the rules would accept for this team now, by their names in
    the protocol, so that a console offers exactly those (asked of `decide` itself, stopped
    at the first event: this runs at every update of every console)."""
    return [name for name, command in trials(state, team_id).items() if _passes(state, command)]


def trials(state: SessionState, team_id: str) -> dict[str, cmd.Command]:
    """One facilitator command of each kind for this team now, by its name in the protocol."""
    at = state.clock
    team = state.teams[team_id]
    commands: dict[str, cmd.Command] = {
        "start_planning": cmd.StartPlanning(at=at, team=team_id),
        "start_learning": cmd.StartLearning(at=at, team=team_id),
        "end_phase": cmd.EndPhase(at=at, team=team_id),
        "start_execution": cmd.StartExecution(at=at, team=team_id),
        "pause": cmd.Pause(at=at, team=team_id),
        "resume": cmd.Resume(at=at, team=team_id),
        "huddle": cmd.StartHuddle(at=at, team=team_id),
        "end_huddle": cmd.EndHuddle(at=at, team=team_id),
        "predict": cmd.EnterPrediction(at=at, team=team_id, seconds=60),
        "shuffle": cmd.ShuffleTurns(at=at, team=team_id, seed=0),
        "reorder": cmd.ReorderTurns(at=at, team=team_id, order=tuple(team.order)),
        "lock": cmd.LockTeam(at=at, team=team_id, locked=not team.locked),
        "end": cmd.EndSession(at=at),
    }
    kinds = list(state.settings.penalties)
    if kinds:
        commands["penalty"] = cmd.RecordPenalty(at=at, team=team_id, kind=kinds[0])
    for penalty in team.penalties:
        commands["withdraw_penalty"] = cmd.WithdrawPenalty(at=at, team=team_id, penalty=penalty.seq)
    for walker in team.walks:
        commands["skip_turn"] = cmd.SkipTurn(at=at, team=team_id, player=walker)
    for player in team.players:
        commands["kick"] = cmd.Kick(at=at, team=team_id, player=player)
        commands["ban"] = cmd.Ban(at=at, team=team_id, player=player)
        name = team.players[player].name
        commands["rename"] = cmd.Rename(at=at, team=team_id, player=player, name=name)
    return commands


def _passes(state: SessionState, command: cmd.Command) -> bool:
    try:
        _decide(state, command, only_checking=True)
    except _Passes:
        return True
    except Rejected:
        return False
    return True


def _beep_now_if_due_later(draft: Draft, team_id: str, player: str) -> bool:
    """A walk cut short with a delayed beep pending: the beep still happened."""
    walk = draft.team(team_id).walks.get(player)
    if walk is None or walk.wrong is None:
        return False
    _beep(draft, team_id, player, walk.wrong)
    return True


def _beep_all_pending(draft: Draft, team_id: str) -> None:
    """Before a phase ends: delayed beeps still due are heard now, so none is lost."""
    for player in list(draft.team(team_id).walks):
        _beep_now_if_due_later(draft, team_id, player)


def _retrace_step(draft: Draft, c: cmd.RetraceStep) -> None:
    team = _walker(draft, c)
    walk = team.walks[c.player]
    if not walk.retracing:
        raise Rejected("not_retracing", "There is nothing to retrace")
    here = walk.trail[-1]
    if not team.maze.adjacent(here, c.square):
        raise Rejected("not_adjacent", f"Step onto a square next to {label(here)}")
    if c.square != walk.trail[-2]:
        draft.emit(ev.RetraceErred, team=c.team, player=c.player, square=c.square)
        return
    draft.emit(ev.RetraceStepped, team=c.team, player=c.player, square=c.square)
    if len(draft.team(c.team).walks[c.player].trail) == 1:
        draft.emit(ev.RetraceDone, team=c.team, player=c.player, timed_out=False)


_HANDLERS: dict[type[cmd.Command], Callable[[Draft, Any], None]] = {
    cmd.EndSession: _end_session,
    cmd.RecordOutage: _record_outage,
    cmd.Tick: _tick,
    cmd.Join: _join,
    cmd.Leave: _remove,
    cmd.Kick: _remove,
    cmd.Ban: _remove,
    cmd.Rename: _rename,
    cmd.SetPresence: _presence,
    cmd.ReorderTurns: _reorder,
    cmd.ShuffleTurns: _shuffle,
    cmd.LockTeam: _lock,
    cmd.StartPlanning: _start_planning,
    cmd.StartLearning: _start_learning,
    cmd.EndPhase: _end_phase,
    cmd.StartExecution: _start_execution,
    cmd.EnterPrediction: _predict,
    cmd.Pause: _pause,
    cmd.Resume: _resume,
    cmd.StartHuddle: _start_huddle,
    cmd.EndHuddle: _end_huddle,
    cmd.RecordPenalty: _penalty,
    cmd.WithdrawPenalty: _withdraw_penalty,
    cmd.SkipTurn: _skip_turn,
    cmd.Step: _step,
    cmd.RetraceStep: _retrace_step,
}
