"""Rule options and maze requests: the reference defaults, and refusals by name."""

from __future__ import annotations

import math
from itertools import pairwise

import pytest

from game.board import DEFAULT_COLS, DEFAULT_ROWS, generate_path, is_adjacent
from game.settings import (
    DISCONNECTED_GRACE_S,
    MAX_SEED,
    SETTING_HELP,
    Settings,
    SettingsError,
    parse_maze,
    parse_mazes,
    parse_settings,
)

# --- defaults --------------------------------------------------------------------------


def test_defaults_are_the_ones_the_rules_give():
    settings = Settings()
    assert settings.retrace == "auto"
    assert settings.beep_delay_s == 0
    assert settings.idle_timeout_s == 60
    assert settings.planning_s == 5 * 60
    assert settings.huddle_budget_s == 3 * 60
    assert settings.penalties == {"talking": 30, "pointing": 15, "touching": 60}
    assert settings.learning_ends == "first_crossing"
    assert settings.max_walkers == 1
    assert settings.execution_error_s == 60
    assert settings.memory_aids is False
    assert DISCONNECTED_GRACE_S == 60


def test_no_input_means_the_defaults():
    assert parse_settings(None) == Settings()
    assert parse_settings({}) == Settings()


def test_every_option_has_help():
    assert set(SETTING_HELP) == set(Settings().to_dict())


def test_each_settings_object_has_its_own_penalties():
    first, second = Settings(), Settings()
    first.penalties["talking"] = 1
    assert second.penalties["talking"] == 30


def test_default_maze_is_the_publishers_mat_with_diagonals():
    maze = parse_maze(None)
    assert (maze.cols, maze.rows) == (DEFAULT_COLS, DEFAULT_ROWS) == (6, 9)
    assert maze.diagonal is True
    assert maze.path == generate_path(0, 6, 9, "medium")
    assert parse_maze({}) == maze


# --- good values -----------------------------------------------------------------------


def test_every_option_can_be_set():
    raw = {
        "retrace": "manual",
        "beep_delay_s": 2.5,
        "idle_timeout_s": 30,
        "planning_s": 0,
        "huddle_budget_s": 0,
        "penalties": {"talking": 10, "props_used": 600, "nod": 0},
        "learning_ends": "all_crossed",
        "max_walkers": 3,
        "execution_error_s": 0,
        "memory_aids": True,
    }
    assert parse_settings(raw).to_dict() == raw


@pytest.mark.parametrize("off", [None, 0])
def test_the_idle_timeout_can_be_off(off):
    assert parse_settings({"idle_timeout_s": off}).idle_timeout_s is None


def test_whole_numbers_written_as_floats_are_accepted_as_ints():
    settings = parse_settings({"planning_s": 60.0, "max_walkers": 2.0, "idle_timeout_s": 10.0})
    assert settings.planning_s == 60
    assert type(settings.planning_s) is int
    assert type(settings.max_walkers) is int
    assert type(settings.idle_timeout_s) is int


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("beep_delay_s", 10),
        ("idle_timeout_s", 10),
        ("idle_timeout_s", 600),
        ("planning_s", 1800),
        ("huddle_budget_s", 900),
        ("max_walkers", 5),
        ("execution_error_s", 600),
    ],
)
def test_the_limits_themselves_are_allowed(name, value):
    assert getattr(parse_settings({name: value}), name) == value


# --- bad values ------------------------------------------------------------------------

BAD_VALUES = [
    ("retrace", "walk"),
    ("retrace", None),
    ("retrace", 1),
    ("beep_delay_s", -1),
    ("beep_delay_s", 10.5),
    ("beep_delay_s", "2"),
    ("beep_delay_s", True),
    ("beep_delay_s", math.nan),
    ("beep_delay_s", math.inf),
    ("idle_timeout_s", 9),
    ("idle_timeout_s", 601),
    ("idle_timeout_s", 30.5),
    ("idle_timeout_s", "60"),
    ("idle_timeout_s", True),
    ("idle_timeout_s", False),
    ("planning_s", -1),
    ("planning_s", 1801),
    ("planning_s", 1.5),
    ("planning_s", None),
    ("huddle_budget_s", -1),
    ("huddle_budget_s", 901),
    ("huddle_budget_s", "180"),
    ("learning_ends", "never"),
    ("learning_ends", ""),
    ("max_walkers", 0),
    ("max_walkers", 6),
    ("max_walkers", 2.5),
    ("execution_error_s", -1),
    ("execution_error_s", 601),
    ("execution_error_s", [60]),
    ("memory_aids", "yes"),
    ("memory_aids", 1),
    ("memory_aids", None),
    ("penalties", {}),
    ("penalties", []),
    ("penalties", "talking"),
    ("penalties", {"Talking": 30}),
    ("penalties", {"1st": 30}),
    ("penalties", {"": 30}),
    ("penalties", {"a" * 25: 30}),
    ("penalties", {"talk ing": 30}),
    ("penalties", {f"kind{i}": 10 for i in range(11)}),
]


@pytest.mark.parametrize(("name", "value"), BAD_VALUES)
def test_a_bad_value_is_refused_naming_the_setting(name, value):
    with pytest.raises(SettingsError) as caught:
        parse_settings({name: value})
    assert caught.value.setting == name
    assert str(caught.value).startswith(f"{name}: ")


def test_every_option_has_a_bad_value_tested():
    assert {name for name, _ in BAD_VALUES} == set(Settings().to_dict())


@pytest.mark.parametrize("seconds", [-1, 601, 1.5, "30", None, True])
def test_bad_penalty_seconds_name_the_kind(seconds):
    with pytest.raises(SettingsError) as caught:
        parse_settings({"penalties": {"talking": 30, "pointing": seconds}})
    assert caught.value.setting == "penalties.pointing"


def test_ten_penalty_kinds_are_allowed():
    kinds = {f"kind{i}": 10 for i in range(10)}
    assert parse_settings({"penalties": kinds}).penalties == kinds


def test_an_unknown_option_is_refused_by_its_name():
    with pytest.raises(SettingsError) as caught:
        parse_settings({"retrace": "auto", "diagonals": True})
    assert caught.value.setting == "diagonals"
    assert "is not a rule option" in caught.value.reason
    assert "beep_delay_s" in caught.value.reason


# --- mazes -----------------------------------------------------------------------------

DRAWN = [[0, 1], [1, 1], [1, 2], [2, 2], [3, 3], [3, 2], [4, 1], [5, 1]]


def test_a_seed_and_difficulty_give_a_generated_path():
    maze = parse_maze({"cols": 5, "rows": 7, "seed": 42, "difficulty": "hard"})
    assert (maze.cols, maze.rows) == (5, 7)
    assert maze.path == generate_path(42, 5, 7, "hard")
    assert parse_maze({"cols": 5, "rows": 7, "seed": 42, "difficulty": "hard"}) == maze
    assert parse_maze({"cols": 5, "rows": 7, "seed": 43, "difficulty": "hard"}) != maze


def test_without_diagonals_the_generated_path_moves_side_by_side():
    maze = parse_maze({"seed": 5, "diagonal": False})
    assert maze.diagonal is False
    assert all(is_adjacent(a, b, diagonal=False) for a, b in pairwise(maze.path))


def test_teams_with_mazes_of_their_own_get_the_seeds_that_follow():
    mazes = parse_mazes({"seed": 7.0, "difficulty": "hard"}, 3, same_maze=False)
    assert [m.path for m in mazes] == [
        parse_maze({"seed": s, "difficulty": "hard"}).path for s in (7, 8, 9)
    ]
    assert len({m.path for m in mazes}) == 3
    assert parse_mazes({"seed": 7}, 3, same_maze=True) == [parse_maze({"seed": 7})]


def test_the_seeds_after_the_largest_wrap_round_to_zero():
    mazes = parse_mazes({"seed": MAX_SEED}, 2, same_maze=False)
    assert mazes[1] == parse_maze({"seed": 0})


def test_a_drawn_path_is_one_maze_for_every_team():
    drawn = {"cols": 3, "rows": 3, "path": [[0, 1], [1, 1], [2, 1]]}
    assert parse_mazes(drawn, 4, same_maze=False) == [parse_maze(drawn)]


def test_a_drawn_path_is_used_as_drawn():
    maze = parse_maze({"cols": 4, "rows": 6, "path": DRAWN, "seed": 9})
    assert maze.path == tuple(tuple(square) for square in DRAWN)


def test_a_drawn_path_may_be_given_as_tuples():
    assert parse_maze({"cols": 4, "rows": 6, "path": tuple(map(tuple, DRAWN))}).path[0] == (0, 1)


def test_a_drawn_path_that_breaks_the_rules_names_the_wrong_square():
    with pytest.raises(SettingsError) as caught:
        parse_maze({"cols": 4, "rows": 6, "path": [[0, 1], [1, 1], [3, 1], [4, 1], [5, 1]]})
    assert caught.value.setting == "maze.path"
    assert "square 3 (row 4, column 2) is not next to row 2, column 2" in caught.value.reason


def test_a_drawn_diagonal_path_is_refused_without_diagonals():
    with pytest.raises(SettingsError) as caught:
        parse_maze({"cols": 4, "rows": 6, "path": DRAWN, "diagonal": False})
    assert caught.value.setting == "maze.path"
    assert "square 5 (row 4, column 4) is not next to" in caught.value.reason


def test_a_drawn_path_must_fit_the_board_size_asked_for():
    with pytest.raises(SettingsError) as caught:
        parse_maze({"path": DRAWN})  # the default board has 9 rows, the path stops at row 6
    assert caught.value.setting == "maze.path"
    assert "short of the far edge (row 9)" in caught.value.reason


@pytest.mark.parametrize(
    ("raw", "setting"),
    [
        ({"size": 6}, "maze.size"),
        ({"cols": 2}, "maze.cols"),
        ({"cols": 13}, "maze.cols"),
        ({"cols": "6"}, "maze.cols"),
        ({"rows": 2}, "maze.rows"),
        ({"rows": 17}, "maze.rows"),
        ({"rows": 6.5}, "maze.rows"),
        ({"seed": -1}, "maze.seed"),
        ({"seed": 1.5}, "maze.seed"),
        ({"seed": "abc"}, "maze.seed"),
        ({"seed": 2**53 + 1}, "maze.seed"),
        ({"difficulty": "insane"}, "maze.difficulty"),
        ({"difficulty": None}, "maze.difficulty"),
        ({"diagonal": "no"}, "maze.diagonal"),
        ({"diagonal": 0}, "maze.diagonal"),
        ({"path": "0,1;1,1"}, "maze.path"),
        ({"path": []}, "maze.path"),
        ({"path": [[0, 1, 2]]}, "maze.path"),
        ({"path": [[0, True]]}, "maze.path"),
        ({"path": [[0, 1.0]]}, "maze.path"),
        ({"path": [{"row": 0, "col": 1}]}, "maze.path"),
    ],
)
def test_bad_maze_fields_are_refused_by_name(raw, setting):
    with pytest.raises(SettingsError) as caught:
        parse_maze(raw)
    assert caught.value.setting == setting


def test_a_malformed_square_is_named_by_its_position():
    with pytest.raises(SettingsError, match=r"square 2 must be \[row, col\]"):
        parse_maze({"cols": 4, "rows": 6, "path": [[0, 1], [1]]})


@pytest.mark.parametrize("kind", ["talking\n", "Talking", "1talk", "", "x" * 25, "talk ing"])
def test_a_penalty_kind_must_be_lower_case_letters_digits_and_underscores(kind):
    with pytest.raises(SettingsError) as caught:
        parse_settings({"penalties": {kind: 30}})
    assert caught.value.setting == "penalties"
