"""Commands: what someone asks for. Each carries its time; `decide` turns it into events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

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
    """The session closes: every team goes to the debrief. The facilitator ends it, or the
    server does when no command came for a long time ("abandoned")."""

    reason: Literal["facilitator", "abandoned"] = "facilitator"


@dataclass(frozen=True, kw_only=True)
class RecordOutage(Command):
    """The server is back (at `at`) after being away since `since`, the last moment it was
    known alive: timers fire up to `since` only, then every timer moves later by the time away
    and no clock counts it."""

    since: float


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
    """Talking time before the maze opens, counted down."""


@dataclass(frozen=True, kw_only=True)
class StartLearning(TeamCommand):
    """The maze opens: silence, and the first walker's turn."""


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
    """The facilitator freezes the team's maze and timers."""


@dataclass(frozen=True, kw_only=True)
class Resume(TeamCommand):
    """The facilitator unfreezes the maze; timers resume where they stopped."""


@dataclass(frozen=True, kw_only=True)
class StartHuddle(TeamCommand):
    """A timed huddle; without seconds it lasts whatever remains of the budget."""

    seconds: float | None = None


@dataclass(frozen=True, kw_only=True)
class EndHuddle(TeamCommand):
    """The facilitator ends a huddle before its time is up."""


@dataclass(frozen=True, kw_only=True)
class RecordPenalty(TeamCommand):
    kind: str


@dataclass(frozen=True, kw_only=True)
class WithdrawPenalty(TeamCommand):
    """The facilitator takes back a penalty recorded by mistake."""

    penalty: int  # the seq of its penalty_recorded event


@dataclass(frozen=True, kw_only=True)
class EnterPrediction(TeamCommand):
    seconds: int


@dataclass(frozen=True, kw_only=True)
class StartExecution(TeamCommand):
    """Every member must now cross along the path, in turn order."""


@dataclass(frozen=True, kw_only=True)
class EndPhase(TeamCommand):
    """The facilitator ends the phase under way (planning, learning or execution)."""
