"""A small harness so rule tests read as stories: one team on a known, hand-drawn maze.

The board is 4 columns by 6 rows with diagonal steps. The hidden path (P[0] .. P[7]) runs
sideways and backwards, so that some path squares touch others out of order:

    row 0   .  P0  .   .
    row 1   .  P1  P2  .        P0 -> P2 and P1 -> P3 are diagonal steps out of order;
    row 2   .  .   P3  .        P5 -> P3 is one too (from another position).
    row 3   .  .   P5  P4
    row 4   .  P6  .   .
    row 5   .  P7  .   .
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, TypeVar

import pytest

from game import commands as cmd
from game import events as ev
from game.board import Maze, Square
from game.events import TeamSpec
from game.rules import Rejected, decide
from game.settings import Settings
from game.state import SessionState, TeamState, Walk, apply, fold

TEAM = "red"
COLS, ROWS = 4, 6
P: tuple[Square, ...] = ((0, 1), (1, 1), (1, 2), (2, 2), (3, 3), (3, 2), (4, 1), (5, 1))
MAZE = Maze(cols=COLS, rows=ROWS, path=P, diagonal=True)

OFF_PATH = (1, 0)  # next to P0 and P1, never on the path
WRONG_ENTRY = (0, 3)  # a first-row square that is not the path's first square
PLAYERS = ("ann", "bob", "cy")

C = TypeVar("C", bound=cmd.Command)
E = TypeVar("E", bound=ev.Event)


class Game:
    """A session with one team (or more) whose log and state move together, at a set time."""

    def __init__(
        self,
        *,
        players: tuple[str, ...] = PLAYERS,
        teams: tuple[str, ...] = (TEAM,),
        maze: Maze = MAZE,
        **settings: Any,
    ) -> None:
        self.state = SessionState()
        self.log: list[ev.Event] = []
        self.now = 0.0
        self.settings = Settings(**settings)
        specs = tuple(TeamSpec(team, team.title(), maze) for team in teams)
        self.do(
            cmd.CreateSession(
                at=0, session_id="s1", title="Workshop", settings=self.settings, teams=specs
            )
        )
        for player in players:
            self.join(player)

    @classmethod
    def learning(cls, **options: Any) -> Game:
        """A team whose learning phase has begun: the first player has the turn."""
        game = cls(**options)
        game.send(cmd.StartLearning)
        return game

    @classmethod
    def reviewing(cls, **options: Any) -> Game:
        """A team whose learning phase ended with the path found by the first walker."""
        game = cls.learning(**options)
        game.cross(game.walker)
        assert game.team.phase == "review"
        return game

    @classmethod
    def executing(cls, **options: Any) -> Game:
        """A team in the execution phase: the first walkers have their go."""
        game = cls.reviewing(**options)
        game.send(cmd.StartExecution)
        return game

    @classmethod
    def planning(cls, **options: Any) -> Game:
        game = cls(**options)
        game.send(cmd.StartPlanning)
        return game

    @classmethod
    def done(cls, **options: Any) -> Game:
        """A team whose execution phase the facilitator ended."""
        game = cls.executing(**options)
        game.send(cmd.EndPhase)
        return game

    @classmethod
    def in_phase(cls, phase: str, **options: Any) -> Game:
        makers: dict[str, Callable[..., Game]] = {
            "lobby": cls,
            "planning": cls.planning,
            "learning": cls.learning,
            "review": cls.reviewing,
            "execution": cls.executing,
            "done": cls.done,
        }
        game = makers[phase](**options)
        assert game.team.phase == phase
        return game

    # --- sending commands ------------------------------------------------------------

    def do(self, command: cmd.Command) -> list[ev.Event]:
        """Decide a command and apply its events, as the server does."""
        events = decide(self.state, command)
        for event in events:
            apply(self.state, event)
        self.log.extend(events)
        return events

    def command(self, command_type: type[C], /, **fields: Any) -> C:
        """A command at the game's current time, for the team unless told otherwise."""
        fields.setdefault("at", self.now)
        if issubclass(command_type, cmd.TeamCommand):
            fields.setdefault("team", TEAM)
        return command_type(**fields)

    def send(self, command_type: type[cmd.Command], /, **fields: Any) -> list[ev.Event]:
        return self.do(self.command(command_type, **fields))

    def reject(self, command_type: type[cmd.Command], /, **fields: Any) -> Rejected:
        """The command's rejection; fails unless it is rejected and leaves the state alone."""
        before = copy.deepcopy(self.state)
        with pytest.raises(Rejected) as caught:
            decide(self.state, self.command(command_type, **fields))
        assert self.state == before
        return caught.value

    # --- time --------------------------------------------------------------------------

    def wait(self, seconds: float) -> list[ev.Event]:
        """Let time pass, firing whatever fell due."""
        self.now += seconds
        return self.send(cmd.Tick)

    # --- players and moves -------------------------------------------------------------

    def join(self, player: str, name: str | None = None) -> list[ev.Event]:
        return self.send(cmd.Join, player=player, name=name or player.title())

    def step(self, player: str, square: Square) -> list[ev.Event]:
        return self.send(cmd.Step, player=player, square=square)

    def walk(self, player: str, *squares: Square) -> list[ev.Event]:
        events: list[ev.Event] = []
        for square in squares:
            events += self.step(player, square)
        return events

    def cross(self, player: str) -> list[ev.Event]:
        return self.walk(player, *P)

    def retrace(self, player: str, square: Square) -> list[ev.Event]:
        return self.send(cmd.RetraceStep, player=player, square=square)

    # --- looking at the state ----------------------------------------------------------

    @property
    def team(self) -> TeamState:
        return self.state.teams[TEAM]

    @property
    def walker(self) -> str:
        """The only player on the maze (the learning phase has one at a time)."""
        (player,) = self.team.walks
        return player

    def walk_of(self, player: str) -> Walk:
        return self.team.walks[player]

    def replayed(self) -> SessionState:
        return fold(self.log)


def types(events: list[ev.Event]) -> list[str]:
    return [event.type for event in events]


def only(events: list[ev.Event], event_type: type[E]) -> E:
    """The one event of a type among events."""
    (found,) = [event for event in events if isinstance(event, event_type)]
    return found


def turns(events: list[ev.Event]) -> list[str]:
    """Who was given a turn (or a go), in order."""
    return [event.player for event in events if isinstance(event, ev.TurnBegan)]
