"""Session logs as files, checked as strictly as the rules themselves, and replayed fast.

A log file is JSON Lines: a header line, then one event per line.

    {"format": "electric-maze-log", "version": 1, "session_id": ..., "title": ...,
     "events": N, "sha256": <hex digest of the N event lines, each ending in a newline>}

Reading one refuses, with the line number and the reason: a missing or unknown header, a line
that is not a valid event, a log cut short or with lines added (the count and the digest), and
a tampered log: every event must be exactly what the rules decide from the commands that the
events themselves imply (a step for a `stepped` event, the facilitator's command for a
`paused` one, time passing for an idle timeout...). So a log that reads is one the rules could
have written, and it replays to the same state on any server.
"""

from __future__ import annotations

import bisect
import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from game import commands as cmd
from game import events as ev
from game.rules import Rejected, decide
from game.state import SessionState, apply, clone_team, fold

LOG_FORMAT = "electric-maze-log"
LOG_VERSION = 2  # version 1 files still read: their records are upgraded


class LogError(ValueError):
    """A log file refused: `line` is 1-based (the header is line 1)."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


def _event_line(event: ev.Event) -> str:
    return json.dumps(ev.to_record(event), separators=(",", ":"), sort_keys=True) + "\n"


def write_log(events: Sequence[ev.Event]) -> str:
    """The log file of a session: a header line, then one event per line."""
    if not events or not isinstance(events[0], ev.SessionCreated):
        raise ValueError("a log starts with the session's creation")
    body = "".join(_event_line(e) for e in events)
    header = {
        "format": LOG_FORMAT,
        "version": LOG_VERSION,
        "session_id": events[0].session_id,
        "title": events[0].title,
        "events": len(events),
        "sha256": hashlib.sha256(body.encode()).hexdigest(),
    }
    return json.dumps(header, separators=(",", ":")) + "\n" + body


@dataclass(frozen=True)
class LogFile:
    """The events of a log file, and whether a header's count and checksum vouched for them
    (False for a bare list of events, as `GET /api/workshops/{id}/log` gives: the rules check
    every event of it, but a list cut short after a whole line cannot be told)."""

    events: list[ev.Event]
    checksum: bool


def read_log(text: str) -> list[ev.Event]:
    """The events of a log file, or LogError naming the first bad line and why."""
    return read_log_file(text).events


def read_log_file(text: str) -> LogFile:
    """A log file with its header, or a bare list of events; LogError naming the first bad
    line and why."""
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise LogError(1, "the file is empty; a log starts with its header line")
    if _is_event(lines[0]):
        return LogFile(_read_bare(lines), checksum=False)
    return LogFile(_read_events(_header(lines[0]), lines[1:]), checksum=True)


def _is_event(line: str) -> bool:
    try:
        record = _json(line)
    except _NotJson:
        return False
    return isinstance(record, dict) and "format" not in record and "type" in record


def _read_bare(lines: list[str]) -> list[ev.Event]:
    """Events, one a line from the first, each checked against the rules."""
    try:
        return _read_events(None, lines)
    except LogError as error:  # numbered as if a header came first: one line too many
        raise LogError(max(1, error.line - 1), error.reason) from None


def _read_events(header: dict[str, Any] | None, body_lines: list[str]) -> list[ev.Event]:
    """The events after the header (None: a bare list), as the header says and the rules
    allow; lines are numbered from 2, the header's being 1."""
    body_lines = list(body_lines)
    while body_lines and not body_lines[-1].strip():  # blank lines an editor or mailer added
        body_lines.pop()
    expected = header["events"] if header else len(body_lines)
    events = [_event(number, line, expected) for number, line in enumerate(body_lines, start=2)]
    _check_numbering(events)
    _check_times(events)
    if header is None:
        verify(events)
        return events
    if len(events) < expected:
        raise LogError(
            len(events) + 2, f"the log ends after {len(events)} of its {expected} events"
        )
    if len(events) > expected:
        raise LogError(expected + 2, f"the header counts {expected} events; there are more")
    digest = hashlib.sha256("".join(line + "\n" for line in body_lines).encode()).hexdigest()
    if digest != header["sha256"]:
        verify(events)  # names the changed line when the rules can tell
        raise LogError(1, "the events do not match the header's checksum: the file was changed")
    verify(events)
    return events


def _check_times(events: Sequence[ev.Event]) -> None:
    """No event is dated before the session was created (the rules check the rest)."""
    created = events[0].ts if events else 0.0
    for index, event in enumerate(events):
        if event.ts < created:
            raise LogError(index + 2, "this event is dated before the session was created")


def _check_numbering(events: Sequence[ev.Event]) -> None:
    for index, event in enumerate(events):
        if event.seq != index + 1:
            raise LogError(
                index + 2,
                f"event number {event.seq} where {index + 1} was due: "
                "a line is missing or out of place",
            )


class _NotJson(ValueError):
    """A line that JSON alone cannot read, or that holds a number JSON does not allow."""


def _refuse_constant(name: str) -> Any:
    raise _NotJson(f"{name} is not a number a log may hold")


def _json(line: str) -> Any:
    """The line's JSON value. A string is no bigger than the line, but an integer of
    thousands of digits, deep nesting, or NaN and Infinity are refused, as _NotJson."""
    try:
        return json.loads(line, parse_constant=_refuse_constant)
    except _NotJson:
        raise
    except json.JSONDecodeError as error:
        raise _NotJson(error.msg) from None
    except ValueError:
        raise _NotJson("an integer too long to read") from None
    except RecursionError:
        raise _NotJson("nested too deep to read") from None


def _header(line: str) -> dict[str, Any]:
    try:
        header = _json(line)
    except _NotJson:
        raise LogError(1, "the header is not JSON") from None
    if not isinstance(header, dict) or header.get("format") != LOG_FORMAT:
        raise LogError(1, f'the first line must be a header with "format": "{LOG_FORMAT}"')
    version = header.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise LogError(1, f"bad log version {version!r}")
    if version > LOG_VERSION:
        raise LogError(1, f"log version {version} is newer than this server reads ({LOG_VERSION})")
    count, digest = header.get("events"), header.get("sha256")
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise LogError(1, "the header must count the events (a whole number above 0)")
    if not isinstance(digest, str):
        raise LogError(1, "the header must carry the events' sha256")
    return header


def _event(number: int, line: str, expected: int) -> ev.Event:
    try:
        return ev.from_record(_json(line))
    except _NotJson as error:
        if number - 1 <= expected and not line.rstrip().endswith("}"):
            raise LogError(number, "the line is cut short: the file is incomplete") from None
        raise LogError(number, f"not a JSON object ({error})") from None
    except ev.LogFormatError as error:
        raise LogError(number, str(error)) from None


# --- the rules check -----------------------------------------------------------------------


def verify(events: Sequence[ev.Event]) -> SessionState:
    """The state at the end of the log, if every event is what the rules decide; LogError
    (line numbers as in a log file, the first event on line 2) otherwise."""
    if not events or not isinstance(events[0], ev.SessionCreated):
        raise LogError(2, "a log starts with session_created")
    _check_numbering(events)
    state = SessionState()
    index = 0
    while index < len(events):
        decided = _decided(state, events[index:])
        for decided_event in decided:
            apply(state, decided_event)
        index += len(decided)
    return state


TOO_MUCH = "more events follow from the times here than the log holds"


def _decided(state: SessionState, rest: Sequence[ev.Event]) -> list[ev.Event]:
    """The events the rules give for the command behind rest[0]: they must be rest's start."""
    event = rest[0]
    line = event.seq + 1
    if not isinstance(event, ev.SessionCreated):
        if not state.created:
            raise LogError(line, "a log starts with session_created")
        if event.ts < state.clock:
            raise LogError(line, "time goes backwards")
    best_guess: LogError | None = None
    for command in _candidates(state, rest):
        try:
            # No command gives more events than the file still holds: a far-off time in a
            # crafted log costs work in proportion to the file, not to the time skipped.
            decided = decide(state, command, max_events=len(rest))
        except Rejected as rejection:
            if rejection.code == "too_much":
                if isinstance(command, cmd.Tick):  # time passing alone: so for every candidate
                    raise LogError(line, TOO_MUCH) from None
                best_guess = _furthest(best_guess, LogError(line, TOO_MUCH))
                continue  # this command's own consequences: another candidate may be the one
            best_guess = _furthest(
                best_guess, LogError(line, f"the rules refuse this: {rejection.message}")
            )
            continue
        if not decided:
            continue  # time passing with nothing due, say
        if isinstance(event, ev.TurnOrderSet):
            decided = [event]  # a shuffle's seed is not logged: any order the rules allow
        mismatch = _compare(decided, rest, line)
        if mismatch is None:
            return decided
        best_guess = _furthest(best_guess, mismatch)
    raise best_guess or LogError(
        line, f"nothing a player or facilitator does makes {event.type} here"
    )


def _furthest(known: LogError | None, new: LogError) -> LogError:
    """Of two explanations, the one that agreed with the log the longest."""
    return new if known is None or new.line > known.line else known


def _compare(decided: list[ev.Event], rest: Sequence[ev.Event], line: int) -> LogError | None:
    for offset, expected in enumerate(decided):
        if offset >= len(rest):
            return LogError(line + offset, f"the log stops before {expected.type}")
        if rest[offset] != expected:
            return LogError(
                line + offset,
                f"{rest[offset].type} does not follow from the rules here"
                f" (they give {json.dumps(ev.to_record(expected))})",
            )
    return None


def _candidates(state: SessionState, rest: Sequence[ev.Event]) -> Iterator[cmd.Command]:
    """Commands that may have made rest[0]: time passing, its own command, then the commands
    of the events after it at the same moment (it may be their side effect: a delayed beep
    heard when the facilitator ends the session, say)."""
    event = rest[0]
    if isinstance(event, ev.SessionCreated):
        yield cmd.CreateSession(
            at=event.ts,
            session_id=event.session_id,
            title=event.title,
            settings=event.settings,
            teams=event.teams,
        )
        return
    if isinstance(event, ev.ServerAway):  # only a restart makes it, firing timers to `since`
        yield cmd.RecordOutage(at=event.ts, since=event.since)
        return
    yield cmd.Tick(at=event.ts)
    own = _command_for(event)
    if own is not None:
        yield own
    if isinstance(event, ev.LearningStarted):  # ending the planning phase early
        yield cmd.EndPhase(at=event.ts, team=event.team)
    if isinstance(event, ev.Beeped):  # a delayed beep heard when the walker was skipped
        yield cmd.SkipTurn(at=event.ts, team=event.team, player=event.player)
    tried = [own]
    for later in rest[1:]:
        if later.ts != event.ts:
            return
        made = _command_for(later)
        if made is not None and made not in tried:
            tried.append(made)
            yield made


def _command_for(event: ev.Event) -> cmd.Command | None:
    if isinstance(event, ev.TurnOrderSet):
        return cmd.ReorderTurns(at=event.ts, team=event.team, order=event.order)
    command_for = _COMMANDS.get(type(event))
    return command_for(event, ()) if command_for else None


def _removal(event: ev.PlayerRemoved, rest: Sequence[ev.Event]) -> cmd.Command:
    kind = {"left": cmd.Leave, "kicked": cmd.Kick, "banned": cmd.Ban}[event.reason]
    return kind(at=event.ts, team=event.team, player=event.player)


def _from_beep(event: ev.Beeped, rest: Sequence[ev.Event]) -> cmd.Command:
    # A beep heard at once comes from a step; a delayed one from time passing (handled above).
    return cmd.Step(at=event.ts, team=event.team, player=event.player, square=event.square)


def _learning_ended(event: ev.LearningEnded, rest: Sequence[ev.Event]) -> cmd.Command | None:
    return cmd.EndPhase(at=event.ts, team=event.team) if event.how == "facilitator" else None


def _execution_ended(event: ev.ExecutionEnded, rest: Sequence[ev.Event]) -> cmd.Command | None:
    return None if event.complete else cmd.EndPhase(at=event.ts, team=event.team)


def _turn_lost(event: ev.TurnLost, rest: Sequence[ev.Event]) -> cmd.Command | None:
    if event.reason != "facilitator":
        return None
    return cmd.SkipTurn(at=event.ts, team=event.team, player=event.player)


def _retrace_done(event: ev.RetraceDone, rest: Sequence[ev.Event]) -> cmd.Command | None:
    if not event.timed_out:
        return None
    return cmd.SkipTurn(at=event.ts, team=event.team, player=event.player)


_COMMANDS: dict[type[ev.Event], Callable[[Any, Sequence[ev.Event]], cmd.Command | None]] = {
    ev.SessionEnded: lambda e, _: cmd.EndSession(at=e.ts, reason=e.reason),
    ev.ServerAway: lambda e, _: cmd.RecordOutage(at=e.ts, since=e.since),
    ev.PlayerJoined: lambda e, _: cmd.Join(at=e.ts, team=e.team, player=e.player, name=e.name),
    ev.PlayerRenamed: lambda e, _: cmd.Rename(at=e.ts, team=e.team, player=e.player, name=e.name),
    ev.PlayerRemoved: _removal,
    ev.PlayerPresence: lambda e, _: cmd.SetPresence(
        at=e.ts, team=e.team, player=e.player, connected=e.connected
    ),
    ev.TeamLocked: lambda e, _: cmd.LockTeam(at=e.ts, team=e.team, locked=e.locked),
    ev.PlanningStarted: lambda e, _: cmd.StartPlanning(at=e.ts, team=e.team),
    ev.LearningStarted: lambda e, _: (
        cmd.StartLearning(at=e.ts, team=e.team) if e.reason == "facilitator" else None
    ),
    ev.Stepped: lambda e, _: cmd.Step(at=e.ts, team=e.team, player=e.player, square=e.square),
    ev.Beeped: _from_beep,
    ev.RetraceStepped: lambda e, _: cmd.RetraceStep(
        at=e.ts, team=e.team, player=e.player, square=e.square
    ),
    ev.RetraceErred: lambda e, _: cmd.RetraceStep(
        at=e.ts, team=e.team, player=e.player, square=e.square
    ),
    ev.RetraceDone: _retrace_done,
    ev.TurnLost: _turn_lost,
    ev.Paused: lambda e, _: cmd.Pause(at=e.ts, team=e.team),
    ev.Resumed: lambda e, _: cmd.Resume(at=e.ts, team=e.team),
    ev.HuddleStarted: lambda e, _: cmd.StartHuddle(at=e.ts, team=e.team, seconds=e.seconds),
    ev.HuddleEnded: lambda e, _: cmd.EndHuddle(at=e.ts, team=e.team),
    ev.PenaltyRecorded: lambda e, _: cmd.RecordPenalty(at=e.ts, team=e.team, kind=e.kind),
    ev.PenaltyWithdrawn: lambda e, _: cmd.WithdrawPenalty(at=e.ts, team=e.team, penalty=e.penalty),
    ev.PredictionEntered: lambda e, _: cmd.EnterPrediction(at=e.ts, team=e.team, seconds=e.seconds),
    ev.LearningEnded: _learning_ended,
    ev.ExecutionStarted: lambda e, _: cmd.StartExecution(at=e.ts, team=e.team),
    ev.ExecutionEnded: _execution_ended,
}


# --- seeking -------------------------------------------------------------------------------


@dataclass
class Replay:
    """A log with the state after any event at hand: snapshots every `every` events, so that
    seeking anywhere folds at most that many events."""

    events: Sequence[ev.Event]
    every: int = 250

    def __post_init__(self) -> None:
        self._seqs: list[int] = [0]
        self._snapshots: list[SessionState] = [SessionState()]
        self._fold_on(SessionState(), 0)

    def _fold_on(self, state: SessionState, start: int) -> None:
        for event in self.events[start:]:
            apply(state, event)
            if event.seq % self.every == 0:
                self._seqs.append(event.seq)
                self._snapshots.append(_copy(state))

    def extended(self, events: Sequence[ev.Event]) -> Replay:
        """The replay of a log that has grown past this one's end (a session still running):
        only the new events are folded."""
        known = len(self.events)
        if len(events) < known or (known and events[known - 1] != self.events[-1]):
            raise ValueError("the log does not continue this replay's")
        grown = Replay.__new__(Replay)
        grown.events, grown.every = events, self.every
        grown._seqs, grown._snapshots = list(self._seqs), list(self._snapshots)
        grown._fold_on(self.state_at(self.last_seq), known)
        return grown

    @property
    def last_seq(self) -> int:
        return self.events[-1].seq if self.events else 0

    def state_at(self, seq: int) -> SessionState:
        """The session as it was right after event `seq` (0: before anything happened)."""
        seq = max(0, min(seq, self.last_seq))
        slot = bisect.bisect_right(self._seqs, seq) - 1
        state = _copy(self._snapshots[slot])
        return fold(self.events[self._seqs[slot] : seq], state)


def _copy(state: SessionState) -> SessionState:
    copied = SessionState(**{**state.__dict__, "teams": dict(state.teams)})
    copied.teams = {team_id: clone_team(team) for team_id, team in state.teams.items()}
    return copied
