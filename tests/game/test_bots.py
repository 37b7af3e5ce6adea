"""Bot teams: what each strategy does with what a participant can see, and whole games.

The move-by-move stories play on the hand-drawn maze of tests.game.helpers (P[0] .. P[7]);
the whole games play on the default board with generated paths.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from functools import cache
from itertools import pairwise
from typing import Any

import pytest

from game import bots
from game import events as ev
from game.board import Square, neighbours
from game.bots import BotTeam, Move, learning_figures, play_session
from game.projections import participant_view, public_event
from game.settings import Settings, parse_maze
from game.state import SessionState, apply, fold
from tests.game.helpers import MAZE, OFF_PATH, TEAM, WRONG_ENTRY, Game, P

GAMES = 25
SEEDS = range(GAMES)


# --- a bot watching a hand-played game -------------------------------------------------


class Watcher:
    """A bot team that has heard every public event of a game so far."""

    def __init__(self, game: Game, strategy: str, seed: int = 0) -> None:
        self.game = game
        self.bot = BotTeam(strategy, seed)
        self.heard = 0
        self.catch_up()

    def catch_up(self) -> None:
        for event in self.game.log[self.heard :]:
            record = public_event(event)
            if record is not None:
                self.bot.observe(record)
        self.heard = len(self.game.log)

    def move(self, player: str) -> Move | None:
        self.catch_up()
        return self.bot.next_move(participant_view(self.game.state, TEAM, player), player)

    def play(self, player: str) -> Move:
        """Ask the bot for the player's move and make it."""
        move = self.move(player)
        assert move is not None
        if move.kind == "step":
            self.game.step(player, move.square)
        else:
            self.game.retrace(player, move.square)
        return move


def frontier_choices(
    strategy: str, game_for_seed: Callable[[], Game], player: str, walk_to: int
) -> list[Square]:
    """For many seeds: the square `player` tries after walking the known path to P[walk_to]."""
    choices = []
    for seed in range(40):
        game = game_for_seed()
        watcher = Watcher(game, strategy, seed)
        for square in P[: walk_to + 1]:
            assert watcher.play(player) == Move("step", square)
        move = watcher.move(player)
        assert move is not None and move.kind == "step"
        choices.append(move.square)
    return choices


def after_a_beep_from_p1() -> Game:
    game = Game.learning()
    game.walk("ann", P[0], P[1], OFF_PATH)
    assert game.walker == "bob"
    return game


def test_an_unknown_strategy_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match=r"'cautious'.*learner, amnesiac, random"):
        BotTeam("cautious", 0)


def test_a_bot_moves_only_on_its_own_turn() -> None:
    game = Game.learning()
    watcher = Watcher(game, "learner")
    assert watcher.move("bob") is None
    assert watcher.move("ann") is not None
    assert watcher.bot.next_move(participant_view(game.state, TEAM, "ann"), "bob") is None


def test_the_learner_enters_elsewhere_after_a_beep_on_entry() -> None:
    for seed in range(20):
        game = Game.learning()
        game.step("ann", WRONG_ENTRY)
        move = Watcher(game, "learner", seed).move("bob")
        assert move is not None
        assert move.kind == "step" and move.square[0] == 0 and move.square != WRONG_ENTRY


def test_the_learner_walks_the_known_path_then_tries_a_square_nobody_tried_there() -> None:
    choices = frontier_choices("learner", after_a_beep_from_p1, "bob", walk_to=1)
    assert all(MAZE.adjacent(P[1], square) for square in choices)
    assert not {OFF_PATH, P[0]} & set(choices)
    assert len(set(choices)) > 2  # a random pick among the untried squares


def test_the_learner_keeps_away_from_a_beeped_square_while_others_are_left() -> None:
    def beeped_out_of_order() -> Game:
        game = Game.learning()
        game.walk("ann", P[0], P[1], P[3])  # a path square out of order beeps
        game.walk("bob", P[0], P[1], P[2], WRONG_ENTRY)
        return game

    choices = frontier_choices("learner", beeped_out_of_order, "cy", walk_to=2)
    assert P[3] not in choices


def test_the_learner_comes_back_to_a_square_that_beeped_out_of_order() -> None:
    """From P2 only P3 is left untried: it beeped from P1, but from here it is the path."""
    game = Game.learning()
    game.walk("ann", P[0], P[1], P[3])
    others = [sq for sq in neighbours(P[2], MAZE.cols, MAZE.rows, diagonal=True) if sq not in P]
    for player, square in zip(["bob", "cy", "ann", "bob", "cy"], others, strict=True):
        game.walk(player, P[0], P[1], P[2], square)
    watcher = Watcher(game, "learner")
    for square in P[:3]:
        watcher.play("ann")
        assert game.walk_of("ann").trail[-1] == square
    assert watcher.play("ann") == Move("step", P[3])
    assert game.walk_of("ann").trail == list(P[:4])  # safe: the walk goes on


def test_the_amnesiac_follows_the_revealed_squares_but_forgets_the_beeps() -> None:
    choices = frontier_choices("amnesiac", after_a_beep_from_p1, "bob", walk_to=1)
    assert all(MAZE.adjacent(P[1], square) for square in choices)
    assert P[0] not in choices  # not back where it came from
    assert OFF_PATH in choices  # the square that just beeped, tried again


def test_the_random_bot_does_not_follow_the_revealed_squares() -> None:
    firsts = set()
    for seed in range(20):
        move = Watcher(after_a_beep_from_p1(), "random", seed).move("bob")
        assert move is not None and move.kind == "step" and move.square[0] == 0
        firsts.add(move.square)
    assert firsts - {P[0]}


def test_in_manual_retrace_the_bot_taps_its_trail_back() -> None:
    game = Game.learning(retrace="manual")
    game.walk("ann", P[0], P[1], OFF_PATH)
    watcher = Watcher(game, "learner")
    assert watcher.play("ann") == Move("retrace", P[1])
    assert watcher.play("ann") == Move("retrace", P[0])
    assert "ann" not in game.team.walks
    assert game.team.failures["retrace"] == 0


# --- whole games on the default board --------------------------------------------------


@cache
def games(strategy: str) -> tuple[list[ev.Event], ...]:
    return tuple(
        play_session(strategy=strategy, maze=parse_maze({"seed": seed}), seed=seed)
        for seed in SEEDS
    )


@cache
def figures(strategy: str) -> tuple[dict[str, Any], ...]:
    return tuple(learning_figures(log) for log in games(strategy))


def aggregate_ratio(strategy: str) -> float:
    new = sum(f["new_failures"] for f in figures(strategy))
    return float(new / sum(f["learning_beeps"] for f in figures(strategy)))


def mean_ratio(strategy: str) -> float:
    return float(statistics.mean(f["learning_ratio"] for f in figures(strategy)))


def test_learner_teams_rarely_repeat_a_beep() -> None:
    assert all(f["learning_ratio"] is not None for f in figures("learner"))
    assert mean_ratio("learner") >= 0.95
    assert aggregate_ratio("learner") >= 0.95


def test_amnesiac_teams_repeat_beeps() -> None:
    assert mean_ratio("amnesiac") <= 0.8
    assert aggregate_ratio("amnesiac") <= 0.8


def test_learner_teams_discover_the_path_in_fewer_steps() -> None:
    for strategy in ("learner", "amnesiac"):
        assert all(f["path_found"] for f in figures(strategy)), strategy

    def mean_steps(strategy: str) -> float:
        return float(statistics.mean(f["steps_to_discovery"] for f in figures(strategy)))

    assert mean_steps("learner") < 0.75 * mean_steps("amnesiac")


@pytest.mark.parametrize("strategy", ["learner", "amnesiac"])
def test_every_game_ends_in_the_debrief_with_a_gapless_log(strategy: str) -> None:
    for log in games(strategy):
        assert [event.seq for event in log] == list(range(1, len(log) + 1))
        assert all(a.ts <= b.ts for a, b in pairwise(log))
        state = fold(log)
        assert state.ended and state.teams[bots.TEAM_ID].phase == "debrief"
        (ended,) = [e for e in log if isinstance(e, ev.ExecutionEnded)]
        assert ended.complete  # everyone crossed along the path the team found
        assert not any(isinstance(e, ev.TurnLost) for e in log)


def test_a_game_is_the_same_for_the_same_seed() -> None:
    maze = parse_maze({"seed": 7})
    first = play_session(strategy="learner", maze=maze, seed=3)
    assert play_session(strategy="learner", maze=maze, seed=3) == first
    assert play_session(strategy="learner", maze=maze, seed=4) != first


def test_a_random_team_plays_a_whole_session_with_phases_ended_by_hand() -> None:
    log = play_session(
        strategy="random",
        maze=parse_maze({"seed": 1}),
        seed=1,
        max_learning_steps=150,
        max_execution_steps=150,
    )
    (learning_ended,) = [e for e in log if isinstance(e, ev.LearningEnded)]
    assert (learning_ended.how, learning_ended.path_found) == ("facilitator", False)
    (execution_ended,) = [e for e in log if isinstance(e, ev.ExecutionEnded)]
    assert not execution_ended.complete
    assert learning_figures(log)["steps"] == 150
    assert fold(log).teams[bots.TEAM_ID].phase == "debrief"


def test_bots_hear_only_public_records_and_see_only_participant_views(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    heard: list[dict[str, Any]] = []
    seen: list[dict[str, Any]] = []

    class Recording(BotTeam):
        def observe(self, public_event: dict[str, Any]) -> None:
            heard.append(public_event)
            super().observe(public_event)

        def next_move(self, view: dict[str, Any], player: str) -> Move | None:
            seen.append(view)
            return super().next_move(view, player)

    monkeypatch.setattr(bots, "BotTeam", Recording)
    log = play_session(strategy="learner", maze=parse_maze({"seed": 2}), seed=2)
    assert heard and seen
    assert len(heard) == len(log) - 1  # all but session_created, which holds the path
    assert all(record["type"] != "session_created" for record in heard)
    for record in heard:
        assert not {"safe", "kind", "on_path", "came_from", "path"} & set(record)
    for view in seen:
        assert view["audience"] == "participant"
        assert "path" not in view["team"] and "revealed" not in view["team"]


def test_the_learning_figures_count_steps_to_the_first_crossing() -> None:
    log = play_session(
        strategy="learner",
        maze=parse_maze({"seed": 5}),
        settings=Settings(learning_ends="all_crossed"),
        seed=5,
    )
    figures = learning_figures(log)
    (ended,) = [e for e in log if isinstance(e, ev.LearningEnded)]
    assert ended.how == "all_crossed"
    first_crossing = next(i for i, e in enumerate(log) if isinstance(e, ev.Crossed))
    steps_before = sum(isinstance(e, ev.Stepped | ev.Beeped) for e in log[: first_crossing + 1])
    assert figures["steps_to_discovery"] == steps_before
    assert figures["path_found"] and figures["steps"] > figures["steps_to_discovery"]


# --- variants --------------------------------------------------------------------------

VARIANTS = {
    "manual-retrace": Settings(retrace="manual"),
    "beep-delay": Settings(beep_delay_s=3),
    "three-walkers": Settings(max_walkers=3),
}


@cache
def variant_game(name: str) -> list[ev.Event]:
    return play_session(
        strategy="learner", maze=parse_maze({"seed": 4}), settings=VARIANTS[name], seed=4
    )


@pytest.mark.parametrize("name", VARIANTS)
def test_variant_games_complete(name: str) -> None:
    log = variant_game(name)
    assert fold(log).teams[bots.TEAM_ID].phase == "debrief"
    assert learning_figures(log)["path_found"]
    (ended,) = [e for e in log if isinstance(e, ev.ExecutionEnded)]
    assert ended.complete
    assert sum(isinstance(e, ev.Crossed) for e in log) == 1 + 6  # the discovery, then all six


def test_manual_retrace_bots_tap_back_without_errors() -> None:
    log = variant_game("manual-retrace")
    assert any(isinstance(e, ev.RetraceStepped) for e in log)
    assert not any(isinstance(e, ev.RetraceErred) for e in log)
    assert not any(isinstance(e, ev.RetraceDone) and e.timed_out for e in log)


def test_with_a_beep_delay_bots_keep_walking_until_the_beep() -> None:
    log = variant_game("beep-delay")
    wrong = next(i for i, e in enumerate(log) if isinstance(e, ev.Stepped) and not e.safe)
    beep = next(i for i, e in enumerate(log) if isinstance(e, ev.Beeped) and i > wrong)
    assert any(isinstance(e, ev.Stepped) for e in log[wrong + 1 : beep])
    assert log[beep].ts - log[wrong].ts == pytest.approx(3)


def test_with_three_walkers_bots_share_the_maze() -> None:
    state = SessionState()
    most = 0
    for event in variant_game("three-walkers"):
        apply(state, event)
        if state.teams:
            most = max(most, len(state.teams[bots.TEAM_ID].walks))
    assert most == 3
