"""Bot teams: they play the exercise through the commands a person sends.

A bot team sees only what a participant sees: the public records of events
(`projections.public_event`) and a participant's view (`projections.participant_view`), so
the same class can drive a network client that receives exactly those dicts. It never sees
the hidden path, nor whether a beep was new or a repeat.

Strategies:
- learner: remembers every beep and every safe square; follows the known safe path to its
  frontier and tries a square nobody has tried from there, keeping away from squares that
  beeped anywhere unless nothing else is left.
- amnesiac: follows the safe squares walkers before it revealed, as anyone watching the mat
  would, but forgets the beeps: at the frontier it tries a random adjacent square.
- random: no memory at all; every walker takes random legal steps.

`play_session` runs a whole one-team session with bots on a simulated clock, deterministic
for its seed, and returns the event log.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from game import commands as cmd
from game import events as ev
from game.board import Maze, Square, neighbours
from game.metrics import team_metrics
from game.projections import participant_view, public_event
from game.rules import MAX_PLAYERS, MAX_PREDICTION_S, Rejected, decide
from game.settings import Settings
from game.state import SessionState, TeamState, apply

Strategy = Literal["learner", "amnesiac", "random"]
STRATEGIES: tuple[Strategy, ...] = ("learner", "amnesiac", "random")
MoveKind = Literal["step", "retrace"]

TEAM_ID = "bots"


@dataclass(frozen=True)
class Move:
    """A step forward, or (in a manual retrace) a tap on the square to go back to."""

    kind: MoveKind
    square: Square


def _square(value: Sequence[int]) -> Square:
    return (int(value[0]), int(value[1]))


def _deepest_prefix(trail: Iterable[Square]) -> list[Square]:
    """The path squares a walk of safe steps proved, in path order.

    Safe steps go one square forward or back along the path, so the walk is a stack: a step
    back onto the square before the top pops it. The deepest stack is the proven prefix.
    """
    stack: list[Square] = []
    deepest: list[Square] = []
    for square in trail:
        if len(stack) >= 2 and square == stack[-2]:
            stack.pop()
        else:
            stack.append(square)
        if len(stack) > len(deepest):
            deepest = list(stack)
    return deepest


class BotTeam:
    """One team's shared memory and the choice of each of its walkers' moves."""

    def __init__(self, strategy: str, seed: int) -> None:
        if strategy not in STRATEGIES:
            raise ValueError(
                f"unknown bot strategy {strategy!r}; choose one of {', '.join(STRATEGIES)}"
            )
        self.strategy: Strategy = strategy
        self._rng = random.Random(f"bots:{strategy}:{seed}")
        self._known: list[Square] = []  # the path as far as safe steps revealed it
        self._tried: dict[Square | None, set[Square]] = {}  # None: stepping in from outside
        self._beeped: set[Square] = set()
        self._trails: dict[str, list[Square]] = {}  # each walker's steps in this walk
        self._beep_delay_s: float | None = None  # learnt from the first view

    @property
    def known_path(self) -> tuple[Square, ...]:
        return tuple(self._known)

    # --- memory ----------------------------------------------------------------------

    def observe(self, public_event: dict[str, Any]) -> None:
        """Learn from one public event record; call it for every record, in order."""
        kind = public_event.get("type")
        player = public_event.get("player")
        if not isinstance(player, str):
            if kind in ("learning_ended", "execution_started", "execution_ended", "session_ended"):
                self._trails.clear()
            return
        if kind == "turn_began":
            self._trails[player] = []
        elif kind == "stepped":
            self._trails.setdefault(player, []).append(_square(public_event["square"]))
        elif kind == "beeped":
            self._learn_beep(public_event)
            self._trails[player] = []
        elif kind == "crossed":
            # A crossing walk had no wrong step: a pending beep stops any safe step.
            self._learn_safe_walk(self._trails.pop(player, []))
        elif kind == "turn_lost":
            trail = self._trails.pop(player, [])
            # A delayed beep fires before an idle timeout; only a skip can hide a wrong step.
            if public_event.get("reason") != "facilitator" or self._beep_delay_s == 0:
                self._learn_safe_walk(trail)
        elif kind in ("retrace_done", "player_removed"):
            self._trails.pop(player, None)

    def _learn_beep(self, record: dict[str, Any]) -> None:
        # The retrace route runs from the walker's last safe square back to the entry: the
        # path up to there, which everyone watched them walk.
        route = [_square(sq) for sq in record.get("retrace", [])]
        self._learn_prefix(route[::-1])
        if self.strategy != "learner":
            return
        square = _square(record["square"])
        came_from = route[0] if route else None
        self._tried.setdefault(came_from, set()).add(square)
        self._beeped.add(square)

    def _learn_safe_walk(self, trail: list[Square]) -> None:
        self._learn_prefix(_deepest_prefix(trail))

    def _learn_prefix(self, prefix: list[Square]) -> None:
        if len(prefix) > len(self._known):
            self._known = prefix

    # --- moves -----------------------------------------------------------------------

    def next_move(self, view: dict[str, Any], player: str) -> Move | None:
        """What `player` should do now, or None when it is not their turn."""
        you = view.get("you")
        if not you or you.get("id") != player or not you.get("your_turn"):
            return None
        self._beep_delay_s = view["session"]["rules"]["beep_delay_s"]
        team = view["team"]
        walker = next((w for w in team["walkers"] if w["player"] == player), None)
        if walker is None:
            return None
        trail = [_square(sq) for sq in walker["trail"]]
        if you.get("retracing") or walker.get("retracing"):
            # Manual retrace: tap the way back, one square at a time.
            return Move("retrace", trail[-2]) if len(trail) >= 2 else None
        board = team["board"]
        return Move("step", self._choose_step(trail, board))

    def _choose_step(self, trail: list[Square], board: dict[str, Any]) -> Square:
        options = self._options(trail, board)
        if self.strategy == "random":
            return self._rng.choice(options)
        ahead = self._next_known(trail)
        if ahead is not None:
            return ahead
        if self.strategy == "amnesiac":
            came_from = trail[-2] if len(trail) >= 2 else None
            return self._rng.choice([sq for sq in options if sq != came_from] or options)
        return self._untried(trail, options)

    def _options(self, trail: list[Square], board: dict[str, Any]) -> list[Square]:
        """Every square the walker may step onto: the first row to enter, else a neighbour."""
        cols, rows, diagonal = board["cols"], board["rows"], board["diagonal"]
        if not trail:
            return [(0, col) for col in range(cols)]
        return neighbours(trail[-1], cols, rows, diagonal=diagonal)

    def _next_known(self, trail: list[Square]) -> Square | None:
        """The next known path square, if the walker is on the known path short of its end."""
        known = self._known
        index = -1
        for square in trail:
            if index + 1 < len(known) and square == known[index + 1]:
                index += 1
            elif index >= 1 and square == known[index - 1]:
                index -= 1
            else:
                return None  # off the known path: exploring beyond the frontier
        return known[index + 1] if index + 1 < len(known) else None

    def _untried(self, trail: list[Square], options: list[Square]) -> Square:
        here = trail[-1] if trail else None
        tried = self._tried.get(here, set())
        # The path never reuses a square, so known and walked squares cannot come next.
        used = {*self._known, *trail}
        fresh = [sq for sq in options if sq not in used and sq not in tried]
        unbeeped = [sq for sq in fresh if sq not in self._beeped]
        if unbeeped:
            return self._rng.choice(unbeeped)
        if fresh:
            # Only squares that beeped from elsewhere are left, and a path square stepped on
            # out of order beeps too. First try those that beeped from the square just
            # behind (perhaps one step too early), then those nearer the far edge.
            behind = trail[-2] if len(trail) >= 2 else None
            too_early = self._tried.get(behind, set())

            def promise(square: Square) -> tuple[bool, int]:
                return (square in too_early, square[0])

            best = max(promise(sq) for sq in fresh)
            return self._rng.choice([sq for sq in fresh if promise(sq) == best])
        return self._rng.choice([sq for sq in options if sq not in tried] or options)


# --- driver --------------------------------------------------------------------------


def play_session(
    *,
    strategy: str,
    maze: Maze,
    settings: Settings | None = None,
    players: int = 6,
    seed: int = 0,
    start: float = 0.0,
    think_s: tuple[float, float] = (0.5, 2.0),
    max_learning_steps: int = 2000,
    max_execution_steps: int = 2000,
    predict: bool = True,
) -> list[ev.Event]:
    """A whole one-team session played by bots on a simulated clock; its event log.

    The facilitator's part is scripted: start learning at once (no planning), end a phase
    by hand when its step budget runs out, enter a prediction, start execution, end the
    session. Each bot move comes a random think time after the bot could first make it.
    """
    if not 1 <= players <= MAX_PLAYERS:
        raise ValueError(f"players must be from 1 to {MAX_PLAYERS}, not {players}")
    low, high = think_s
    if not 0 <= low <= high:
        raise ValueError(f"think_s must be (low, high) with 0 <= low <= high, not {think_s}")
    table = _Table(BotTeam(strategy, seed), random.Random(seed), start, think_s)
    table.must(
        cmd.CreateSession(
            at=start,
            session_id=f"bots-{strategy}-{seed}",
            title=f"Bots: {strategy}",
            settings=settings or Settings(),
            teams=(ev.TeamSpec(TEAM_ID, "Bots", maze),),
        )
    )
    for number in range(1, players + 1):
        table.must(cmd.Join(at=start, team=TEAM_ID, player=f"bot{number}", name=f"Bot {number}"))
    table.must(cmd.StartLearning(at=start, team=TEAM_ID))
    table.play("learning", max_learning_steps)
    table.end_phase("learning")
    if predict:
        table.must(cmd.EnterPrediction(at=table.now, team=TEAM_ID, seconds=table.prediction()))
    table.must(cmd.StartExecution(at=table.now, team=TEAM_ID))
    table.play("execution", max_execution_steps)
    table.end_phase("execution")
    table.must(cmd.EndSession(at=table.now))
    return table.log


class _Table:
    """The session the bots play in, with its clock and log: the server's side."""

    def __init__(
        self, bots: BotTeam, rng: random.Random, start: float, think_s: tuple[float, float]
    ) -> None:
        self.bots = bots
        self.rng = rng
        self.now = start
        self.think_s = think_s
        self.state = SessionState()
        self.log: list[ev.Event] = []

    @property
    def team(self) -> TeamState:
        return self.state.teams[TEAM_ID]

    def send(self, command: cmd.Command) -> list[ev.Event] | None:
        """The events a command caused, told to the bots; None if it was rejected."""
        try:
            events = decide(self.state, command)
        except Rejected:
            return None
        for event in events:
            apply(self.state, event)
            self.log.append(event)
            record = public_event(event)
            if record is not None:
                self.bots.observe(record)
        return events

    def must(self, command: cmd.Command) -> None:
        if self.send(command) is None:
            raise RuntimeError(f"the session refused {type(command).__name__}")

    def think(self) -> float:
        return self.now + self.rng.uniform(*self.think_s)

    def play(self, phase: str, max_steps: int) -> None:
        """Let walkers move until the phase ends, its steps run out, or nothing can move.

        Every rejected or empty move costs a think time, and there are only so many of them,
        so this always ends.
        """
        due: dict[str, float] = {}  # walker -> when they act next
        steps = waits = 0
        max_waits = 4 * max_steps + 100
        while self.team.phase == phase and steps < max_steps and waits < max_waits:
            due = {
                player: due[player] if player in due else self.think() for player in self.team.walks
            }
            if not due:
                return
            player = min(due, key=lambda p: (due[p], p))
            self.now = max(self.now, due.pop(player))
            fired = self.send(cmd.Tick(at=self.now))
            if fired:  # a timer changed the maze (a late beep, a lost turn): think again
                due.clear()
                continue
            move = self.bots.next_move(participant_view(self.state, TEAM_ID, player), player)
            if move is not None and self.send(self._command(move, player)) is not None:
                steps += 1
            else:  # e.g. an occupied square: wait and try again
                waits += 1
                due[player] = self.think()

    def _command(self, move: Move, player: str) -> cmd.Command:
        if move.kind == "retrace":
            return cmd.RetraceStep(at=self.now, team=TEAM_ID, player=player, square=move.square)
        return cmd.Step(at=self.now, team=TEAM_ID, player=player, square=move.square)

    def end_phase(self, phase: str) -> None:
        if self.team.phase == phase:
            self.must(cmd.EndPhase(at=self.now, team=TEAM_ID))

    def prediction(self) -> int:
        """The team's guess: everyone walks the path they know, one after the other."""
        mean_think = sum(self.think_s) / 2
        squares = max(1, len(self.bots.known_path))
        guess = round(len(self.team.players) * squares * mean_think)
        return max(1, min(MAX_PREDICTION_S, guess))


# --- figures -------------------------------------------------------------------------


def learning_figures(events: Sequence[ev.Event], team_id: str | None = None) -> dict[str, Any]:
    """The learning phase of a full log in a few numbers (the first team's by default).

    learning_ratio is new / (new + repeat) failures (None without failures); steps counts
    every step of the phase; steps_to_discovery those up to the first crossing (None if
    nobody crossed), measured on the log as it stood at that crossing.
    """
    if team_id is None:
        created = events[0] if events else None
        if not isinstance(created, ev.SessionCreated):
            raise ValueError("a session's log starts with session_created")
        team_id = created.teams[0].team_id
    learning = team_metrics(events, team_id)["learning"]
    discovery = _first_learning_crossing(events, team_id)
    steps_to_discovery = (
        None
        if discovery is None
        else team_metrics(events[: discovery + 1], team_id)["learning"]["steps"]
    )
    return {
        "learning_ratio": learning["learning_ratio"],
        "learning_beeps": learning["failures"]["total"],
        "new_failures": learning["failures"]["new"],
        "repeat_failures": learning["failures"]["repeat"],
        "steps": learning["steps"],
        "path_found": learning["path_found"],
        "steps_to_discovery": steps_to_discovery,
    }


def _first_learning_crossing(events: Sequence[ev.Event], team_id: str) -> int | None:
    for index, event in enumerate(events):
        if isinstance(event, ev.TeamEvent) and event.team == team_id:
            if isinstance(event, ev.LearningEnded):
                return None
            if isinstance(event, ev.Crossed):
                return index
    return None
