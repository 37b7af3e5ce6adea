"""Properties of the engine for any maze, any rules and any run of commands.

The runs are drawn command by command from the live state (see tests.game.strategies), so
they follow real games: players join and leave, walkers step, beep, retrace and cross, and
the facilitator pauses, grants huddles, records penalties and moves the team through phases.
"""

from __future__ import annotations

import copy
import itertools
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from game import commands as cmd
from game import events as ev
from game import rules as game_rules
from game.board import DIFFICULTIES, Maze, Square, generate_path, validate_path
from game.events import TeamSpec
from game.metrics import session_metrics
from game.projections import participant_view, public_event, screen_view
from game.replay import Replay, read_log, verify, write_log
from game.rules import Rejected, decide
from game.settings import Settings
from game.state import SessionState, apply, fold
from tests.game.strategies import (
    PLAYERS,
    STYLES,
    TEAM,
    draw_command,
    generated_mazes,
    maze_pairs,
    rule_settings,
    shared_prefix,
)


def examples(count: int) -> settings:
    """Runs are long and drawn step by step: no deadline, and slow generation is expected."""
    return settings(max_examples=count, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@dataclass
class Game:
    """A session with one team, its log kept next to its live state."""

    state: SessionState
    log: list[ev.Event] = field(default_factory=list)
    now: float = 0.0

    @classmethod
    def create(cls, rules: Settings, maze: Maze) -> Game:
        game = cls(SessionState())
        team = TeamSpec(TEAM, "Team", maze)
        created = game.play(
            cmd.CreateSession(at=0, session_id="s1", title="Drill", settings=rules, teams=(team,))
        )
        assert not isinstance(created, Rejected)
        return game

    def decide(self, command: cmd.Command) -> list[ev.Event] | Rejected:
        """The events the command leads to, not yet recorded; a refusal is returned."""
        self.now = max(self.now, command.at)
        try:
            return decide(self.state, command)
        except Rejected as rejected:
            return rejected

    def record(self, events: Iterable[ev.Event]) -> None:
        for e in events:
            apply(self.state, e)
            self.log.append(e)

    def play(self, command: cmd.Command) -> list[ev.Event] | Rejected:
        outcome = self.decide(command)
        if not isinstance(outcome, Rejected):
            self.record(outcome)
        return outcome

    def views(self) -> list[dict[str, Any]]:
        """What every player (present or gone) and the big screen are shown now."""
        players = [participant_view(self.state, TEAM, player) for player in PLAYERS]
        return [*players, screen_view(self.state, TEAM)]


def squares_in(value: Any, found: set[Square] | None = None) -> set[Square]:
    """Every [row, col] pair anywhere in a JSON value."""
    found = set() if found is None else found
    if isinstance(value, list):
        if len(value) == 2 and all(type(n) is int for n in value):
            found.add((value[0], value[1]))
        else:
            for item in value:
                squares_in(item, found)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key != "moves":  # the squares around the walker, path or not: board geometry
                squares_in(item, found)
    return found


def as_json(value: Any) -> Any:
    return json.loads(json.dumps(value))


def public_records(events: Iterable[ev.Event]) -> list[dict[str, Any] | None]:
    return [as_json(public_event(e)) for e in events]


# --- 1. the generator ---------------------------------------------------------------------


@examples(150)
@given(
    cols=st.integers(3, 12),
    rows=st.integers(3, 16),
    difficulty=st.sampled_from(DIFFICULTIES),
    diagonal=st.booleans(),
    seed=st.integers(0, 2**53),
)
def test_generated_paths_are_valid_and_repeatable(cols, rows, difficulty, diagonal, seed):
    path = generate_path(seed, cols, rows, difficulty, diagonal=diagonal)

    validate_path(path, cols=cols, rows=rows, diagonal=diagonal)
    assert generate_path(seed, cols, rows, difficulty, diagonal=diagonal) == path
    # A generated path never touches itself side by side, except from one square to the next.
    for (i, a), (j, b) in itertools.combinations(enumerate(path), 2):
        if abs(a[0] - b[0]) + abs(a[1] - b[1]) == 1:
            assert j == i + 1, f"squares {i} and {j} touch: {a} {b}"


# --- 2. invariants under random commands ----------------------------------------------------


def check_log(game: Game) -> None:
    assert [e.seq for e in game.log] == list(range(1, len(game.log) + 1))
    times = [e.ts for e in game.log]
    assert times == sorted(times), "time went backwards"
    assert game.state.seq == len(game.log)


def check_walkers(game: Game) -> None:
    team = game.state.teams[TEAM]
    if team.phase == "learning":
        assert len(team.walks) <= 1, f"walkers in the learning phase: {sorted(team.walks)}"
    if team.phase == "execution":
        assert len(team.walks) <= game.state.settings.max_walkers
    standing = [w.square for w in team.walks.values() if w.square is not None]
    assert len(standing) == len(set(standing)), f"two walkers on one square: {team.walks}"


def check_failure_count(game: Game, views: Sequence[dict[str, Any]]) -> None:
    team = game.state.teams[TEAM]
    beeps = sum(1 for e in game.log if isinstance(e, ev.Beeped) and e.kind in ("new", "repeat"))
    assert team.failures["new"] + team.failures["repeat"] == beeps
    assert all(view["team"]["failures"] == beeps for view in views)


def check_nothing_unrevealed_shows(
    game: Game, views: Sequence[dict[str, Any]], public: set[Square]
) -> None:
    path = set(game.state.teams[TEAM].maze.path)
    for view in views:
        shown = squares_in(as_json(view)) & path
        assert shown <= public, f"path squares shown before any event named them: {shown - public}"


def check_allowed_commands(game: Game) -> None:
    """What the console offers, checked quickly (stopped at the first event), is exactly what
    deciding each command in full accepts."""
    accepted = []
    for name, command in game_rules.trials(game.state, TEAM).items():
        try:
            game_rules.decide(game.state, command)
        except Rejected:
            continue
        accepted.append(name)
    assert game_rules.allowed_commands(game.state, TEAM) == accepted


def check_next_due(game: Game) -> None:
    """Nothing fires before next_due; at next_due something does."""
    if game.state.ended:
        assert game_rules.next_due(game.state) is None
        return
    due = game_rules.next_due(game.state)
    clock = game.state.clock
    if due is None:
        assert decide(game.state, cmd.Tick(at=clock + 10**6), max_events=1) == []
        return
    for before in (clock, (clock + due) / 2, due - 0.001):
        if clock <= before < due:
            assert decide(game.state, cmd.Tick(at=before)) == [], (before, due)
    assert decide(game.state, cmd.Tick(at=max(due, clock))) != []


def check_records_round_trip(events: Iterable[ev.Event]) -> None:
    for e in events:
        assert ev.from_record(as_json(ev.to_record(e))) == e


@dataclass
class Coverage:
    """What the runs of one test reached, to make sure they test something."""

    runs: int = 0
    reached: Counter[str] = field(default_factory=Counter)

    def share(self, what: str) -> float:
        return self.reached[what] / max(1, self.runs)


def play_random_run(
    data: st.DataObject,
    game: Game,
    commands: int,
    style: Sequence[str],
    *,
    check: bool,
) -> None:
    maze = game.state.teams[TEAM].maze
    public: set[Square] = set()
    for _ in range(commands):
        command = draw_command(data, game.state, game.now, path=maze.path, style=style)
        note(repr(command))
        if not check:
            game.play(command)
            continue
        before = copy.deepcopy(game.state)
        outcome = game.decide(command)
        assert game.state == before, "deciding changed the state"
        if isinstance(outcome, Rejected):
            continue
        game.record(outcome)
        assert fold(game.log) == game.state
        check_log(game)
        check_walkers(game)
        check_records_round_trip(outcome)
        for record in public_records(outcome):
            public |= squares_in(record)
        views = game.views()
        check_nothing_unrevealed_shows(game, views, public)
        check_failure_count(game, views)
        check_allowed_commands(game)
        check_next_due(game)


def reached(game: Game) -> set[str]:
    kinds = {e.type for e in game.log}
    team = game.state.teams[TEAM]
    marks = {f"phase {team.phase}"} | {f"event {kind}" for kind in kinds}
    if "execution_started" in kinds:
        marks.add("execution")
    return marks


def test_random_commands_keep_the_invariants():
    coverage = Coverage()

    @examples(100)
    @given(
        data=st.data(),
        rules=rule_settings(),
        maze=generated_mazes(max_cols=6, max_rows=7),
        style=st.sampled_from(STYLES),
        commands=st.integers(30, 150),
    )
    def run(data, rules, maze, style, commands):
        game = Game.create(rules, maze)
        play_random_run(data, game, commands, style, check=True)
        coverage.runs += 1
        for mark in reached(game):
            event(mark)
            coverage.reached[mark] += 1

    run()
    # A guard against a command mix that stops games from getting anywhere. Hypothesis
    # draws runs in clusters, so the shares swing widely from one test run to the next
    # (seen: beeped 0.68-0.81, crossed 0.22-0.48, execution 0.48-0.71, manual retrace
    # 0.04-0.28): the bars sit well below the lowest, to fail only when a kind is lost.
    assert coverage.share("event beeped") > 0.3, coverage
    assert coverage.share("event crossed") > 0.05, coverage
    assert coverage.share("execution") > 0.1, coverage
    assert coverage.share("event retrace_stepped") > 0.0, coverage
    assert coverage.share("event server_away") > 0.05, coverage


# --- 3. replay --------------------------------------------------------------------------------


@examples(30)
@given(
    data=st.data(),
    rules=rule_settings(),
    maze=generated_mazes(max_cols=6, max_rows=7),
    style=st.sampled_from(STYLES),
    commands=st.integers(30, 150),
)
def test_replaying_a_log_gives_the_same_state_and_metrics(data, rules, maze, style, commands):
    game = Game.create(rules, maze)
    live = {1: copy.deepcopy(game.state)}  # the state the room had after each command
    for _ in range(commands):
        game.play(draw_command(data, game.state, game.now, path=maze.path, style=style))
        live[len(game.log)] = copy.deepcopy(game.state)
    stored = [ev.from_record(as_json(ev.to_record(e))) for e in game.log]
    later = game.now + 30

    replay = Replay(stored, every=7)
    for seq, state in live.items():
        assert replay.state_at(seq) == state

    assert fold(stored) == fold(stored) == game.state
    # the log is one the rules could have written: it reads back as a file, checked line by line
    assert verify(stored) == game.state
    assert read_log(write_log(stored)) == stored
    for now in (None, later):
        first = session_metrics(stored, now=now)
        assert session_metrics(stored, now=now) == first
        assert session_metrics(game.log, now=now) == first


# --- 4. non-interference ----------------------------------------------------------------------


def refusal(outcome: list[ev.Event] | Rejected) -> tuple[str, str] | None:
    return (outcome.code, outcome.message) if isinstance(outcome, Rejected) else None


def step_outcomes(events: Iterable[ev.Event]) -> list[tuple[str, bool | None, Square | None]]:
    """What the facilitator learns from the events: what happened, which steps were safe and
    where beeps sounded."""
    return [
        (
            e.type,
            e.safe if isinstance(e, ev.Stepped) else None,
            e.square if isinstance(e, ev.Beeped) else None,
        )
        for e in events
    ]


def without_safety(outcomes: Iterable[tuple[str, bool | None, Square | None]]) -> list[Any]:
    """The outcomes as everyone may know them: whether a step was safe stays secret while its
    beep is delayed."""
    return [(kind, square) for kind, _, square in outcomes]


def assert_same_public_story(
    a: Game, b: Game, events_a: Sequence[ev.Event], events_b: Sequence[ev.Event]
) -> None:
    assert public_records(events_a) == public_records(events_b)
    assert as_json(a.views()) == as_json(b.views())


@dataclass
class Depth:
    """How far a pair of sessions went before their paths told them apart."""

    safe_steps: int = 0
    beeps: int = 0
    parted: bool = False
    hidden: bool = False  # parted, but only in a secret: a step's beep is still delayed

    def count(self, events: Iterable[ev.Event]) -> None:
        for e in events:
            self.safe_steps += isinstance(e, ev.Stepped) and e.safe
            self.beeps += isinstance(e, ev.Beeped)


def compare_outcomes(a: Game, b: Game, command: cmd.Command, depth: Depth) -> bool:
    """Play the command in both sessions; False once they have told their paths apart."""
    events_a, events_b = a.play(command), b.play(command)
    assert refusal(events_a) == refusal(events_b)
    if isinstance(events_a, Rejected) or isinstance(events_b, Rejected):
        return True
    outcomes_a, outcomes_b = step_outcomes(events_a), step_outcomes(events_b)
    if without_safety(outcomes_a) != without_safety(outcomes_b):
        depth.parted = True
        return False
    # With a beep delay, a step can be safe in one session and wrong in the other: the
    # sessions have parted, but nobody may see it before the beep sounds.
    depth.hidden |= outcomes_a != outcomes_b
    assert_same_public_story(a, b, events_a, events_b)
    if not depth.hidden:
        depth.count(events_a)
    return True


def test_what_players_see_never_depends_on_unrevealed_squares():
    coverage = Coverage()

    @examples(150)
    @given(
        data=st.data(),
        mazes=maze_pairs(),
        rules=rule_settings(),
        style=st.sampled_from(STYLES),
        commands=st.integers(30, 150),
    )
    def run(data, mazes, rules, style, commands):
        maze_a, maze_b = mazes
        note(f"paths {maze_a.path} and {maze_b.path}")
        note(f"they share {shared_prefix(maze_a.path, maze_b.path)} squares")
        a, b = Game.create(rules, maze_a), Game.create(rules, maze_b)
        depth = Depth()
        for _ in range(commands):
            command = draw_command(data, a.state, a.now, path=maze_a.path, style=style)
            note(repr(command))
            # Timers first: a delayed beep due by now is an outcome of its own, and a command
            # refused after it would not keep it.
            if not compare_outcomes(a, b, cmd.Tick(at=command.at), depth):
                break
            if not compare_outcomes(a, b, command, depth):
                break
        coverage.runs += 1
        marks = {
            "deep": depth.safe_steps >= 3,
            "beeped": depth.beeps > 0,
            "parted": depth.parted or depth.hidden,
            "parted in secret": depth.hidden,
            "lengths differ": len(maze_a.path) != len(maze_b.path),
        }
        for mark, hit in marks.items():
            event(f"{mark}: {hit}")
            coverage.reached[mark] += hit

    run()
    # The property says little unless runs go several steps deep, through beeps, before the
    # paths part, and then do part. Hypothesis draws runs in clusters, so the shares swing
    # from one test run to the next (seen over seven: deep 0.61-0.76, beeped 0.38-0.77,
    # parted 0.50-0.81, parted in secret 0.23-0.49, lengths differ 0.87-0.99): the bars sit
    # well below the lowest, to fail only when a kind of run is lost.
    assert coverage.share("deep") > 0.3, coverage
    assert coverage.share("beeped") > 0.15, coverage
    assert coverage.share("parted") > 0.25, coverage
    assert coverage.share("parted in secret") > 0.05, coverage
    assert coverage.share("lengths differ") > 0.5, coverage
