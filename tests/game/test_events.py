"""Event records: every type survives JSON, and anything that is not a valid event is refused."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from game import commands as cmd
from game import events as ev
from game.events import FORMAT_VERSION, LogFormatError, from_record, to_record
from game.settings import Settings
from tests.game.helpers import MAZE, OFF_PATH, Game, P

TEAM: dict[str, Any] = {"seq": 2, "ts": 12.5, "team": "red"}

EXAMPLES: list[ev.Event] = [
    ev.SessionCreated(
        seq=1,
        ts=0,
        session_id="s1",
        title="Workshop",
        settings=Settings(retrace="manual", beep_delay_s=1.5, idle_timeout_s=None),
        teams=(ev.TeamSpec("red", "Red", MAZE), ev.TeamSpec("blue", "Blue", MAZE)),
    ),
    ev.SessionEnded(seq=2, ts=99.0),
    ev.PlayerJoined(**TEAM, player="p1", name="Ann"),
    ev.PlayerRenamed(**TEAM, player="p1", name="Annie"),
    ev.PlayerRemoved(**TEAM, player="p1", reason="banned"),
    ev.PlayerPresence(**TEAM, player="p1", connected=False),
    ev.TurnOrderSet(**TEAM, order=("p2", "p1"), shuffled=True),
    ev.TeamLocked(**TEAM, locked=True),
    ev.PlanningStarted(**TEAM, ends_at=312.5),
    ev.LearningStarted(**TEAM, reason="planning_over"),
    ev.TurnBegan(**TEAM, player="p1"),
    ev.Stepped(**TEAM, player="p1", square=(0, 1), safe=False),
    ev.Beeped(
        **TEAM,
        player="p1",
        square=(2, 2),
        kind="repeat",
        on_path=True,
        came_from=(1, 1),
        retrace=((1, 1), (0, 1)),
        penalty_s=0,
    ),
    ev.Beeped(
        **TEAM,
        player="p1",
        square=(0, 3),
        kind="execution",
        on_path=False,
        came_from=None,
        retrace=(),
        penalty_s=60,
    ),
    ev.RetraceStepped(**TEAM, player="p1", square=(1, 1)),
    ev.RetraceErred(**TEAM, player="p1", square=(1, 0)),
    ev.RetraceDone(**TEAM, player="p1", timed_out=True),
    ev.Crossed(**TEAM, player="p1"),
    ev.TurnLost(**TEAM, player="p1", reason="disconnected"),
    ev.Paused(**TEAM),
    ev.Resumed(**TEAM),
    ev.HuddleStarted(**TEAM, seconds=90.0),
    ev.HuddleEnded(**TEAM),
    ev.PenaltyRecorded(**TEAM, kind="talking", seconds=30, phase="execution"),
    ev.PenaltyWithdrawn(**TEAM, penalty=7),
    ev.PredictionEntered(**TEAM, seconds=240),
    ev.LearningEnded(**TEAM, path_found=False, how="facilitator"),
    ev.ExecutionStarted(**TEAM, order=("p1", "p2", "p3")),
    ev.ExecutionEnded(**TEAM, complete=True),
    ev.SessionEnded(seq=2, ts=99.0, reason="abandoned"),
    ev.ServerAway(seq=2, ts=140.0, since=99.5),
]


def through_json(event: ev.Event) -> ev.Event:
    return from_record(json.loads(json.dumps(to_record(event))))


def record_of(event_type: type[ev.Event]) -> dict[str, Any]:
    example = next(event for event in EXAMPLES if type(event) is event_type)
    record: dict[str, Any] = json.loads(json.dumps(to_record(example)))
    return record


def test_every_event_type_has_an_example():
    assert {type(event) for event in EXAMPLES} == set(ev.EVENT_TYPES.values())


@pytest.mark.parametrize("event", EXAMPLES, ids=lambda event: event.type)
def test_every_event_round_trips_through_json(event):
    back = through_json(event)
    assert back == event
    assert type(back) is type(event)


@pytest.mark.parametrize("event", EXAMPLES, ids=lambda event: event.type)
def test_records_carry_the_version_sequence_time_and_type(event):
    record = to_record(event)
    assert record["v"] == FORMAT_VERSION
    assert record["seq"] == event.seq
    assert record["ts"] == event.ts
    assert record["type"] == event.type


def test_squares_come_back_as_tuples():
    beep = through_json(EXAMPLES[12])
    assert isinstance(beep, ev.Beeped)
    assert beep.square == (2, 2)
    assert isinstance(beep.came_from, tuple)
    assert all(isinstance(square, tuple) for square in beep.retrace)


def test_session_created_records_carry_the_version_settings_and_mazes():
    record = record_of(ev.SessionCreated)
    assert record["v"] == FORMAT_VERSION
    assert record["settings"]["retrace"] == "manual"
    assert record["teams"][0]["maze"]["path"] == [list(square) for square in MAZE.path]
    created = from_record(record)
    assert isinstance(created, ev.SessionCreated)
    assert created.teams[0].maze == MAZE
    assert created.settings == Settings(retrace="manual", beep_delay_s=1.5, idle_timeout_s=None)


def test_a_whole_game_log_replays_from_its_records():
    game = Game.learning(retrace="manual", beep_delay_s=1)
    game.step("ann", P[0])
    game.step("ann", OFF_PATH)
    game.wait(1)
    game.retrace("ann", P[0])
    game.cross("bob")
    game.send(cmd.EnterPrediction, seconds=60)
    game.send(cmd.StartExecution)
    records = [json.loads(json.dumps(to_record(event))) for event in game.log]
    events = [from_record(record) for record in records]
    assert events == game.log
    assert {event.type for event in events} >= {"beeped", "retrace_stepped", "execution_started"}


def test_a_version_1_session_ended_reads_as_ended_by_the_facilitator():
    ended = from_record({"v": 1, "seq": 9, "ts": 99.0, "type": "session_ended"})
    assert ended == ev.SessionEnded(seq=9, ts=99.0, reason="facilitator")


# --- refusals --------------------------------------------------------------------------


def test_a_record_from_a_newer_version_is_refused():
    record = record_of(ev.TurnBegan)
    record["v"] = FORMAT_VERSION + 1
    with pytest.raises(LogFormatError, match="newer than this server reads"):
        from_record(record)


@pytest.mark.parametrize("version", [None, 0, -1, "1", 1.0, True])
def test_a_missing_or_bad_version_is_refused(version):
    record = record_of(ev.TurnBegan)
    if version is None:
        del record["v"]
    else:
        record["v"] = version
    with pytest.raises(LogFormatError, match="format version"):
        from_record(record)


@pytest.mark.parametrize("kind", ["teleported", "", None, 7, "Stepped"])
def test_an_unknown_event_type_is_refused(kind):
    record = record_of(ev.TurnBegan)
    record["type"] = kind
    with pytest.raises(LogFormatError, match="unknown event type"):
        from_record(record)


def test_a_record_without_a_type_is_refused():
    record = record_of(ev.TurnBegan)
    del record["type"]
    with pytest.raises(LogFormatError, match="unknown event type"):
        from_record(record)


@pytest.mark.parametrize("record", [[], "turn_began", None, 3])
def test_a_record_that_is_not_an_object_is_refused(record):
    with pytest.raises(LogFormatError, match="must be a JSON object"):
        from_record(record)


@pytest.mark.parametrize("event", EXAMPLES, ids=lambda event: event.type)
def test_a_missing_field_is_refused(event):
    record = record_of(type(event))
    optional = {f.name for f in dataclasses.fields(event) if f.default is not dataclasses.MISSING}
    field = [name for name in record if name not in ("v", "type", *optional)][-1]
    del record[field]
    with pytest.raises(LogFormatError, match=f"bad {event.type} event"):
        from_record(record)


@pytest.mark.parametrize("event", EXAMPLES, ids=lambda event: event.type)
def test_an_extra_field_is_refused(event):
    record = record_of(type(event))
    record["secret"] = 1
    with pytest.raises(LogFormatError, match=r"unknown fields \['secret'\]"):
        from_record(record)


ILL_TYPED = [
    (ev.TurnBegan, "seq", "3"),
    (ev.TurnBegan, "seq", 3.0),
    (ev.TurnBegan, "ts", "12.5"),
    (ev.TurnBegan, "ts", True),
    (ev.TurnBegan, "team", 5),
    (ev.TurnBegan, "player", None),
    (ev.Stepped, "square", [0]),
    (ev.Stepped, "square", [0, 1, 2]),
    (ev.Stepped, "square", "0,1"),
    (ev.Stepped, "square", [0, "1"]),
    (ev.Stepped, "safe", "yes"),
    (ev.Stepped, "safe", 1),
    (ev.Beeped, "kind", "mild"),
    (ev.Beeped, "came_from", "start"),
    (ev.Beeped, "retrace", [[1, 1], [0]]),
    (ev.Beeped, "retrace", None),
    (ev.PlayerRemoved, "reason", "vanished"),
    (ev.TurnLost, "reason", "bored"),
    (ev.LearningEnded, "how", "whenever"),
    (ev.LearningStarted, "reason", None),
    (ev.TurnOrderSet, "order", "p1,p2"),
    (ev.TurnOrderSet, "order", [1, 2]),
    (ev.PenaltyRecorded, "phase", "planning"),
    (ev.PenaltyRecorded, "seconds", 30.5),
    (ev.HuddleStarted, "seconds", "90"),
    (ev.SessionCreated, "teams", {"team_id": "red"}),
    (ev.SessionCreated, "settings", None),
]


@pytest.mark.parametrize(("event_type", "field", "value"), ILL_TYPED)
def test_an_ill_typed_field_is_refused(event_type, field, value):
    record = record_of(event_type)
    record[field] = value
    with pytest.raises(LogFormatError, match=f"bad {event_type.type} event"):
        from_record(record)


def settings_record() -> dict[str, Any]:
    record = record_of(ev.SessionCreated)
    settings: dict[str, Any] = record["settings"]
    return settings


@pytest.mark.parametrize(
    ("name", "value"),
    [("retrace", "sometimes"), ("penalties", {"talking": "30"}), ("max_walkers", "1"), ("x", 1)],
)
def test_ill_typed_settings_are_refused(name, value):
    record = record_of(ev.SessionCreated)
    record["settings"][name] = value
    with pytest.raises(LogFormatError, match="bad session_created event"):
        from_record(record)


def test_a_tampered_maze_path_is_refused():
    record = record_of(ev.SessionCreated)
    path = record["teams"][1]["maze"]["path"]
    path[3] = [4, 0]  # a gap in the hidden path
    with pytest.raises(LogFormatError, match="is not next to"):
        from_record(record)


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda maze: maze.update(cols=99), "cols must be between"),
        (lambda maze: maze.update(diagonal=False), "is not next to"),
        (lambda maze: maze["path"].append([5, 2]), "last row before the end"),
        (lambda maze: maze.update(path=[]), "empty"),
    ],
)
def test_a_maze_that_no_longer_fits_its_board_is_refused(change, why):
    record = record_of(ev.SessionCreated)
    change(record["teams"][0]["maze"])
    with pytest.raises(LogFormatError, match=why):
        from_record(record)


def test_reading_a_record_does_not_change_it():
    record = record_of(ev.Beeped)
    copy = json.loads(json.dumps(record))
    from_record(record)
    assert record == copy
