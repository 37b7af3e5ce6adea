"""Hypothesis strategies for the engine: rule settings, mazes, pairs of paths, and commands.

Commands are drawn one at a time from the live state, so that a run can follow the game:
walkers step next to where they stand, often onto the next square of the path, so that turns
beep, retrace, cross and reach the execution phase.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Mapping, Sequence

from hypothesis import strategies as st

from game import commands as cmd
from game.board import (
    DIFFICULTIES,
    Maze,
    MazeError,
    Square,
    generate_path,
    neighbours,
    validate_path,
)
from game.events import EndReason
from game.settings import Settings
from game.state import SessionState, TeamState

TEAM = "t1"
PLAYERS = ("p0", "p1", "p2", "p3", "p4")
# Clean names, one that clashes ignoring case, and three that are refused.
NAMES = ("Ann", "Bob", "Cy", "Dee", "Eve", "ann", " Flo  Gus ", "", "x" * 21, "Hal\u200b")
PENALTY_KINDS = ("talking", "pointing", "touching", "shouting")
END_REASONS: tuple[EndReason, ...] = ("facilitator", "abandoned")

# How walkers choose where to step: "next" is the next square of the path (the team knows),
# "neighbour" a square next to the walker, "back" the path square behind, "random" anywhere.
STEADY = ("next",) * 6 + ("neighbour", "neighbour", "back", "random")
CAREFREE = ("next", "next", "neighbour", "neighbour", "neighbour", "back", "random", "random")
STYLES = (STEADY, CAREFREE)


def rule_settings() -> st.SearchStrategy[Settings]:
    return st.builds(
        Settings,
        retrace=st.sampled_from(("auto", "manual")),
        beep_delay_s=st.sampled_from((0, 0.5, 4)),
        idle_timeout_s=st.sampled_from((None, 10, 30)),
        planning_s=st.sampled_from((0, 20)),
        huddle_budget_s=st.sampled_from((0, 30, 180)),
        learning_ends=st.sampled_from(("first_crossing", "all_crossed")),
        max_walkers=st.integers(1, 3),
        execution_error_s=st.sampled_from((0, 60)),
        memory_aids=st.booleans(),
    )


@st.composite
def generated_mazes(draw: st.DrawFn, *, max_cols: int = 12, max_rows: int = 16) -> Maze:
    cols = draw(st.integers(3, max_cols))
    rows = draw(st.integers(3, max_rows))
    diagonal = draw(st.booleans())
    difficulty = draw(st.sampled_from(DIFFICULTIES))
    seed = draw(st.integers(0, 2**32))
    path = generate_path(seed, cols, rows, difficulty, diagonal=diagonal)
    return Maze(cols=cols, rows=rows, path=path, diagonal=diagonal)


# --- pairs of paths that agree on a prefix ----------------------------------------------


def _crosses(a: Square, b: Square, c: Square, d: Square) -> bool:
    """Whether the diagonal move a->b and the move c->d form an X."""
    if abs(a[0] - b[0]) != 1 or abs(a[1] - b[1]) != 1:
        return False
    return {c, d} == {(a[0], b[1]), (b[0], a[1])}


def _moves_from(
    path: Sequence[Square], used: set[Square], maze: Maze, rng: random.Random, sideways: float
) -> list[Square]:
    """Squares the path may go on to, in the order to try them last-first."""
    head = path[-1]
    moves = list(itertools.pairwise(path))
    options = [
        sq
        for sq in neighbours(head, maze.cols, maze.rows, diagonal=maze.diagonal)
        if sq not in used and sq[0] != 0 and not any(_crosses(head, sq, a, b) for a, b in moves)
    ]
    weight = {1: 1.0, 0: sideways, -1: sideways / 2}
    keyed = [(rng.random() ** (1.0 / weight[sq[0] - head[0]]), sq) for sq in options]
    return [sq for _, sq in sorted(keyed)]


def continue_path(
    maze: Maze, prefix: int, rng: random.Random, sideways: float
) -> tuple[Square, ...] | None:
    """A valid path that shares `prefix` squares with the maze's path and differs right after.

    A bounded random depth-first search; None if it found nothing.
    """
    path = list(maze.path[:prefix])
    used = set(path)
    forbidden = maze.path[prefix]
    options = [[sq for sq in _moves_from(path, used, maze, rng, sideways) if sq != forbidden]]
    for _ in range(3000):
        if not options:
            return None
        if not options[-1]:
            options.pop()
            if options:
                used.discard(path.pop())
            continue
        square = options[-1].pop()
        if square[0] == maze.rows - 1:
            found = (*path, square)
            validate_path(found, cols=maze.cols, rows=maze.rows, diagonal=maze.diagonal)
            return found
        path.append(square)
        used.add(square)
        options.append(_moves_from(path, used, maze, rng, sideways))
    return None


def _maze(cols: int, rows: int, diagonal: bool, *path: Square) -> Maze:
    return Maze(cols=cols, rows=rows, path=path, diagonal=diagonal)


# Pairs drawn by hand: same prefix, then one short and one long way to the last row.
HAND_MADE_PAIRS: tuple[tuple[Maze, Maze], ...] = (
    (
        _maze(4, 5, True, (0, 1), (1, 1), (2, 1), (3, 1), (4, 1)),
        _maze(4, 5, True, (0, 1), (1, 1), (2, 1), (2, 2), (2, 3), (3, 3), (4, 3)),
    ),
    (
        _maze(3, 3, False, (0, 0), (1, 0), (2, 0)),
        _maze(3, 3, False, (0, 0), (1, 0), (1, 1), (1, 2), (2, 2)),
    ),
    (
        _maze(5, 6, True, (0, 2), (1, 2), (1, 3), (2, 4), (3, 3), (2, 2), (3, 1), (4, 1), (5, 1)),
        _maze(5, 6, True, (0, 2), (1, 2), (1, 3), (2, 3), (3, 3), (4, 3), (5, 3)),
    ),
    (
        _maze(6, 9, False, *((r, 0) for r in range(9))),
        _maze(6, 9, False, *((r, 0) for r in range(7)), (6, 1), (7, 1), (8, 1)),
    ),
)


@st.composite
def generated_pairs(draw: st.DrawFn) -> tuple[Maze, Maze]:
    """Two mazes whose paths share a prefix (at least one square) and differ after it."""
    maze = draw(generated_mazes(max_cols=7, max_rows=8))
    last = len(maze.path) - 1
    # Long shared prefixes matter most: they let a run go deep before the paths part.
    prefix = draw(st.integers(1, last) | st.integers(max(1, last // 2), last))
    seed = draw(st.integers(0, 2**32))
    sideways = draw(st.sampled_from((0.2, 1.0, 3.0)))
    # Without diagonals the entry square may have no other way on: try other prefixes then.
    for size in [*range(prefix, 0, -1), *range(prefix + 1, last + 1)]:
        other = continue_path(maze, size, random.Random(seed), sideways)
        if other is not None:
            return maze, Maze(cols=maze.cols, rows=maze.rows, path=other, diagonal=maze.diagonal)
    raise MazeError("no other path from the entry square")


def maze_pairs() -> st.SearchStrategy[tuple[Maze, Maze]]:
    both_ways = [(a, b) for a, b in HAND_MADE_PAIRS] + [(b, a) for a, b in HAND_MADE_PAIRS]
    return st.one_of(st.sampled_from(both_ways), generated_pairs())


def shared_prefix(a: Sequence[Square], b: Sequence[Square]) -> int:
    return next(i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y)


# --- commands -----------------------------------------------------------------------------

# How often each kind of command comes, in any phase.
EVERYWHERE = {
    "tick": 2,
    "join": 2,
    "leave": 1,
    "kick": 1,
    "ban": 1,
    "rename": 2,
    "presence": 2,
    "reorder": 1,
    "shuffle": 1,
    "lock": 1,
    "planning": 1,
    "learning": 2,
    "pause": 2,
    "resume": 2,
    "huddle": 2,
    "end_huddle": 1,
    "penalty": 2,
    "withdraw_penalty": 1,
    "prediction": 1,
    "execution": 2,
    "end_phase": 1,
    "skip": 1,
    "move": 3,
    "outage": 1,
    "end_session": 0,
}
# Extra weight by phase, so that games move on.
BY_PHASE: dict[str, dict[str, int]] = {
    "lobby": {"join": 16, "learning": 6, "planning": 3, "reorder": 2, "shuffle": 2},
    "planning": {
        "tick": 4,
        "learning": 3,
        "end_phase": 2,
        "reorder": 2,
        "join": 2,
        "end_session": 1,
    },
    "learning": {"move": 70, "tick": 4, "presence": 2},
    "review": {"execution": 10, "prediction": 3, "penalty": 2, "end_session": 1},
    "execution": {"move": 70, "tick": 4, "end_session": 1},
    "done": {"end_session": 8},
    "debrief": {},
}


def _weighted(data: st.DataObject, table: Mapping[str, int]) -> str:
    # Heaviest first: hypothesis favours small numbers, and shrinks towards them.
    names = sorted((name for name, weight in table.items() if weight > 0), key=lambda n: -table[n])
    bounds = list(itertools.accumulate(table[name] for name in names))
    pick = data.draw(st.integers(0, bounds[-1] - 1))
    return names[bisect.bisect_right(bounds, pick)]


def draw_command(
    data: st.DataObject,
    state: SessionState,
    now: float,
    *,
    path: Sequence[Square],
    style: Sequence[str] = STEADY,
) -> cmd.Command:
    """A command someone might send now, given the live state (of the team `TEAM`).

    `path` tells where the next safe square is, so that walkers can make progress; `style`
    sets how often they use it.
    """
    team = state.teams[TEAM]
    table = dict(EVERYWHERE)
    for name, extra in BY_PHASE[team.phase].items():
        table[name] += extra
    if team.paused:
        table["end_huddle" if team.in_huddle else "resume"] += 30
    if not team.players:
        table["join"] += 30
    kind = _weighted(data, table)
    at = now + data.draw(st.sampled_from((0, 0.25, 1, 2.5, -3)))
    if kind == "tick":
        return cmd.Tick(at=now + data.draw(st.sampled_from((1, 4, 9, 20, 45, 400))))
    if kind == "end_session":
        reason = data.draw(st.sampled_from(END_REASONS))
        return cmd.EndSession(at=at, reason=reason)
    if kind == "outage":
        # The server last alive a moment ago or long ago (or, clamped, before the last event),
        # back now or much later.
        since = now + data.draw(st.sampled_from((-5, 0, 0.5, 10, 90)))
        return cmd.RecordOutage(at=since + data.draw(st.sampled_from((0, 3, 40, 600))), since=since)
    if kind == "move":
        return _move(data, team, at, path, style)
    return _facilitator_or_player(data, team, at, kind)


def _any_player(data: st.DataObject) -> str:
    return data.draw(st.sampled_from(PLAYERS))


def _facilitator_or_player(
    data: st.DataObject, team: TeamState, at: float, kind: str
) -> cmd.Command:
    simple: dict[str, type[cmd.TeamCommand]] = {
        "planning": cmd.StartPlanning,
        "learning": cmd.StartLearning,
        "pause": cmd.Pause,
        "resume": cmd.Resume,
        "end_huddle": cmd.EndHuddle,
        "execution": cmd.StartExecution,
        "end_phase": cmd.EndPhase,
    }
    if kind in simple:
        return simple[kind](at=at, team=TEAM)
    if kind == "join":
        return cmd.Join(at=at, team=TEAM, player=_any_player(data), name=_name(data))
    if kind == "rename":
        return cmd.Rename(at=at, team=TEAM, player=_any_player(data), name=_name(data))
    if kind in ("leave", "kick", "ban"):
        removal = {"leave": cmd.Leave, "kick": cmd.Kick, "ban": cmd.Ban}[kind]
        return removal(at=at, team=TEAM, player=_any_player(data))
    if kind == "presence":
        connected = data.draw(st.booleans())
        return cmd.SetPresence(at=at, team=TEAM, player=_any_player(data), connected=connected)
    if kind == "reorder":
        order = data.draw(
            st.permutations(team.order) | st.lists(st.sampled_from(PLAYERS), max_size=5)
        )
        return cmd.ReorderTurns(at=at, team=TEAM, order=tuple(order))
    if kind == "shuffle":
        return cmd.ShuffleTurns(at=at, team=TEAM, seed=data.draw(st.integers(0, 1000)))
    if kind == "lock":
        return cmd.LockTeam(at=at, team=TEAM, locked=data.draw(st.booleans()))
    if kind == "huddle":
        seconds = data.draw(st.sampled_from((None, 0.5, 5, 25, 1000)))
        return cmd.StartHuddle(at=at, team=TEAM, seconds=seconds)
    if kind == "penalty":
        return cmd.RecordPenalty(at=at, team=TEAM, kind=data.draw(st.sampled_from(PENALTY_KINDS)))
    if kind == "withdraw_penalty":
        recorded = [p.seq for p in team.penalties]
        return cmd.WithdrawPenalty(
            at=at, team=TEAM, penalty=data.draw(st.sampled_from([*recorded, 1]))
        )
    if kind == "prediction":
        seconds = data.draw(st.sampled_from((0, 1, 95, 3600, 3601)))
        return cmd.EnterPrediction(at=at, team=TEAM, seconds=seconds)
    assert kind == "skip", kind
    walker = data.draw(st.sampled_from((None, *sorted(team.walks))))
    return cmd.SkipTurn(at=at, team=TEAM, player=walker)


def _name(data: st.DataObject) -> str:
    return data.draw(st.sampled_from(NAMES))


def _move(
    data: st.DataObject, team: TeamState, at: float, path: Sequence[Square], style: Sequence[str]
) -> cmd.Command:
    """A walker's move: mostly the right kind for where they are, now and then the wrong one."""
    walkers = sorted(team.walks)
    if walkers and data.draw(st.integers(0, 9)) > 0:
        player = data.draw(st.sampled_from(walkers))
    else:
        player = _any_player(data)
    walk = team.walks.get(player)
    maze = team.maze
    retracing = walk is not None and walk.retracing
    if retracing == (data.draw(st.integers(0, 9)) > 0):
        if walk is not None and len(walk.trail) > 1:
            right = walk.trail[-2]
            around = neighbours(walk.trail[-1], maze.cols, maze.rows, diagonal=maze.diagonal)
            square = data.draw(st.sampled_from((right,) * 4 + (*around, (0, 0))))
        else:
            square = _anywhere(data, maze)
        return cmd.RetraceStep(at=at, team=TEAM, player=player, square=square)
    here = walk.square if walk is not None else None
    position = walk.position if walk is not None else -1
    # Where the team already knows the way, walkers mostly follow it; they explore beyond.
    if position < team.revealed and data.draw(st.integers(0, 19)) > 0:
        mode = "next"
    else:
        mode = data.draw(st.sampled_from(style))
    if mode == "next" and position + 1 < len(path):
        square = path[position + 1]
    elif mode == "back" and position >= 1:
        square = path[position - 1]
    elif mode in ("next", "back", "neighbour"):
        if here is None:
            square = (0, data.draw(st.integers(0, maze.cols - 1)))
        else:
            around = neighbours(here, maze.cols, maze.rows, diagonal=maze.diagonal)
            square = data.draw(st.sampled_from(around))
    else:
        square = _anywhere(data, maze)
    return cmd.Step(at=at, team=TEAM, player=player, square=square)


def _anywhere(data: st.DataObject, maze: Maze) -> Square:
    """Any square of the board, or now and then one just off it."""
    row = data.draw(st.integers(-1, maze.rows))
    col = data.draw(st.integers(0, maze.cols - 1))
    return (row, col)
