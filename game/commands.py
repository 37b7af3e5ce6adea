"""Commands: what someone asks for. Each carries its time; `decide` turns it into events."""

from __future__ import annotations

from dataclasses import dataclass

from game.board import Square
from game.events import TeamSpec
from game.settings import Settings


@dataclass(frozen=True, kw_only=True)
class Command:
    at: float


@dataclass(frozen=True, kw_only=True)
class TeamCommand(Command):
    team: str


@dataclass(frozen=True, kw_only=True)
class CreateSession(Command):
    session_id: str
    title: str
    settings: Settings
    teams: tuple[TeamSpec, ...]


@dataclass(frozen=True, kw_only=True)
class EndSession(Command):
    pass


@dataclass(frozen=True, kw_only=True)
class Tick(Command):
    """Time passes: due beeps, idle timeouts and timers fire."""


@dataclass(frozen=True, kw_only=True)
class Join(TeamCommand):
    player: str
    name: str


@dataclass(frozen=True, kw_only=True)
class Leave(TeamCommand):
    player: str


@dataclass(frozen=True, kw_only=True)
class Rename(TeamCommand):
    player: str
    name: str


@dataclass(frozen=True, kw_only=True)
class Kick(TeamCommand):
    player: str


@dataclass(frozen=True, kw_only=True)
class Ban(TeamCommand):
    player: str


@dataclass(frozen=True, kw_only=True)
class SetPresence(TeamCommand):
    player: str
    connected: bool


@dataclass(frozen=True, kw_only=True)
class ReorderTurns(TeamCommand):
    order: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class ShuffleTurns(TeamCommand):
    seed: int


@dataclass(frozen=True, kw_only=True)
class LockTeam(TeamCommand):
    locked: bool


@dataclass(frozen=True, kw_only=True)
class StartPlanning(TeamCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class StartLearning(TeamCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class Step(TeamCommand):
    player: str
    square: Square


@dataclass(frozen=True, kw_only=True)
class RetraceStep(TeamCommand):
    player: str
    square: Square


@dataclass(frozen=True, kw_only=True)
class SkipTurn(TeamCommand):
    """The facilitator takes the turn from a walker (the current one if none is named)."""

    player: str | None = None


@dataclass(frozen=True, kw_only=True)
class Pause(TeamCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class Resume(TeamCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class StartHuddle(TeamCommand):
    """A timed huddle; without seconds it lasts whatever remains of the budget."""

    seconds: float | None = None


@dataclass(frozen=True, kw_only=True)
class EndHuddle(TeamCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class RecordPenalty(TeamCommand):
    kind: str


@dataclass(frozen=True, kw_only=True)
class EnterPrediction(TeamCommand):
    seconds: int


@dataclass(frozen=True, kw_only=True)
class StartExecution(TeamCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class EndPhase(TeamCommand):
    pass
