"""What each audience sees: players and the big screen never learn the hidden path."""

from __future__ import annotations

import json
from typing import Any

from game import commands as cmd
from game import events as ev
from game.events import to_record
from game.projections import facilitator_view, participant_view, public_event, screen_view
from game.rules import Rejected, decide
from tests.game.helpers import OFF_PATH, TEAM, WRONG_ENTRY, Game, P

SECRET_TEAM_KEYS = {"path", "revealed", "progress", "failures_by_kind", "beeped", "banned"}
SECRET_WALKER_KEYS = {"position", "pending_beep"}


def squares_in(value: Any) -> set[tuple[int, int]]:
    """Every [row, col] pair anywhere in a view."""
    if isinstance(value, list | tuple):
        if len(value) == 2 and all(type(n) is int for n in value):
            return {(value[0], value[1])}
        return {square for item in value for square in squares_in(item)}
    if isinstance(value, dict):
        return {
            square
            for key, item in value.items()
            if key != "moves"  # the squares around the walker, path or not: board geometry
            for square in squares_in(item)
        }
    return set()


def a_game_under_way(**options: Any) -> Game:
    """Ann reached P2 and beeped off the path; bob repeated the beep; cy is on P1."""
    game = Game.learning(**options)
    game.walk("ann", P[0], P[1], P[2], (2, 3))
    game.walk("bob", P[0], OFF_PATH)
    game.walk("cy", P[0], OFF_PATH)
    game.walk("ann", P[0], P[1])
    return game


def public_views(game: Game) -> list[dict[str, Any]]:
    views = [participant_view(game.state, TEAM, player) for player in game.team.order]
    return [*views, screen_view(game.state, TEAM)]


# --- participants and the big screen ---------------------------------------------------


def test_public_views_never_show_a_path_square_nobody_has_stepped_on():
    game = a_game_under_way()
    unseen = set(P[3:])
    for view in public_views(game):
        assert squares_in(view) & unseen == set()
    # the facilitator's view does show them, so the check above can fail
    assert squares_in(facilitator_view(game.state)) >= unseen


def test_public_views_hide_the_path_progress_and_the_new_repeat_split():
    game = a_game_under_way()
    for view in public_views(game):
        team = view["team"]
        assert SECRET_TEAM_KEYS.isdisjoint(team)
        assert team["failures"] == 3  # new and repeat together
        assert team["last_beep"]["kind"] == "learning"  # not "repeat"
        for walker in team["walkers"]:
            assert SECRET_WALKER_KEYS.isdisjoint(walker)
        text = json.dumps(view)
        assert '"new"' not in text
        assert '"repeat"' not in text


def test_public_views_show_the_board_as_it_stands_on_the_mat():
    game = a_game_under_way()
    team = screen_view(game.state, TEAM)["team"]
    assert team["phase"] == "learning"
    assert team["board"] == {"cols": 4, "rows": 6, "diagonal": True}
    assert [p["id"] for p in team["players"]] == ["ann", "bob", "cy"]
    assert team["walkers"] == [
        {"player": "ann", "trail": [[0, 1], [1, 1]], "retracing": False, "deadline": 60}
    ]
    assert team["last_beep"] == {"player": "cy", "square": [1, 0], "ts": 0, "kind": "learning"}
    assert team["memory"] is None
    assert team["path_found"] is False


def test_a_delayed_beep_is_not_shown_before_it_fires():
    game = Game.learning(beep_delay_s=5)
    game.walk("ann", P[0], OFF_PATH)
    for view in public_views(game):
        team = view["team"]
        assert team["failures"] == 0
        assert team["last_beep"] is None
        (walker,) = team["walkers"]
        assert walker["trail"] == [[0, 1], [1, 0]]  # where ann stands, as on the mat
        assert SECRET_WALKER_KEYS.isdisjoint(walker)
    (walker,) = facilitator_view(game.state)["teams"][0]["walkers"]
    assert walker["pending_beep"] == {"square": [1, 0], "due": 5}
    game.wait(5)
    assert screen_view(game.state, TEAM)["team"]["failures"] == 1


def test_retrace_and_execution_beeps_keep_their_kind_in_public():
    game = Game.learning(retrace="manual")
    game.walk("ann", P[0], OFF_PATH)
    game.retrace("ann", (0, 0))  # a retrace error
    team = screen_view(game.state, TEAM)["team"]
    assert team["last_beep"]["kind"] == "retrace"
    assert (team["failures"], team["retrace_errors"]) == (1, 1)
    execution = Game.executing()
    execution.step("ann", WRONG_ENTRY)
    team = screen_view(execution.state, TEAM)["team"]
    assert team["last_beep"]["kind"] == "execution"
    assert (team["failures"], team["execution_errors"]) == (0, 1)


def test_the_participant_view_says_who_you_are_and_when_you_go():
    game = Game.learning()
    ann, bob, cy = (participant_view(game.state, TEAM, p)["you"] for p in ("ann", "bob", "cy"))
    assert ann == {
        "id": "ann",
        "name": "Ann",
        "your_turn": True,
        "retracing": False,
        "moves": [[0, 0], [0, 1], [0, 2], [0, 3]],  # any square of the entry row
        "turns_until_yours": 0,
    }
    assert (bob["your_turn"], bob["turns_until_yours"]) == (False, 1)
    assert (cy["your_turn"], cy["turns_until_yours"]) == (False, 2)
    game.step("ann", WRONG_ENTRY)
    assert participant_view(game.state, TEAM, "ann")["you"]["turns_until_yours"] == 2
    assert participant_view(game.state, TEAM, "bob")["you"]["your_turn"] is True


def test_turns_until_yours_counts_alike_in_learning_and_execution():
    learning = Game.learning()
    execution = Game.executing()
    for player in ("bob", "cy"):
        assert (
            participant_view(learning.state, TEAM, player)["you"]["turns_until_yours"]
            == participant_view(execution.state, TEAM, player)["you"]["turns_until_yours"]
        )


def test_turns_until_yours_skips_players_who_have_crossed():
    game = Game.learning(learning_ends="all_crossed")
    game.cross("ann")
    assert participant_view(game.state, TEAM, "ann")["you"]["turns_until_yours"] is None
    assert participant_view(game.state, TEAM, "cy")["you"]["turns_until_yours"] == 1
    assert participant_view(game.state, TEAM, "bob")["you"]["turns_until_yours"] == 0


def test_the_next_walker_follows_the_rotation_and_the_queue():
    learning = Game.learning(learning_ends="all_crossed")
    assert screen_view(learning.state, TEAM)["team"]["next_walker"] == "bob"
    learning.cross("ann")  # bob walks; ann, who crossed, is passed over
    assert screen_view(learning.state, TEAM)["team"]["next_walker"] == "cy"
    execution = Game.executing()
    assert screen_view(execution.state, TEAM)["team"]["next_walker"] == "bob"
    for game in (Game(), Game.reviewing()):
        assert screen_view(game.state, TEAM)["team"]["next_walker"] is None


def test_turns_until_yours_is_unknown_outside_the_walking_phases():
    for game in (Game(), Game.reviewing()):
        assert participant_view(game.state, TEAM, "bob")["you"]["turns_until_yours"] is None


def test_a_retracing_walker_is_told_so():
    game = Game.learning(retrace="manual")
    game.walk("ann", P[0], P[1], OFF_PATH)
    you = participant_view(game.state, TEAM, "ann")["you"]
    assert (you["your_turn"], you["retracing"]) == (True, True)
    assert screen_view(game.state, TEAM)["team"]["walkers"][0]["retracing"] is True


def test_a_removed_player_has_no_seat_and_a_banned_one_is_told():
    game = Game()
    game.send(cmd.Kick, player="bob")
    game.send(cmd.Ban, player="cy")
    kicked = participant_view(game.state, TEAM, "bob")
    banned = participant_view(game.state, TEAM, "cy")
    assert (kicked["you"], kicked["banned"]) == (None, False)
    assert (banned["you"], banned["banned"]) == (None, True)
    assert participant_view(game.state, TEAM, "ann")["banned"] is False
    assert [p["id"] for p in kicked["team"]["players"]] == ["ann"]


def test_views_name_their_audience_and_carry_the_public_rules():
    game = Game.learning(beep_delay_s=2, retrace="manual")
    participant = participant_view(game.state, TEAM, "ann")
    screen = screen_view(game.state, TEAM)
    assert (participant["audience"], screen["audience"]) == ("participant", "screen")
    assert participant["seq"] == screen["seq"] == game.state.seq
    assert participant["team"] == screen["team"]
    assert participant["session"]["rules"]["beep_delay_s"] == 2
    assert participant["session"]["rules"] == game.settings.to_dict()
    json.dumps(participant)
    json.dumps(screen)


# --- memory aids -----------------------------------------------------------------------


def test_memory_aids_show_proven_safe_and_beeped_squares():
    game = a_game_under_way(memory_aids=True)
    memory = screen_view(game.state, TEAM)["team"]["memory"]
    assert memory == {"safe": [[0, 1], [1, 1], [1, 2]], "beeped": [[1, 0], [2, 3]]}


def test_a_beeped_path_square_moves_to_safe_once_proven():
    game = Game.learning(memory_aids=True)
    game.walk("ann", P[0], P[1], P[3])  # P3 out of order
    memory = screen_view(game.state, TEAM)["team"]["memory"]
    assert memory == {"safe": [[0, 1], [1, 1]], "beeped": [[2, 2]]}
    game.walk("bob", P[0], P[1], P[2], P[3])
    memory = screen_view(game.state, TEAM)["team"]["memory"]
    assert memory == {"safe": [[0, 1], [1, 1], [1, 2], [2, 2]], "beeped": []}


def test_memory_aids_never_show_more_than_was_stepped_on():
    game = a_game_under_way(memory_aids=True)
    assert squares_in(screen_view(game.state, TEAM)) & set(P[3:]) == set()


def test_memory_aids_do_not_tell_a_safe_step_from_a_delayed_wrong_one():
    safe_step = Game.learning(memory_aids=True, beep_delay_s=5)
    wrong_step = Game.learning(memory_aids=True, beep_delay_s=5)
    safe_step.walk("ann", P[0], P[1])
    wrong_step.walk("ann", P[0], OFF_PATH)
    safe_memory = screen_view(safe_step.state, TEAM)["team"]["memory"]
    wrong_memory = screen_view(wrong_step.state, TEAM)["team"]["memory"]
    # Both walkers stand where no beep has sounded yet: the views must be the same.
    assert safe_memory == wrong_memory
    wrong_step.wait(5)  # the beep says that every step before the wrong one was safe
    assert screen_view(wrong_step.state, TEAM)["team"]["memory"] == {
        "safe": [[0, 1]],
        "beeped": [[1, 0]],
    }


# --- the facilitator -------------------------------------------------------------------


def test_the_facilitator_sees_everything():
    game = a_game_under_way()
    view = facilitator_view(game.state)
    assert view["audience"] == "facilitator"
    assert view["clock"] == game.state.clock
    (team,) = view["teams"]
    assert team["path"] == [list(square) for square in P]
    assert team["revealed"] == 2
    assert team["progress"] == 3 / len(P)
    assert team["failures_by_kind"] == {"new": 2, "repeat": 1, "retrace": 0, "execution": 0}
    assert team["failures"] == 3
    assert team["beeped"] == [[1, 0], [2, 3]]
    assert team["last_beep"]["kind"] == "repeat"
    (walker,) = team["walkers"]
    assert (walker["player"], walker["position"], walker["pending_beep"]) == ("ann", 1, None)
    assert view["session"]["rules"] == game.settings.to_dict()
    json.dumps(view)


def test_the_facilitator_sees_banned_seats_and_huddle_time_used():
    game = Game.learning()
    game.send(cmd.Ban, player="cy")
    game.send(cmd.StartHuddle, seconds=20)
    game.wait(20)
    (team,) = facilitator_view(game.state)["teams"]
    assert team["banned"] == ["cy"]
    assert team["huddle_used_s"] == 20
    assert team["huddle_left_s"] == 160


def test_the_facilitator_sees_every_team():
    game = Game(teams=(TEAM, "blue"))
    assert [team["id"] for team in facilitator_view(game.state)["teams"]] == [TEAM, "blue"]


# --- public events ---------------------------------------------------------------------


def test_the_session_created_event_holds_the_path_and_is_not_public():
    game = Game()
    assert public_event(game.log[0]) is None


def test_public_events_drop_the_secret_fields():
    game = Game.learning(beep_delay_s=1)
    game.walk("ann", P[0], OFF_PATH)
    game.wait(1)
    stepped = public_event(game.log[-3])
    beeped = public_event(game.log[-2])
    assert stepped is not None and stepped["type"] == "stepped"
    assert "safe" not in stepped
    assert beeped is not None and beeped["type"] == "beeped"
    assert {"kind", "on_path", "came_from", "v"}.isdisjoint(beeped)
    assert beeped["square"] == [1, 0]
    assert beeped["retrace"] == [[0, 1]]


def test_other_events_are_public_as_recorded():
    game = Game.learning()
    for event in game.log[1:]:
        record = to_record(event)
        del record["v"]
        assert public_event(event) == record


def test_a_safe_and_a_delayed_wrong_step_look_the_same_in_public():
    game = Game.learning(beep_delay_s=3)
    safe = game.step("ann", P[0])[0]
    wrong = game.step("ann", OFF_PATH)[0]
    assert isinstance(safe, ev.Stepped) and isinstance(wrong, ev.Stepped)
    assert safe.safe != wrong.safe
    public_safe, public_wrong = public_event(safe), public_event(wrong)
    assert public_safe is not None and public_wrong is not None
    assert public_safe.keys() == public_wrong.keys()
    assert {k: v for k, v in public_safe.items() if k not in ("seq", "square")} == {
        k: v for k, v in public_wrong.items() if k not in ("seq", "square")
    }


def test_the_squares_to_tap_are_exactly_the_moves_the_rules_accept():
    game = a_game_under_way()
    walker = next(iter(game.state.teams[TEAM].walks))
    moves = {tuple(sq) for sq in participant_view(game.state, TEAM, walker)["you"]["moves"]}
    assert moves
    board = game.state.teams[TEAM].maze
    for row in range(board.rows):
        for col in range(board.cols):
            try:
                step = cmd.Step(at=game.state.clock, team=TEAM, player=walker, square=(row, col))
                decide(game.state, step)
                accepted = True
            except Rejected:
                accepted = False
            assert accepted == ((row, col) in moves), (row, col)
    others = [p for p in game.state.teams[TEAM].players if p != walker]
    assert all(participant_view(game.state, TEAM, p)["you"]["moves"] == [] for p in others)


def allowed(game: Game) -> set[str]:
    return set(facilitator_view(game.state)["teams"][0]["allowed"])


def test_the_facilitator_view_offers_exactly_the_commands_the_rules_accept():
    lobby = Game.in_phase("lobby")
    assert {"start_planning", "start_learning", "predict", "reorder", "shuffle"} <= allowed(lobby)
    assert {"pause", "start_execution", "end_phase", "skip_turn"}.isdisjoint(allowed(lobby))
    learning = Game.learning()
    assert {"pause", "huddle", "penalty", "skip_turn", "end_phase", "predict"} <= allowed(learning)
    assert {"resume", "reorder", "start_learning", "start_execution"}.isdisjoint(allowed(learning))
    learning.do(cmd.Pause(at=learning.state.clock, team=TEAM))
    assert "resume" in allowed(learning)
    assert {"pause", "huddle"}.isdisjoint(allowed(learning))
    review = Game.in_phase("review")
    assert {"start_execution", "penalty", "predict"} <= allowed(review)
    assert {"skip_turn", "pause", "end_phase"}.isdisjoint(allowed(review))


def test_the_execution_board_starts_clean_of_learnings_last_beep():
    game = Game.learning()
    game.walk("ann", P[0], OFF_PATH)
    walker = game.walker
    game.cross(walker)
    assert screen_view(game.state, TEAM)["team"]["last_beep"] is not None  # shown in review
    game.send(cmd.StartExecution)
    for view in (screen_view(game.state, TEAM), participant_view(game.state, TEAM, "ann")):
        assert view["team"]["last_beep"] is None


def test_the_facilitator_view_parts_learning_beeps_from_execution_errors():
    game = Game.learning()
    game.walk(game.walker, P[0], OFF_PATH)  # a learning beep
    game.cross(game.walker)
    game.send(cmd.StartExecution)
    game.step(game.walker, WRONG_ENTRY)  # an execution error
    (team,) = facilitator_view(game.state)["teams"]
    assert team["beeped_in"] == {"learning": [list(OFF_PATH)], "execution": [list(WRONG_ENTRY)]}
    assert team["beeped"] == sorted([list(OFF_PATH), list(WRONG_ENTRY)])


def test_the_server_away_is_heard_by_everyone_and_listed_for_the_facilitator():
    game = Game.learning()
    game.now = 100
    (away,) = game.send(cmd.RecordOutage, since=58)
    assert public_event(away) == {"seq": away.seq, "ts": 100, "type": "server_away", "since": 58}
    outages = facilitator_view(game.state)["session"]["outages"]
    assert outages == [{"since": 58, "until": 100, "seconds": 42}]
    assert "outages" not in screen_view(game.state, TEAM)["session"]  # the facilitator's


def test_the_facilitator_view_says_who_ended_the_session():
    game = Game()
    assert facilitator_view(game.state)["session"]["ended_by"] is None
    game.send(cmd.EndSession, reason="abandoned")
    assert facilitator_view(game.state)["session"]["ended_by"] == "abandoned"
