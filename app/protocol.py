"""Messages clients send, validated strictly; docs/protocol.md describes every one."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from app import json_input
from game import commands as cmd

Name = Annotated[str, Field(max_length=100)]
Id = Annotated[str, Field(min_length=1, max_length=32)]
Token = Annotated[str, Field(min_length=1, max_length=100)]
Coordinate = Annotated[int, Field(ge=0, le=99, strict=True)]


class BadMessage(ValueError):
    """A message that is not valid JSON or not a known, well-formed message."""

    code = "bad_message"


class Message(BaseModel):
    # strict: "30", "1e1" or true is not a number, "yes" or 1 not a flag (ints are floats)
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


# --- participants and the big screen -----------------------------------------------------


class Join(Message):
    type: Literal["join"]
    name: Name
    seat_token: Token | None = None  # this browser's previous seat, if any


class Resume(Message):
    type: Literal["resume"]
    seat_token: Token
    last_seq: Annotated[int, Field(ge=0, strict=True)] = 0


class WatchResume(Message):
    type: Literal["resume"]
    last_seq: Annotated[int, Field(ge=0, strict=True)] = 0


class StepMessage(Message):
    type: Literal["step"]
    row: Coordinate
    col: Coordinate


class RetraceMessage(Message):
    type: Literal["retrace"]
    row: Coordinate
    col: Coordinate


class LeaveMessage(Message):
    type: Literal["leave"]


class Ping(Message):
    type: Literal["ping"]


ParticipantMessage = Annotated[
    Join | Resume | StepMessage | RetraceMessage | LeaveMessage | Ping,
    Field(discriminator="type"),
]
ScreenMessage = Annotated[WatchResume | Ping, Field(discriminator="type")]


# --- the facilitator -------------------------------------------------------------------


class Auth(Message):
    type: Literal["auth"]
    token: Token
    last_seq: Annotated[int, Field(ge=0, strict=True)] | None = None


class TeamMessage(Message):
    team: Id | None = None


class Plain(TeamMessage):
    type: Literal[
        "start_planning",
        "start_learning",
        "start_execution",
        "end_phase",
        "pause",
        "resume",
        "end_huddle",
        "shuffle",
    ]


class Huddle(TeamMessage):
    type: Literal["huddle"]
    seconds: Annotated[float, Field(gt=0, le=3600)] | None = None


class PenaltyMessage(TeamMessage):
    type: Literal["penalty"]
    kind: Annotated[str, Field(min_length=1, max_length=40)]


class WithdrawPenaltyMessage(TeamMessage):
    type: Literal["withdraw_penalty"]
    penalty: Annotated[int, Field(ge=1, strict=True)]


class SkipTurnMessage(TeamMessage):
    type: Literal["skip_turn"]
    player: Id | None = None


class PlayerAction(TeamMessage):
    type: Literal["kick", "ban"]
    player: Id


class RenameMessage(TeamMessage):
    type: Literal["rename"]
    player: Id
    name: Name


class ReorderMessage(TeamMessage):
    type: Literal["reorder"]
    order: Annotated[list[Id], Field(max_length=100)]


class LockMessage(TeamMessage):
    type: Literal["lock"]
    locked: bool


class PredictMessage(TeamMessage):
    type: Literal["predict"]
    seconds: Annotated[int, Field(strict=True)]


class EndSessionMessage(Message):
    type: Literal["end"]


FacilitatorCommand = (
    Plain
    | Huddle
    | PenaltyMessage
    | WithdrawPenaltyMessage
    | SkipTurnMessage
    | PlayerAction
    | RenameMessage
    | ReorderMessage
    | LockMessage
    | PredictMessage
    | EndSessionMessage
)
FacilitatorMessage = Annotated[
    Auth | Ping | FacilitatorCommand,
    Field(discriminator="type"),
]

_participant = TypeAdapter[Any](ParticipantMessage)
_screen = TypeAdapter[Any](ScreenMessage)
_facilitator = TypeAdapter[Any](FacilitatorMessage)


def parse(text: str, audience: Literal["participant", "screen", "facilitator"]) -> Message:
    try:
        data = json_input.loads(text)
    except json_input.BadJson as error:
        raise BadMessage(f"A message must be a JSON object: {error}") from None
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        raise BadMessage('A message must be a JSON object with a "type"')
    adapter = {"participant": _participant, "screen": _screen, "facilitator": _facilitator}
    try:
        message: Message = adapter[audience].validate_python(data)
    except ValidationError as error:
        raise BadMessage(_explain(error)) from None
    return message


def _explain(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"][1:]) or "message"
    if first["type"] == "union_tag_invalid":
        return f"Unknown message type {first['input'].get('type')!r}"
    return f"{where}: {first['msg']}"


_PLAIN_COMMANDS: dict[str, type[cmd.TeamCommand]] = {
    "start_planning": cmd.StartPlanning,
    "start_learning": cmd.StartLearning,
    "start_execution": cmd.StartExecution,
    "end_phase": cmd.EndPhase,
    "pause": cmd.Pause,
    "resume": cmd.Resume,
    "end_huddle": cmd.EndHuddle,
}


def facilitator_command(message: Message, team: str, at: float, seed: int) -> cmd.Command:
    """The engine command for a facilitator's message (team already resolved)."""
    if isinstance(message, EndSessionMessage):
        return cmd.EndSession(at=at)
    if isinstance(message, Plain):
        if message.type == "shuffle":
            return cmd.ShuffleTurns(at=at, team=team, seed=seed)
        return _PLAIN_COMMANDS[message.type](at=at, team=team)
    if isinstance(message, Huddle):
        return cmd.StartHuddle(at=at, team=team, seconds=message.seconds)
    if isinstance(message, PenaltyMessage):
        return cmd.RecordPenalty(at=at, team=team, kind=message.kind)
    if isinstance(message, WithdrawPenaltyMessage):
        return cmd.WithdrawPenalty(at=at, team=team, penalty=message.penalty)
    if isinstance(message, SkipTurnMessage):
        return cmd.SkipTurn(at=at, team=team, player=message.player)
    if isinstance(message, PlayerAction):
        action = cmd.Kick if message.type == "kick" else cmd.Ban
        return action(at=at, team=team, player=message.player)
    if isinstance(message, RenameMessage):
        return cmd.Rename(at=at, team=team, player=message.player, name=message.name)
    if isinstance(message, ReorderMessage):
        return cmd.ReorderTurns(at=at, team=team, order=tuple(message.order))
    if isinstance(message, LockMessage):
        return cmd.LockTeam(at=at, team=team, locked=message.locked)
    if isinstance(message, PredictMessage):
        return cmd.EnterPrediction(at=at, team=team, seconds=message.seconds)
    raise BadMessage(f"Not a facilitator command: {type(message).__name__}")
