"""The board and its hidden path: adjacency, validation of a drawn path, and the generator."""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

Square = tuple[int, int]  # (row, col); row 0 is the entry edge
Difficulty = Literal["easy", "medium", "hard"]
DIFFICULTIES: tuple[Difficulty, ...] = ("easy", "medium", "hard")

MIN_COLS, MAX_COLS = 3, 12
MIN_ROWS, MAX_ROWS = 3, 16
DEFAULT_COLS, DEFAULT_ROWS = 6, 9


class MazeError(ValueError):
    """A board or path that breaks the rules; the message says what and where."""

    def __init__(
        self, message: str, square: Square | None = None, *, unfinished: bool = False
    ) -> None:
        super().__init__(message)
        self.square = square
        self.unfinished = unfinished  # right so far, only short of the far edge


def is_adjacent(a: Square, b: Square, *, diagonal: bool) -> bool:
    dr, dc = abs(a[0] - b[0]), abs(a[1] - b[1])
    if diagonal:
        return max(dr, dc) == 1
    return dr + dc == 1


def neighbours(square: Square, cols: int, rows: int, *, diagonal: bool) -> list[Square]:
    r, c = square
    found = []
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            candidate = (r + dr, c + dc)
            if (
                (dr or dc)
                and 0 <= candidate[0] < rows
                and 0 <= candidate[1] < cols
                and is_adjacent(square, candidate, diagonal=diagonal)
            ):
                found.append(candidate)
    return found


def label(square: Square) -> str:
    """A square as people name it: row and column counted from 1."""
    return f"row {square[0] + 1}, column {square[1] + 1}"


@dataclass(frozen=True)
class Maze:
    cols: int
    rows: int
    path: tuple[Square, ...]
    diagonal: bool = True

    def __post_init__(self) -> None:
        check_board_size(self.cols, self.rows)
        object.__setattr__(self, "path", tuple(tuple(sq) for sq in self.path))
        validate_path(self.path, cols=self.cols, rows=self.rows, diagonal=self.diagonal)

    def __deepcopy__(self, memo: dict[int, object]) -> Maze:
        return self  # immutable

    def on_board(self, square: Square) -> bool:
        return 0 <= square[0] < self.rows and 0 <= square[1] < self.cols

    def adjacent(self, a: Square, b: Square) -> bool:
        return is_adjacent(a, b, diagonal=self.diagonal)

    def index_of(self, square: Square) -> int | None:
        try:
            return self.path.index(square)
        except ValueError:
            return None


def check_board_size(cols: int, rows: int) -> None:
    if not MIN_COLS <= cols <= MAX_COLS:
        raise MazeError(f"cols must be between {MIN_COLS} and {MAX_COLS}, not {cols}")
    if not MIN_ROWS <= rows <= MAX_ROWS:
        raise MazeError(f"rows must be between {MIN_ROWS} and {MAX_ROWS}, not {rows}")


def _crosses(a: Square, b: Square, c: Square, d: Square) -> bool:
    """Whether diagonal move a->b crosses diagonal move c->d (they form an X)."""
    if abs(a[0] - b[0]) != 1 or abs(a[1] - b[1]) != 1:
        return False
    return {c, d} == {(a[0], b[1]), (b[0], a[1])}


def validate_path(path: Sequence[Square], *, cols: int, rows: int, diagonal: bool) -> None:
    """Refuse a path that breaks the rules, naming the first wrong square and why."""
    if not path:
        raise MazeError("the path is empty: it needs at least one square in each row")
    last_row = rows - 1
    seen: set[Square] = set()
    moves: list[tuple[Square, Square]] = []
    for i, square in enumerate(path):
        where = f"square {i + 1} ({label(square)})"
        if not (0 <= square[0] < rows and 0 <= square[1] < cols):
            raise MazeError(f"{where} is off the {cols}x{rows} board", square)
        if i == 0 and square[0] != 0:
            raise MazeError(f"{where} must be in the first row, where the team enters", square)
        if i > 0 and square[0] == 0:
            raise MazeError(f"{where} returns to the entry row; only the first square may", square)
        if square in seen:
            raise MazeError(f"{where} is already on the path; a path never reuses a square", square)
        if i > 0:
            previous = path[i - 1]
            if not is_adjacent(previous, square, diagonal=diagonal):
                how = "or diagonal " if diagonal else ""
                raise MazeError(
                    f"{where} is not next to {label(previous)}; each square must touch the one "
                    f"before it side by side {how}with no gap",
                    square,
                )
            if any(_crosses(previous, square, a, b) for a, b in moves):
                raise MazeError(f"{where} makes the path cross itself diagonally", square)
            moves.append((previous, square))
        if square[0] == last_row and i != len(path) - 1:
            raise MazeError(
                f"{where} reaches the last row before the end; the path ends where it first "
                "reaches the far edge",
                square,
            )
        seen.add(square)
    if path[-1][0] != last_row:
        raise MazeError(
            f"the path ends at {label(path[-1])}, short of the far edge (row {rows})",
            path[-1],
            unfinished=True,
        )


# --- generator -------------------------------------------------------------------------

# Per difficulty: the share of the longest sensible path to aim for, and how much weight
# sideways and backward moves get against forward ones.
_PROFILE: dict[Difficulty, tuple[float, float, float, float]] = {
    #        min_extra, max_extra, sideways, backward
    "easy": (0.0, 0.35, 0.6, 0.0),
    "medium": (0.35, 0.9, 1.6, 0.35),
    "hard": (0.9, 1.8, 2.2, 1.2),
}
_ATTEMPTS = 40
_BUDGET = 2000


def generate_path(
    seed: int, cols: int, rows: int, difficulty: Difficulty = "medium", *, diagonal: bool = True
) -> tuple[Square, ...]:
    """A valid path for the board, the same for the same arguments.

    Difficulty sets how long the path is beyond the straight crossing and how much it runs
    sideways and backwards. The search is bounded; if it finds nothing in the target range it
    falls back to a straight path, which is always valid.
    """
    check_board_size(cols, rows)
    if difficulty not in _PROFILE:
        raise MazeError(f"difficulty must be one of {', '.join(DIFFICULTIES)}, not {difficulty!r}")
    min_extra, max_extra, sideways, backward = _PROFILE[difficulty]
    inner = cols * (rows - 2) * 2 // 3  # about as many inner squares as a non-touching path uses
    lowest = rows + round(min_extra * (rows - 1))
    highest = max(lowest, min(rows + round(max_extra * (rows - 1)), inner + 2))
    rng = random.Random(f"{seed}:{cols}:{rows}:{difficulty}:{diagonal}")
    for attempt in range(_ATTEMPTS):
        # Narrow boards cannot always hold the longest paths: relax the floor as attempts fail.
        floor = lowest - (lowest - rows) * attempt // (_ATTEMPTS - 1)
        found = _search(rng, cols, rows, diagonal, (floor, highest), (sideways, backward))
        if found is not None:
            return found
    start = rng.randrange(cols)
    return tuple((r, start) for r in range(rows))


def _search(
    rng: random.Random,
    cols: int,
    rows: int,
    diagonal: bool,
    length: tuple[int, int],
    weights: tuple[float, float],
) -> tuple[Square, ...] | None:
    lowest, highest = length
    path: list[Square] = [(0, rng.randrange(cols))]
    on_path = {path[0]}
    options: list[list[Square]] = [
        _ordered_moves(rng, path, on_path, cols, rows, diagonal, weights)
    ]
    budget = _BUDGET
    while options and budget:
        budget -= 1
        if not options[-1]:
            options.pop()
            on_path.discard(path.pop())
            continue
        square = options[-1].pop()
        if square[0] == rows - 1:
            if lowest <= len(path) + 1 <= highest:
                return (*path, square)
            continue
        if len(path) + 1 >= highest:
            continue
        path.append(square)
        on_path.add(square)
        options.append(_ordered_moves(rng, path, on_path, cols, rows, diagonal, weights))
    return None


def _ordered_moves(
    rng: random.Random,
    path: list[Square],
    on_path: set[Square],
    cols: int,
    rows: int,
    diagonal: bool,
    weights: tuple[float, float],
) -> list[Square]:
    """Moves from the path's head, in the order to try them last-first (a stack)."""
    head = path[-1]
    moves = list(pairwise(path))
    candidates = [
        sq
        for sq in neighbours(head, cols, rows, diagonal=diagonal)
        if sq not in on_path
        and sq[0] != 0
        and not any(_crosses(head, sq, a, b) for a, b in moves)
        and not _touches_path(sq, head, on_path, diagonal)
    ]
    sideways, backward = weights
    keyed = []
    for sq in candidates:
        weight = 1.0 if sq[0] > head[0] else sideways if sq[0] == head[0] else backward
        if weight <= 0:
            continue
        # Weighted random order (Efraimidis-Spirakis): larger keys are tried first.
        keyed.append((rng.random() ** (1.0 / weight), sq))
    keyed.sort()
    return [sq for _, sq in keyed]


def _touches_path(square: Square, head: Square, on_path: set[Square], diagonal: bool) -> bool:
    """Keep generated paths from brushing against themselves, so they read as one line."""
    r, c = square
    near = [(r + dr, c + dc) for dr, dc in ((-1, 0), (1, 0), (0, -1), (0, 1))]
    return any(sq in on_path and sq != head for sq in near)


def path_shape(path: Iterable[Square]) -> dict[str, int]:
    """Counts of forward, sideways and backward moves: what difficulty is made of."""
    counts = {"forward": 0, "sideways": 0, "backward": 0}
    squares = list(path)
    for a, b in pairwise(squares):
        key = "forward" if b[0] > a[0] else "sideways" if b[0] == a[0] else "backward"
        counts[key] += 1
    return counts
