"""The board: adjacency, the checks on a drawn path, and the path generator."""

from __future__ import annotations

import functools
import statistics
from itertools import pairwise

import pytest

from game.board import (
    DIFFICULTIES,
    Difficulty,
    Maze,
    MazeError,
    Square,
    generate_path,
    is_adjacent,
    label,
    neighbours,
    path_shape,
    validate_path,
)

# --- adjacency -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "with_diagonals", "without"),
    [
        ((2, 2), (2, 3), True, True),  # side by side
        ((2, 2), (1, 2), True, True),  # one row up
        ((2, 2), (3, 3), True, False),  # diagonal
        ((2, 2), (1, 1), True, False),
        ((2, 2), (2, 2), False, False),  # the same square is not a step
        ((2, 2), (2, 4), False, False),  # a skip
        ((2, 2), (4, 3), False, False),  # a knight's move
    ],
)
def test_adjacency_with_and_without_diagonals(a, b, with_diagonals, without):
    assert is_adjacent(a, b, diagonal=True) is with_diagonals
    assert is_adjacent(a, b, diagonal=False) is without
    assert is_adjacent(b, a, diagonal=True) is with_diagonals


def test_neighbours_stay_on_the_board():
    assert sorted(neighbours((0, 0), 4, 6, diagonal=True)) == [(0, 1), (1, 0), (1, 1)]
    assert sorted(neighbours((0, 0), 4, 6, diagonal=False)) == [(0, 1), (1, 0)]
    assert len(neighbours((2, 2), 4, 6, diagonal=True)) == 8
    assert len(neighbours((2, 2), 4, 6, diagonal=False)) == 4
    assert sorted(neighbours((5, 3), 4, 6, diagonal=False)) == [(4, 3), (5, 2)]


def test_labels_count_from_one():
    assert label((0, 2)) == "row 1, column 3"


# --- validating a drawn path -----------------------------------------------------------

GOOD: tuple[Square, ...] = ((0, 1), (1, 1), (1, 2), (2, 2), (3, 3), (3, 2), (4, 1), (5, 1))


def refusal(path: list[Square], *, cols: int = 4, rows: int = 6, diagonal: bool = True):
    with pytest.raises(MazeError) as caught:
        validate_path(path, cols=cols, rows=rows, diagonal=diagonal)
    return caught.value


def test_a_good_path_passes_with_sideways_and_backward_moves():
    validate_path(GOOD, cols=4, rows=6, diagonal=True)
    assert path_shape(GOOD) == {"forward": 5, "sideways": 2, "backward": 0}
    validate_path([(0, 0), (1, 0), (1, 1), (2, 1)], cols=3, rows=3, diagonal=False)


def test_a_path_may_run_backwards_towards_the_entry():
    path = [(0, 0), (1, 0), (2, 1), (1, 2), (2, 3), (3, 3)]
    validate_path(path, cols=4, rows=4, diagonal=True)
    assert path_shape(path)["backward"] == 1


def test_an_empty_path_is_refused():
    error = refusal([])
    assert "empty" in str(error)
    assert error.square is None


@pytest.mark.parametrize(
    ("path", "number", "why"),
    [
        ([(0, 4), (1, 3), (2, 3), (3, 3), (4, 3), (5, 3)], 1, "is off the 4x6 board"),
        ([(0, 3), (1, 4), (2, 3)], 2, "is off the 4x6 board"),
        ([(0, 0), (-1, 0)], 2, "is off the 4x6 board"),
        ([(1, 1), (2, 1), (3, 1), (4, 1), (5, 1)], 1, "must be in the first row"),
        ([(0, 1), (1, 1), (0, 2), (1, 3), (2, 3)], 3, "returns to the entry row"),
        ([(0, 1), (1, 1), (1, 2), (1, 1), (2, 1)], 4, "is already on the path"),
        ([(0, 1), (1, 1), (3, 1), (4, 1), (5, 1)], 3, "is not next to row 2, column 2"),
        ([(0, 1), (1, 1), (2, 2), (1, 2), (2, 1), (3, 1)], 5, "makes the path cross itself"),
        ([(0, 1), (1, 1), (2, 1), (3, 1), (4, 1), (5, 1), (5, 2)], 6, "reaches the last row"),
    ],
)
def test_each_way_a_path_can_be_wrong_names_the_square_and_why(path, number, why):
    wrong = path[number - 1]
    error = refusal(path)
    assert error.square == wrong
    assert str(error).startswith(f"square {number} ({label(wrong)}) {why}")


def test_a_path_that_stops_short_of_the_far_edge_names_its_last_square():
    error = refusal([(0, 1), (1, 1), (2, 1), (3, 1)])
    assert error.square == (3, 1)
    assert str(error) == "the path ends at row 4, column 2, short of the far edge (row 6)"


def test_a_diagonal_step_is_a_gap_when_diagonals_are_off():
    path = [(0, 1), (1, 1), (2, 2), (3, 2)]
    validate_path(path, cols=4, rows=4, diagonal=True)
    error = refusal(path, rows=4, diagonal=False)
    assert error.square == (2, 2)
    assert "side by side with no gap" in str(error)
    assert "diagonal" not in str(error)


def test_touching_without_crossing_is_allowed_in_a_drawn_path():
    # P1 and P3 touch diagonally, and so do P0 and P2; nothing forms an X.
    validate_path(GOOD, cols=4, rows=6, diagonal=True)
    # Two diagonal moves side by side, parallel: no X.
    validate_path([(0, 0), (1, 1), (1, 0), (2, 1)], cols=3, rows=3, diagonal=True)


def test_only_the_first_wrong_square_is_reported():
    # Square 3 leaves a gap; square 5 repeats square 4 and square 6 is off the board.
    path = [(0, 1), (1, 1), (3, 1), (4, 1), (4, 1), (9, 9)]
    assert refusal(path).square == (3, 1)


def test_the_maze_validates_its_path_and_size():
    maze = Maze(cols=4, rows=6, path=GOOD)
    assert maze.index_of((2, 2)) == 3
    assert maze.index_of((0, 0)) is None
    assert maze.on_board((5, 3))
    assert not maze.on_board((6, 0))
    assert not maze.on_board((0, -1))
    with pytest.raises(MazeError, match="cross itself"):
        Maze(cols=4, rows=6, path=((0, 1), (1, 1), (2, 2), (1, 2), (2, 1), (3, 1), (4, 1), (5, 1)))
    with pytest.raises(MazeError, match="cols must be between 3 and 12"):
        Maze(cols=2, rows=6, path=GOOD)
    with pytest.raises(MazeError, match="rows must be between 3 and 16"):
        Maze(cols=4, rows=17, path=GOOD)


def test_the_maze_refuses_diagonal_steps_when_diagonals_are_off():
    with pytest.raises(MazeError):
        Maze(cols=4, rows=6, path=GOOD, diagonal=False)


# --- the generator ---------------------------------------------------------------------

SEEDS = range(30)


def test_the_same_seed_and_arguments_give_the_same_path():
    for difficulty in DIFFICULTIES:
        assert generate_path(7, 6, 9, difficulty) == generate_path(7, 6, 9, difficulty)
    assert generate_path(7, 6, 9, "medium", diagonal=False) == generate_path(
        7, 6, 9, "medium", diagonal=False
    )


def test_different_seeds_give_different_paths():
    paths = {generate_path(seed, 6, 9, "medium") for seed in SEEDS}
    assert len(paths) > len(SEEDS) // 2


@pytest.mark.parametrize(("cols", "rows"), [(6, 9), (3, 3), (12, 3), (3, 12), (12, 16), (5, 7)])
@pytest.mark.parametrize("diagonal", [True, False])
@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_generated_paths_are_valid_and_never_touch_themselves(cols, rows, diagonal, difficulty):
    for seed in range(3):
        path = generate_path(seed, cols, rows, difficulty, diagonal=diagonal)
        Maze(cols=cols, rows=rows, path=path, diagonal=diagonal)  # validates
        for i, a in enumerate(path):
            for b in path[i + 2 :]:
                assert not is_adjacent(a, b, diagonal=False), (seed, path, a, b)
        if not diagonal:
            assert all(is_adjacent(a, b, diagonal=False) for a, b in pairwise(path))


@functools.cache
def paths(difficulty: Difficulty) -> list[tuple[Square, ...]]:
    return [generate_path(seed, 6, 9, difficulty) for seed in SEEDS]


def shapes(difficulty: Difficulty) -> list[dict[str, int]]:
    return [path_shape(path) for path in paths(difficulty)]


def mean(difficulty: Difficulty, move: str) -> float:
    return statistics.mean(shape[move] for shape in shapes(difficulty))


def test_harder_paths_are_longer():
    lengths = {
        difficulty: statistics.mean(len(path) for path in paths(difficulty))
        for difficulty in DIFFICULTIES
    }
    assert 9 <= lengths["easy"] < lengths["medium"] < lengths["hard"]
    # easy is only a little longer than the straight crossing
    assert lengths["easy"] < 9 * 1.4


def test_easy_paths_never_go_backwards_and_harder_ones_do_more():
    assert all(shape["backward"] == 0 for shape in shapes("easy"))
    assert any(shape["backward"] > 0 for shape in shapes("medium"))
    assert mean("medium", "backward") < mean("hard", "backward")


def test_harder_paths_run_more_sideways():
    assert mean("easy", "sideways") < mean("medium", "sideways") < mean("hard", "sideways")


def test_every_path_goes_from_the_first_row_to_the_last():
    for path in paths("hard"):
        assert path[0][0] == 0
        assert path[-1][0] == 8
        assert all(0 < square[0] < 8 for square in path[1:-1])


def test_the_generator_refuses_bad_arguments():
    with pytest.raises(MazeError, match="difficulty must be one of easy, medium, hard"):
        generate_path(1, 6, 9, "brutal")  # type: ignore[arg-type]
    with pytest.raises(MazeError, match="cols"):
        generate_path(1, 13, 9)
    with pytest.raises(MazeError, match="rows"):
        generate_path(1, 6, 2)
