"""Debrief measures, checked against logs made by the real engine at chosen times.

The maze (4 columns, 5 rows, diagonal steps) has the path P0..P6:

    row 0   P0  .   .   .
    row 1   P1  .   .   .       P3 touches P1 and P5 diagonally, so stepping on it from
    row 2   P2  P3  P4  .       either is a path square out of order, from two positions.
    row 3   .   .   P5  .
    row 4   .   .   P6  .
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from game import commands as cmd
from game import events as ev
from game.board import Maze, Square
from game.events import TeamSpec
from game.metrics import session_metrics, team_metrics
from game.rules import decide
from game.settings import Settings
from game.state import SessionState, apply, fold

P: tuple[Square, ...] = ((0, 0), (1, 0), (2, 0), (2, 1), (2, 2), (3, 2), (4, 2))
MAZE = Maze(cols=4, rows=5, path=P, diagonal=True)
TEAM = "red"
OFF_PATH_ENTRY = (0, 1)
OFF_PATH = (1, 1)


class Session:
    """A session whose log grows by deciding commands, each at a chosen time."""

    def __init__(self, teams: tuple[str, ...] = (TEAM,), **settings: Any) -> None:
        self.state = SessionState()
        self.log: list[ev.Event] = []
        settings.setdefault("planning_s", 0)
        specs = tuple(TeamSpec(team, team.title(), MAZE) for team in teams)
        self.do(
            cmd.CreateSession(
                at=0, session_id="s1", title="Workshop", settings=Settings(**settings), teams=specs
            )
        )

    def do(self, command: cmd.Command) -> None:
        for event in decide(self.state, command):
            apply(self.state, event)
            self.log.append(event)

    def send(self, at: float, command_type: type[cmd.Command], **fields: Any) -> None:
        if issubclass(command_type, cmd.TeamCommand):
            fields.setdefault("team", TEAM)
        self.do(command_type(at=at, **fields))

    def step(self, at: float, player: str, square: Square, team: str = TEAM) -> None:
        self.send(at, cmd.Step, player=player, square=square, team=team)

    def walk(self, start: float, every: float, player: str, squares: tuple[Square, ...]) -> None:
        for i, square in enumerate(squares):
            self.step(start + i * every, player, square)

    def join(self, *players: str, team: str = TEAM) -> None:
        for player in players:
            self.send(0, cmd.Join, player=player, name=player.title(), team=team)


def scripted() -> Session:
    """A whole game for team red (ann, bob, cy); comments give learning's active seconds."""
    s = Session(idle_timeout_s=30)
    s.join("ann", "bob", "cy")
    s.send(10, cmd.StartLearning)  # ann's turn
    s.step(20, "ann", P[0])  # 0: the learning clock starts
    s.step(25, "ann", P[1])  # 5
    s.step(30, "ann", P[3])  # 10: new beep, P3 out of order from P1
    s.step(40, "bob", OFF_PATH_ENTRY)  # 20: new beep, off the path
    s.step(50, "cy", P[0])  # 30
    s.send(55, cmd.Pause)
    s.send(75, cmd.Resume)  # 20 s paused
    s.step(80, "cy", P[1])  # 40
    s.step(85, "cy", P[3])  # 45: repeat beep, P3 from P1 again
    s.step(90, "ann", OFF_PATH_ENTRY)  # 50: repeat beep
    s.send(95, cmd.StartHuddle, seconds=30)  # ends on time at 125
    s.walk(130, 5, "bob", P[:6])  # 60 .. 85: reaches P2 .. P5 for the first time
    s.step(160, "bob", P[3])  # 90: new beep, P3 out of order from P5
    s.send(165, cmd.RecordPenalty, kind="talking")
    s.send(195, cmd.Tick)  # cy was idle: loses the turn at 190 (120); ann's turn
    s.walk(193, 2, "ann", P)  # 123 .. 135: ann crosses, the path is found
    s.send(210, cmd.EnterPrediction, seconds=100)
    s.send(220, cmd.StartExecution)  # execution clock: 0
    s.walk(221, 1, "ann", P)  # ann crosses at 227 (7)
    s.step(230, "bob", P[0])
    s.step(232, "bob", OFF_PATH)  # an execution error: bob starts again at once
    s.walk(235, 1, "bob", P)  # bob crosses at 241 (21)
    s.send(245, cmd.Pause)
    s.send(250, cmd.RecordPenalty, kind="pointing")
    s.send(255, cmd.Resume)  # 10 s paused
    s.walk(260, 1, "cy", P)  # cy crosses at 266 (36): the execution phase is complete
    return s


@pytest.fixture(scope="module")
def game() -> Session:
    return scripted()


@pytest.fixture(scope="module")
def metrics(game: Session) -> dict[str, Any]:
    return team_metrics(game.log, TEAM)


def prefix_until(log: list[ev.Event], ts: float) -> list[ev.Event]:
    return [event for event in log if event.ts <= ts]


# --- learning ------------------------------------------------------------------------------


def test_learning_clock_runs_from_the_first_step_without_pauses_or_huddles(metrics):
    learning = metrics["learning"]
    assert learning["started_at"] == 20
    assert learning["ended_at"] == 205
    assert learning["duration_s"] == 135.0  # 185 s less 20 paused and 30 in a huddle
    assert learning["penalty_s"] == 30
    assert learning["adjusted_s"] == 165.0
    assert learning["huddles"] == {"count": 1, "seconds": 30.0}
    assert learning["penalties"] == {"talking": {"count": 1, "seconds": 30}}


def test_learning_outcome_and_times_to_first_beep_and_discovery(metrics):
    learning = metrics["learning"]
    assert learning["time_to_first_beep_s"] == 20.0  # from learning's start at 10 to 30
    assert learning["time_to_discovery_s"] == 135.0  # from the first step
    assert learning["path_found"] is True
    assert learning["how_it_ended"] == "first_crossing"


def test_failures_are_new_or_repeat_by_square_and_by_position_for_path_squares(metrics):
    learning = metrics["learning"]
    assert learning["failures"] == {"total": 5, "new": 3, "repeat": 2}
    assert learning["learning_ratio"] == 3 / 5
    assert learning["beep_map"] == [
        {"square": [0, 1], "new": 1, "repeat": 1},
        {"square": [2, 1], "new": 2, "repeat": 1},
    ]


def test_failures_per_minute_cover_the_phase_in_active_minutes(metrics):
    # Beeps at 10, 20, 45, 50 and 90 active seconds; the one at 85 s by the wall clock
    # is at 45 s of active time, so it belongs to the first minute.
    assert metrics["learning"]["per_minute"] == [
        {"minute": 0, "new": 2, "repeat": 2, "covered_s": 60.0, "partial": False,
         "new_per_min": 2.0, "repeat_per_min": 2.0},
        {"minute": 1, "new": 1, "repeat": 0, "covered_s": 60.0, "partial": False,
         "new_per_min": 1.0, "repeat_per_min": 0.0},
        # 135 s of learning: the last minute covered 15 s, and nothing beeped in it.
        {"minute": 2, "new": 0, "repeat": 0, "covered_s": 15.0, "partial": True,
         "new_per_min": 0.0, "repeat_per_min": 0.0},
    ]  # fmt: skip


def test_progress_grows_only_when_a_walker_goes_further_along_the_path(metrics):
    assert metrics["learning"]["progress"] == [
        {"t": 0.0, "progress": 1 / 7},
        {"t": 5.0, "progress": 2 / 7},
        {"t": 70.0, "progress": 3 / 7},
        {"t": 75.0, "progress": 4 / 7},
        {"t": 80.0, "progress": 5 / 7},
        {"t": 85.0, "progress": 6 / 7},
        {"t": 135.0, "progress": 7 / 7},
    ]


def test_turns_steps_idle_timeouts_and_hesitation(metrics):
    learning = metrics["learning"]
    assert learning["turns"] == 7
    assert learning["steps"] == 22  # beeps included: with no beep delay a beep is the step
    assert learning["idle_timeouts"] == 1
    assert learning["retrace_errors"] == 0
    # Longest gap: cy's idle turn and ann's wait (33 s); the wall clock would say 40 s
    # across the huddle.
    assert learning["hesitation"] == {"median_s": 5.0, "longest_s": 33.0}


def test_hesitation_gaps_exclude_pauses_and_count_a_beep_as_a_step():
    s = Session(idle_timeout_s=None)
    s.join("ann")
    s.send(10, cmd.StartLearning)
    s.walk(20, 3, "ann", P[:2])  # 20, 23
    s.step(35, "ann", P[2])
    s.send(36, cmd.Pause)
    s.send(66, cmd.Resume)
    s.step(72, "ann", P[3])  # 7 active seconds after the last step (37 by the wall clock)
    s.step(92, "ann", P[4])
    s.step(94, "ann", (3, 1))  # beeps
    hesitation = team_metrics(s.log, TEAM)["learning"]["hesitation"]
    assert hesitation == {"median_s": 7.0, "longest_s": 20.0}  # gaps 3, 12, 7, 20, 2


def test_with_a_beep_delay_the_wrong_step_is_the_step_and_the_beep_comes_later():
    s = Session(idle_timeout_s=None, beep_delay_s=2)
    s.join("ann", "bob")
    s.send(10, cmd.StartLearning)
    s.step(20, "ann", OFF_PATH_ENTRY)  # wrong: beeps at 22
    s.step(21, "ann", OFF_PATH)  # still walking, dropped from the trail by the beep
    s.step(30, "bob", P[0])
    learning = team_metrics(s.log, TEAM)["learning"]
    assert learning["started_at"] == 20
    assert learning["steps"] == 3
    assert learning["time_to_first_beep_s"] == 12.0  # from learning's start, at 10
    assert learning["hesitation"] == {"median_s": 5.0, "longest_s": 9.0}
    assert learning["beep_map"] == [{"square": [0, 1], "new": 1, "repeat": 0}]
    assert learning["progress"] == [{"t": 10.0, "progress": 1 / 7}]


def test_a_first_step_that_beeps_starts_the_learning_clock():
    s = Session(idle_timeout_s=None)
    s.join("ann", "bob")
    s.send(10, cmd.StartLearning)
    s.step(20, "ann", OFF_PATH_ENTRY)
    learning = team_metrics(s.log, TEAM, now=50)["learning"]
    assert learning["started_at"] == 20
    assert learning["duration_s"] == 30.0
    # from the start of learning, not of its clock, which the beep itself started
    assert learning["time_to_first_beep_s"] == 10.0
    # 30 s with one failure: one a half minute, 2 a minute
    assert learning["per_minute"] == [
        {"minute": 0, "new": 1, "repeat": 0, "covered_s": 30.0, "partial": True,
         "new_per_min": 2.0, "repeat_per_min": 0.0}
    ]  # fmt: skip


def test_retrace_errors_in_manual_retrace_are_counted_apart():
    s = Session(idle_timeout_s=None, retrace="manual")
    s.join("ann", "bob")
    s.send(10, cmd.StartLearning)
    s.walk(20, 1, "ann", P[:2])
    s.step(22, "ann", OFF_PATH)  # beeps; ann must tap back P1, then P0
    s.send(23, cmd.RetraceStep, player="ann", square=P[1])
    s.send(24, cmd.RetraceStep, player="ann", square=OFF_PATH_ENTRY)  # wrong square
    learning = team_metrics(s.log, TEAM)["learning"]
    assert learning["retrace_errors"] == 1
    assert learning["failures"] == {"total": 1, "new": 1, "repeat": 0}
    assert learning["steps"] == 3


def test_a_turn_skipped_by_the_facilitator_is_no_idle_timeout():
    s = Session(idle_timeout_s=None)
    s.join("ann", "bob")
    s.send(10, cmd.StartLearning)
    s.send(15, cmd.SkipTurn)
    s.walk(20, 1, "bob", P)
    learning = team_metrics(s.log, TEAM)["learning"]
    assert learning["idle_timeouts"] == 0
    assert learning["turns"] == 2


# --- execution -------------------------------------------------------------------------------


def test_a_session_ended_during_execution_leaves_it_incomplete():
    s = Session(idle_timeout_s=None)
    s.join("ann", "bob")
    s.send(10, cmd.StartLearning)
    s.walk(20, 1, "ann", P)
    s.send(30, cmd.StartExecution)
    s.walk(31, 1, "ann", P)
    s.send(40, cmd.EndSession)
    metrics = team_metrics(s.log, TEAM, now=90)
    execution = metrics["execution"]
    assert metrics["phase"] == "debrief"
    assert execution["complete"] is False
    assert execution["ended_at"] == 40
    assert execution["duration_s"] == 10.0
    assert execution["crossings"] == [{"player": "ann", "name": "Ann", "t": 7.0}]


def test_execution_times_errors_prediction_and_crossings(metrics):
    execution = metrics["execution"]
    assert execution["started_at"] == 220
    assert execution["ended_at"] == 266
    assert execution["duration_s"] == 36.0  # 46 s less 10 paused
    assert execution["errors"] == 1
    assert execution["error_penalty_s"] == 60
    assert execution["penalty_s"] == 15
    assert execution["adjusted_s"] == 111.0
    assert execution["predicted_s"] == 100
    assert execution["predicted_vs_actual_s"] == 11.0
    assert execution["complete"] is True
    assert execution["crossings"] == [
        {"player": "ann", "name": "Ann", "t": 7.0},
        {"player": "bob", "name": "Bob", "t": 21.0},
        {"player": "cy", "name": "Cy", "t": 36.0},
    ]
    assert execution["beep_map"] == [{"square": [1, 1], "errors": 1}]
    assert execution["penalties"] == {"pointing": {"count": 1, "seconds": 15}}
    assert execution["huddles"] == {"count": 0, "seconds": 0.0}


def test_people_and_team_figures(metrics):
    assert metrics["phase"] == "done"
    assert metrics["players"] == 3
    assert metrics["people"] == {
        "ann": {"name": "Ann", "turns": 4, "steps": 18, "beeps": 2},
        "bob": {"name": "Bob", "turns": 3, "steps": 17, "beeps": 3},
        "cy": {"name": "Cy", "turns": 3, "steps": 10, "beeps": 1},
    }


def test_people_are_counted_once_each_and_only_if_they_were_there():
    s = Session()
    s.join("ann", "bob", "dan")
    s.send(1, cmd.Ban, player="dan")  # never played: not a line of the debrief
    s.send(10, cmd.StartLearning)  # ann's turn
    s.step(11, "ann", OFF_PATH_ENTRY)
    s.step(20, "bob", OFF_PATH_ENTRY)
    s.send(30, cmd.Kick, player="bob")
    s.send(31, cmd.Join, player="bob2", name="BOB")  # back under a new seat
    s.step(40, "ann", P[0])
    s.step(41, "ann", OFF_PATH)
    s.step(50, "bob2", OFF_PATH_ENTRY)
    assert team_metrics(s.log, TEAM)["people"] == {
        "ann": {"name": "Ann", "turns": 3, "steps": 3, "beeps": 2},
        "bob2": {"name": "BOB", "turns": 2, "steps": 2, "beeps": 2},
    }


def test_a_withdrawn_penalty_counts_for_nothing(game):
    s = scripted()
    recorded = next(e for e in s.log if isinstance(e, ev.PenaltyRecorded) and e.kind == "talking")
    s.send(270, cmd.WithdrawPenalty, penalty=recorded.seq)
    learning = team_metrics(s.log, TEAM)["learning"]
    assert learning["penalty_s"] == 0
    assert learning["penalties"] == {}
    assert learning["adjusted_s"] == learning["duration_s"]
    assert team_metrics(s.log, TEAM)["execution"] == team_metrics(game.log, TEAM)["execution"]


def test_ending_the_session_afterwards_changes_no_figure(metrics):
    s = scripted()
    s.send(400, cmd.EndSession)
    ended = team_metrics(s.log, TEAM)
    assert ended["phase"] == "debrief"
    assert {**ended, "phase": "done"} == metrics


# --- a running session -----------------------------------------------------------------------


def test_running_learning_phase_in_a_huddle_is_measured_up_to_now(game):
    running = prefix_until(game.log, 100)  # the huddle began at 95
    learning = team_metrics(running, TEAM, now=110)["learning"]
    assert learning["duration_s"] == 55.0  # frozen at the huddle's start
    assert learning["ended_at"] is None
    assert learning["how_it_ended"] is None
    assert learning["time_to_discovery_s"] is None
    assert learning["path_found"] is False
    assert learning["huddles"] == {"count": 1, "seconds": 15.0}
    assert learning["per_minute"] == [
        {"minute": 0, "new": 2, "repeat": 2, "covered_s": 55.0, "partial": True,
         "new_per_min": 2 * 60 / 55, "repeat_per_min": 2 * 60 / 55}
    ]  # fmt: skip
    # Past the huddle's end, before its end is logged: it counts no more than granted.
    later = team_metrics(running, TEAM, now=140)["learning"]
    assert later["huddles"] == {"count": 1, "seconds": 30.0}


def test_running_execution_phase(game):
    running = prefix_until(game.log, 245)  # paused at 245, after two crossings
    metrics = team_metrics(running, TEAM, now=250)
    execution = metrics["execution"]
    assert metrics["phase"] == "execution"
    assert execution["duration_s"] == 25.0
    assert execution["adjusted_s"] == 85.0
    assert execution["predicted_vs_actual_s"] == -15.0
    assert execution["complete"] is None
    assert execution["ended_at"] is None
    assert [c["t"] for c in execution["crossings"]] == [7.0, 21.0]
    assert metrics["learning"]["duration_s"] == 135.0  # finished: `now` does not move it


def test_without_now_the_last_event_is_the_present():
    s = Session(idle_timeout_s=None)
    s.join("ann")
    s.send(10, cmd.StartLearning)
    s.walk(20, 5, "ann", P[:3])
    learning = team_metrics(s.log, TEAM)["learning"]
    assert learning["duration_s"] == 10.0
    assert team_metrics(s.log, TEAM, now=200)["learning"]["duration_s"] == 180.0


def test_a_team_that_has_not_started_and_execution_before_it_starts():
    s = Session(teams=(TEAM, "blue"), idle_timeout_s=None)
    s.join("ann")
    s.join("bea", team="blue")
    s.send(10, cmd.StartLearning, team="blue")
    s.step(20, "bea", OFF_PATH_ENTRY, team="blue")
    result = session_metrics(s.log, now=30)
    assert result["session"] == {"id": "s1", "title": "Workshop", "ended_by": None, "outages": []}
    assert list(result["teams"]) == [TEAM, "blue"]
    red = result["teams"][TEAM]
    assert red["phase"] == "lobby"
    assert red["players"] == 1
    assert red["learning"]["duration_s"] == 0.0
    assert red["learning"]["failures"] == {"total": 0, "new": 0, "repeat": 0}
    assert red["learning"]["learning_ratio"] is None
    assert red["learning"]["per_minute"] == []
    assert red["learning"]["hesitation"] == {"median_s": None, "longest_s": None}
    blue = result["teams"]["blue"]
    assert blue["learning"]["failures"]["new"] == 1
    assert blue["execution"]["adjusted_s"] is None
    assert blue["execution"]["predicted_vs_actual_s"] is None
    assert blue["execution"]["complete"] is None


# --- agreement with the state's clocks ---------------------------------------------------


def all_crossed_ended_in_a_pause() -> Session:
    """The last player still to cross is removed during a pause: learning ends there."""
    s = Session(idle_timeout_s=None, learning_ends="all_crossed")
    s.join("ann", "bob")
    s.send(10, cmd.StartLearning)
    s.walk(20, 1, "ann", P)
    s.send(30, cmd.Pause)
    s.send(45, cmd.Kick, player="bob")
    s.send(70, cmd.StartExecution)
    s.send(80, cmd.StartHuddle, seconds=20)
    return s


def session_ended_while_paused() -> Session:
    s = Session(idle_timeout_s=20, beep_delay_s=1.5)
    s.join("ann", "bob")
    s.send(10, cmd.StartLearning)
    s.step(12.5, "ann", P[0])
    s.step(13.25, "ann", OFF_PATH)
    s.send(40, cmd.Tick)
    s.send(41, cmd.StartHuddle, seconds=10)
    s.send(70.5, cmd.Pause)
    s.send(71, cmd.EndSession)
    return s


def server_away_running_paused_and_in_a_huddle() -> Session:
    """The server away while learning runs, during a pause, during a huddle, and in review."""
    s = Session(idle_timeout_s=30)
    s.join("ann", "bob")
    s.send(10, cmd.StartLearning)
    s.step(20, "ann", P[0])  # the learning clock starts
    s.step(30, "ann", OFF_PATH)  # a beep at 10 s
    s.send(100, cmd.RecordOutage, since=40)  # away 60 s
    s.step(110, "bob", OFF_PATH_ENTRY)  # a beep at 30 s (90, less 60 away)
    s.send(120, cmd.Pause)
    s.send(200, cmd.RecordOutage, since=150)  # inside the pause
    s.send(210, cmd.Resume)
    s.send(215, cmd.StartHuddle, seconds=20)
    s.send(300, cmd.RecordOutage, since=225)  # away 75 s in a huddle: it ends at 310
    s.walk(320, 1, "ann", P)
    s.send(400, cmd.RecordOutage, since=400)  # no time away
    s.send(410, cmd.StartExecution)
    s.send(500, cmd.RecordOutage, since=420)
    s.send(510, cmd.EndSession, reason="abandoned")
    return s


def test_no_measure_counts_the_server_away():
    log = server_away_running_paused_and_in_a_huddle().log
    result = session_metrics(log)
    learning = result["teams"][TEAM]["learning"]
    # 20 .. 326: 306 s, less 60 away, 90 paused (120 .. 210, away inside) and 95 in the
    # huddle (215 .. 310: 20 of huddle, 75 away)
    assert learning["duration_s"] == 61
    assert learning["huddles"] == {"count": 1, "seconds": 20}
    assert [f["minute"] for f in learning["failure_minutes"]] == [0, 0]
    assert learning["time_to_first_beep_s"] == 20  # from learning's start, at 10
    assert result["teams"][TEAM]["execution"]["duration_s"] == 20  # 410 .. 510, less 80 away
    assert result["teams"][TEAM]["stopped"] == [
        [40, 100],  # away
        [120, 210],  # paused, and away inside the pause
        [215, 310],  # a huddle, and away inside it
        [420, 500],  # away
    ]
    assert result["session"]["ended_by"] == "abandoned"
    assert result["session"]["outages"] == [
        {"since": 40, "until": 100, "seconds": 60},
        {"since": 150, "until": 200, "seconds": 50},
        {"since": 225, "until": 300, "seconds": 75},
        {"since": 400, "until": 400, "seconds": 0},
        {"since": 420, "until": 500, "seconds": 80},
    ]


@pytest.mark.parametrize(
    "make",
    [
        scripted,
        all_crossed_ended_in_a_pause,
        session_ended_while_paused,
        server_away_running_paused_and_in_a_huddle,
    ],
)
def test_durations_equal_the_state_clocks_at_every_point_of_the_log(make):
    log = make().log
    for end in range(1, len(log) + 1):
        prefix = log[:end]
        team = fold(prefix).teams[TEAM]
        for now in (prefix[-1].ts, prefix[-1].ts + 7.25):
            metrics = team_metrics(prefix, TEAM, now=now)
            assert metrics["learning"]["duration_s"] == team.learning.elapsed(
                now, team.paused_since
            )
            assert metrics["execution"]["duration_s"] == team.execution.elapsed(
                now, team.paused_since
            )
            assert metrics["phase"] == team.phase


def test_a_pause_open_when_learning_ends_is_not_counted():
    metrics = team_metrics(all_crossed_ended_in_a_pause().log, TEAM, now=90)
    assert metrics["learning"]["duration_s"] == 10.0  # 20 .. 45, less 15 paused
    assert metrics["learning"]["how_it_ended"] == "all_crossed"
    assert metrics["execution"]["duration_s"] == 10.0  # in a huddle since 80
    assert metrics["execution"]["huddles"] == {"count": 1, "seconds": 10.0}


# --- output --------------------------------------------------------------------------------


def test_results_are_plain_json(game):
    for log, now in ((game.log, None), (prefix_until(game.log, 100), 110.5)):
        result = session_metrics(log, now=now)
        assert json.loads(json.dumps(result)) == result  # tuples would come back as lists


def test_a_log_must_start_with_the_session():
    with pytest.raises(ValueError):
        team_metrics([], TEAM)
    with pytest.raises(KeyError):
        team_metrics(scripted().log, "nobody")


def test_each_failure_is_placed_in_the_minute_the_bars_count_it(game, metrics):
    learning = metrics["learning"]
    beeps = [e for e in game.log if isinstance(e, ev.Beeped) and e.kind in ("new", "repeat")]
    assert [f["seq"] for f in learning["failure_minutes"]] == [e.seq for e in beeps]
    for bucket in learning["per_minute"]:
        placed = [f for f in learning["failure_minutes"] if f["minute"] == bucket["minute"]]
        assert len(placed) == bucket["new"] + bucket["repeat"]
    assert [f["minute"] for f in learning["failure_minutes"]] == [0, 0, 0, 0, 1]  # 10 .. 90 s


def test_a_last_partial_minute_gives_its_rate_over_the_seconds_it_covered():
    """Worked by hand: 150 active seconds of learning are minutes of 60, 60 and 30 s; the 3
    failures of the last 30 s are 3 / 0.5 = 6 a minute (1 new: 2, 2 repeat: 4), and that
    minute is marked partial. A pause does not count towards the seconds covered."""
    s = Session(idle_timeout_s=None)
    s.join("ann")
    s.send(10, cmd.StartLearning)
    s.step(20, "ann", P[0])  # 0: the learning clock starts
    s.send(30, cmd.Pause)  # 10
    s.send(50, cmd.Resume)  # 20 s paused
    s.step(165, "ann", OFF_PATH_ENTRY)  # 125: new
    s.step(170, "ann", OFF_PATH_ENTRY)  # 130: repeat
    s.step(180, "ann", OFF_PATH_ENTRY)  # 140: repeat
    learning = team_metrics(s.log, TEAM, now=190)["learning"]  # 150
    assert learning["duration_s"] == 150.0
    assert learning["per_minute"] == [
        {"minute": 0, "new": 0, "repeat": 0, "covered_s": 60.0, "partial": False,
         "new_per_min": 0.0, "repeat_per_min": 0.0},
        {"minute": 1, "new": 0, "repeat": 0, "covered_s": 60.0, "partial": False,
         "new_per_min": 0.0, "repeat_per_min": 0.0},
        {"minute": 2, "new": 1, "repeat": 2, "covered_s": 30.0, "partial": True,
         "new_per_min": 2.0, "repeat_per_min": 4.0},
    ]  # fmt: skip
    last = learning["per_minute"][-1]
    assert last["new_per_min"] + last["repeat_per_min"] == 6.0
    # At 200 (160 s) the same minute covers 40 s: 3 / (40 / 60) = 4.5 a minute.
    later = team_metrics(s.log, TEAM, now=200)["learning"]["per_minute"][-1]
    assert (later["covered_s"], later["new_per_min"] + later["repeat_per_min"]) == (40.0, 4.5)
    # At 220 (180 s) the minute is whole: its rate is its count, and it is not partial.
    whole = team_metrics(s.log, TEAM, now=220)["learning"]["per_minute"][-1]
    assert (whole["covered_s"], whole["partial"], whole["repeat_per_min"]) == (60.0, False, 2.0)


def test_the_session_timeline_puts_learning_review_and_execution_on_one_clock(game):
    """Learning 0..135 s; the review from 205 to 220 by the wall clock (15 s); execution from
    150 s on that clock for its 36 s, its error at 232 (12 s into it) at 162 s."""
    timeline = team_metrics(game.log, TEAM)["timeline"]
    learning = team_metrics(game.log, TEAM)["learning"]
    execution = team_metrics(game.log, TEAM)["execution"]
    assert timeline["learning"] == {"from_s": 0.0, "to_s": learning["duration_s"]}
    review = timeline["review"]
    assert review["from_s"] == learning["duration_s"]
    start = timeline["execution"]["from_s"]
    assert start == review["to_s"]
    assert timeline["execution"]["to_s"] == start + execution["duration_s"]
    assert (review["to_s"], timeline["execution"]["to_s"]) == (150.0, 186.0)
    assert [e["t"] for e in timeline["errors"]] == [162.0]
    assert timeline["execution_minutes"] == [
        {"from_s": 150.0, "minute": 0, "errors": 1, "covered_s": 36.0, "partial": True,
         "errors_per_min": 60 / 36}
    ]  # fmt: skip
    assert [m["from_s"] for m in timeline["execution_minutes"]] == [
        start + 60 * m["minute"] for m in execution["per_minute"]
    ]
    assert sum(m["errors"] for m in timeline["execution_minutes"]) == execution["errors"] == 1
