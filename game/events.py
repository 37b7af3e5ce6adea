"""Events: what happened, in order. A session's log is its events; state is their fold.

Every event is JSON-serialisable with `to_record` and read back with `from_record`. The
record carries the format version `v`, so logs written today still replay after the format
grows (see docs/events.md for the rules on changing it).
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from game.board import Maze, Square
from game.settings import Settings, parse_settings

FORMAT_VERSION = 2
# The latest time a log may hold: 3000-01-01T00:00:00Z. Times are seconds since the UNIX epoch.
LATEST_TS = 32503680000.0

BeepKind = Literal["new", "repeat", "execution"]
RemovalReason = Literal["left", "kicked", "banned"]
TurnLossReason = Literal["idle", "disconnected", "facilitator"]
LearningEndHow = Literal["first_crossing", "all_crossed", "facilitator"]
EndReason = Literal["facilitator", "abandoned"]


class LogFormatError(ValueError):
    """A record that is not a valid event of any known version."""


@dataclass(frozen=True, kw_only=True)
class Event:
    type: ClassVar[str]
    seq: int
    ts: float


@dataclass(frozen=True, kw_only=True)
class TeamEvent(Event):
    team: str


@dataclass(frozen=True)
class TeamSpec:
    team_id: str
    name: str
    maze: Maze


@dataclass(frozen=True, kw_only=True)
class SessionCreated(Event):
    type = "session_created"
    session_id: str
    title: str
    settings: Settings
    teams: tuple[TeamSpec, ...]


@dataclass(frozen=True, kw_only=True)
class SessionEnded(Event):
    type = "session_ended"
    reason: EndReason = "facilitator"  # or "abandoned": no command came for a long time


@dataclass(frozen=True, kw_only=True)
class ServerAway(Event):
    """The server restarted (at `ts`) after being away since `since`, the last moment it was
    known alive. Every team's timers move later by the time away, and no clock counts it."""

    type = "server_away"
    since: float

    @property
    def seconds(self) -> float:
        return self.ts - self.since


@dataclass(frozen=True, kw_only=True)
class PlayerJoined(TeamEvent):
    type = "player_joined"
    player: str
    name: str


@dataclass(frozen=True, kw_only=True)
class PlayerRenamed(TeamEvent):
    type = "player_renamed"
    player: str
    name: str


@dataclass(frozen=True, kw_only=True)
class PlayerRemoved(TeamEvent):
    type = "player_removed"
    player: str
    reason: RemovalReason


@dataclass(frozen=True, kw_only=True)
class PlayerPresence(TeamEvent):
    type = "player_presence"
    player: str
    connected: bool


@dataclass(frozen=True, kw_only=True)
class TurnOrderSet(TeamEvent):
    type = "turn_order_set"
    order: tuple[str, ...]
    shuffled: bool


@dataclass(frozen=True, kw_only=True)
class TeamLocked(TeamEvent):
    type = "team_locked"
    locked: bool


@dataclass(frozen=True, kw_only=True)
class PlanningStarted(TeamEvent):
    type = "planning_started"
    ends_at: float


@dataclass(frozen=True, kw_only=True)
class LearningStarted(TeamEvent):
    type = "learning_started"
    reason: Literal["facilitator", "planning_over"]


@dataclass(frozen=True, kw_only=True)
class TurnBegan(TeamEvent):
    type = "turn_began"
    player: str


@dataclass(frozen=True, kw_only=True)
class Stepped(TeamEvent):
    """A step that did not beep now: safe, or wrong with its beep still delayed."""

    type = "stepped"
    player: str
    square: Square
    safe: bool


@dataclass(frozen=True, kw_only=True)
class Beeped(TeamEvent):
    type = "beeped"
    player: str
    square: Square
    kind: BeepKind
    on_path: bool
    came_from: Square | None
    retrace: tuple[Square, ...]
    penalty_s: int


@dataclass(frozen=True, kw_only=True)
class RetraceStepped(TeamEvent):
    type = "retrace_stepped"
    player: str
    square: Square


@dataclass(frozen=True, kw_only=True)
class RetraceErred(TeamEvent):
    type = "retrace_erred"
    player: str
    square: Square


@dataclass(frozen=True, kw_only=True)
class RetraceDone(TeamEvent):
    type = "retrace_done"
    player: str
    timed_out: bool


@dataclass(frozen=True, kw_only=True)
class Crossed(TeamEvent):
    type = "crossed"
    player: str


@dataclass(frozen=True, kw_only=True)
class TurnLost(TeamEvent):
    type = "turn_lost"
    player: str
    reason: TurnLossReason


@dataclass(frozen=True, kw_only=True)
class Paused(TeamEvent):
    type = "paused"


@dataclass(frozen=True, kw_only=True)
class Resumed(TeamEvent):
    type = "resumed"


@dataclass(frozen=True, kw_only=True)
class HuddleStarted(TeamEvent):
    type = "huddle_started"
    seconds: float


@dataclass(frozen=True, kw_only=True)
class HuddleEnded(TeamEvent):
    type = "huddle_ended"


@dataclass(frozen=True, kw_only=True)
class PenaltyRecorded(TeamEvent):
    type = "penalty_recorded"
    kind: str
    seconds: int
    phase: Literal["learning", "execution"]


@dataclass(frozen=True, kw_only=True)
class PenaltyWithdrawn(TeamEvent):
    type = "penalty_withdrawn"
    penalty: int  # the seq of the penalty_recorded event taken back


@dataclass(frozen=True, kw_only=True)
class PredictionEntered(TeamEvent):
    type = "prediction_entered"
    seconds: int


@dataclass(frozen=True, kw_only=True)
class LearningEnded(TeamEvent):
    type = "learning_ended"
    path_found: bool
    how: LearningEndHow


@dataclass(frozen=True, kw_only=True)
class ExecutionStarted(TeamEvent):
    type = "execution_started"
    order: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class ExecutionEnded(TeamEvent):
    type = "execution_ended"
    complete: bool


EVENT_TYPES: dict[str, type[Event]] = {
    cls.type: cls
    for cls in (
        SessionCreated,
        SessionEnded,
        ServerAway,
        PlayerJoined,
        PlayerRenamed,
        PlayerRemoved,
        PlayerPresence,
        TurnOrderSet,
        TeamLocked,
        PlanningStarted,
        LearningStarted,
        TurnBegan,
        Stepped,
        Beeped,
        RetraceStepped,
        RetraceErred,
        RetraceDone,
        Crossed,
        TurnLost,
        Paused,
        Resumed,
        HuddleStarted,
        HuddleEnded,
        PenaltyRecorded,
        PenaltyWithdrawn,
        PredictionEntered,
        LearningEnded,
        ExecutionStarted,
        ExecutionEnded,
    )
}


# --- records ---------------------------------------------------------------------------


def to_record(event: Event) -> dict[str, Any]:
    """The JSON-ready form: {"v", "seq", "ts", "type", ...fields}."""
    body = _plain(event)
    assert isinstance(body, dict)
    return {"v": FORMAT_VERSION, "seq": event.seq, "ts": event.ts, "type": event.type, **body}


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def _to_version_2(record: dict[str, Any]) -> dict[str, Any]:
    """Version 2 added server_away and the reason of session_ended: every session of
    version 1 was ended by the facilitator."""
    if record.get("type") == SessionEnded.type:
        return {"reason": "facilitator", **record}
    return record


# Upgrades from an older format version to the next: version -> function on the raw record.
# Version 1 is the first; a change that breaks old records adds an entry here.
UPGRADES: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: _to_version_2}


def from_record(record: Mapping[str, Any]) -> Event:
    """An event read back from its record, upgraded from older versions when needed."""
    if not isinstance(record, Mapping):
        raise LogFormatError("an event must be a JSON object")
    data = dict(record)
    version = data.pop("v", None)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise LogFormatError(f"missing or bad format version 'v': {version!r}")
    if version > FORMAT_VERSION:
        raise LogFormatError(
            f"format version {version} is newer than this server reads ({FORMAT_VERSION})"
        )
    while version < FORMAT_VERSION:
        data = UPGRADES[version](data)
        version += 1
    kind = data.pop("type", None)
    cls = EVENT_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise LogFormatError(f"unknown event type {kind!r}")
    try:
        value = _decode(cls, data)
        if isinstance(value, SessionCreated):
            parse_settings(value.settings.to_dict())  # the same limits as a new session
    except (TypeError, ValueError, KeyError) as error:
        raise LogFormatError(f"bad {kind} event: {error}") from error
    assert isinstance(value, Event)
    if not 0 <= value.ts <= LATEST_TS:
        raise LogFormatError(
            f"bad {kind} event: time {value.ts!r} is not between 1970 and the year 3000"
        )
    return value


_HINTS: dict[type, dict[str, Any]] = {}


def _finite(number: int | float) -> bool:
    """Whether a number is finite and small enough to be a float (a huge integer is not)."""
    try:
        return math.isfinite(number)
    except OverflowError:
        return False


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def _decode(hint: Any, value: Any) -> Any:
    """Rebuild a typed value from JSON data, strictly: wrong shapes raise."""
    origin = typing.get_origin(hint)
    if hint is Any:
        return value
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        if not isinstance(value, Mapping):
            raise TypeError(f"{hint.__name__} must be an object")
        hints = _hints(hint)
        names = {f.name for f in dataclasses.fields(hint) if f.init}
        unknown = set(value) - names
        if unknown:
            raise ValueError(f"unknown fields {sorted(unknown)}")
        missing = {
            f.name
            for f in dataclasses.fields(hint)
            if f.init
            and f.name not in value
            and f.default is dataclasses.MISSING
            and f.default_factory is dataclasses.MISSING
        }
        if missing:
            raise KeyError(f"missing fields {sorted(missing)}")
        return hint(**{name: _decode(hints[name], item) for name, item in value.items()})
    if origin is Literal:
        if value not in typing.get_args(hint):
            raise ValueError(f"{value!r} is not one of {typing.get_args(hint)}")
        return value
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(hint)
        if value is None and type(None) in options:
            return None
        errors = []
        for option in options:
            if option is type(None):
                continue
            try:
                return _decode(option, value)
            except (TypeError, ValueError, KeyError) as error:
                errors.append(str(error))
        raise TypeError("; ".join(errors))
    if origin is tuple:
        args = typing.get_args(hint)
        if not isinstance(value, list | tuple):
            raise TypeError(f"expected a list, got {value!r}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_decode(args[0], item) for item in value)
        if len(args) != len(value):
            raise TypeError(f"expected {len(args)} items, got {value!r}")
        return tuple(_decode(arg, item) for arg, item in zip(args, value, strict=True))
    if origin is dict:
        key_type, value_type = typing.get_args(hint)
        if not isinstance(value, Mapping):
            raise TypeError(f"expected an object, got {value!r}")
        return {_decode(key_type, k): _decode(value_type, v) for k, v in value.items()}
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(f"expected a number, got {value!r}")
        if not _finite(value):
            raise ValueError("expected a finite number no larger than a float holds")
        return value
    if hint in (int, str, bool):
        if type(value) is not hint:
            raise TypeError(f"expected {hint.__name__}, got {value!r}")
        return value
    raise TypeError(f"cannot read a value of type {hint!r}")
