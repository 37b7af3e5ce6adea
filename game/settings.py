"""Every rule option a facilitator can set, with its default, and their validation."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

from game.board import (
    DEFAULT_COLS,
    DEFAULT_ROWS,
    DIFFICULTIES,
    MAX_COLS,
    MAX_ROWS,
    MIN_COLS,
    MIN_ROWS,
    Difficulty,
    Maze,
    MazeError,
    Square,
    generate_path,
)

RetraceMode = Literal["auto", "manual"]
LearningEnd = Literal["first_crossing", "all_crossed"]

DEFAULT_PENALTIES: dict[str, int] = {"talking": 30, "pointing": 15, "touching": 60}
PENALTY_KIND = re.compile(r"[a-z][a-z0-9_]{0,23}")
MAX_PENALTY_KINDS = 10
# With no idle timeout, a disconnected walker still must not block the team for ever.
DISCONNECTED_GRACE_S = 60


class SettingsError(ValueError):
    """A setting with a value outside what is allowed; names the setting."""

    def __init__(self, setting: str, message: str) -> None:
        super().__init__(f"{setting}: {message}")
        self.setting = setting
        self.reason = message


@dataclass(frozen=True)
class Settings:
    retrace: RetraceMode = "auto"
    beep_delay_s: float = 0
    idle_timeout_s: int | None = 60
    planning_s: int = 300
    huddle_budget_s: int = 180
    penalties: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PENALTIES))
    learning_ends: LearningEnd = "first_crossing"
    max_walkers: int = 1
    execution_error_s: int = 60
    memory_aids: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __deepcopy__(self, memo: dict[int, object]) -> Settings:
        return self  # never changed once a session is created


# name -> (help, check) where check returns the clean value or raises ValueError(allowed)
SETTING_HELP: dict[str, str] = {
    "retrace": "After a beep: 'auto' walks the player back; 'manual' has them tap each square.",
    "beep_delay_s": "Seconds before a wrong step beeps (0 to 10): the delayed-feedback variant.",
    "idle_timeout_s": "Seconds a walker may stand idle before losing the turn (10-600, or null).",
    "planning_s": "Planning time before learning, talking allowed (0-1800 s; 0 skips planning).",
    "huddle_budget_s": "Total seconds of huddles the facilitator may grant (0 to 900).",
    "penalties": "Penalty kinds and the seconds each adds to the phase's adjusted time.",
    "learning_ends": "The learning phase ends at the 'first_crossing' or when 'all_crossed'.",
    "max_walkers": "Walkers allowed on the maze at once in the execution phase (1 to 5).",
    "execution_error_s": "Seconds added for each beep in the execution phase (0 to 600).",
    "memory_aids": "Show every player the squares already proven safe or beeping.",
}


def _number(name: str, value: Any, low: float, high: float, *, whole: bool) -> float:
    kind = "a whole number" if whole else "a number"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SettingsError(name, f"must be {kind} from {low:g} to {high:g}, not {value!r}")
    if isinstance(value, float) and (
        not math.isfinite(value) or (whole and not value.is_integer())
    ):
        raise SettingsError(name, f"must be {kind} from {low:g} to {high:g}, not {value!r}")
    if not low <= value <= high:  # compared exactly: an int of any size, never made a float
        raise SettingsError(name, f"must be from {low:g} to {high:g}, not {_shown(value)}")
    return value


def _shown(value: float) -> str:
    """A number as a message may quote it: a huge integer by its size alone."""
    if isinstance(value, int) and value.bit_length() > 64:
        return f"a number of about {int(value.bit_length() * math.log10(2)) + 1} digits"
    return repr(value)


def _choice(name: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise SettingsError(name, f"must be one of {', '.join(allowed)}, not {value!r}")
    return str(value)


def _penalties(value: Any) -> dict[str, int]:
    if not isinstance(value, Mapping) or not value:
        raise SettingsError("penalties", "must map each penalty kind to its seconds")
    if len(value) > MAX_PENALTY_KINDS:
        raise SettingsError("penalties", f"at most {MAX_PENALTY_KINDS} kinds")
    clean = {}
    for kind, seconds in value.items():
        if not isinstance(kind, str) or not PENALTY_KIND.fullmatch(kind):
            raise SettingsError(
                "penalties",
                f"kind {kind!r} must be lower-case letters, digits or _ (up to 24), "
                "starting with a letter",
            )
        clean[kind] = int(_number(f"penalties.{kind}", seconds, 0, 600, whole=True))
    return clean


def parse_settings(raw: Mapping[str, Any] | None) -> Settings:
    """Settings from user input: unknown names and bad values are refused by name."""
    raw = dict(raw or {})
    known = {f.name for f in fields(Settings)}
    for name in raw:
        if name not in known:
            raise SettingsError(
                str(name), f"is not a rule option; known: {', '.join(sorted(known))}"
            )
    base = Settings()
    idle = raw.get("idle_timeout_s", base.idle_timeout_s)
    if idle is not None and (isinstance(idle, bool) or idle != 0):
        idle = int(_number("idle_timeout_s", idle, 10, 600, whole=True))
    memory_aids = raw.get("memory_aids", base.memory_aids)
    if not isinstance(memory_aids, bool):
        raise SettingsError("memory_aids", f"must be true or false, not {memory_aids!r}")
    return Settings(
        retrace=_choice("retrace", raw.get("retrace", base.retrace), ("auto", "manual")),  # type: ignore[arg-type]
        beep_delay_s=_number("beep_delay_s", raw.get("beep_delay_s", 0), 0, 10, whole=False),
        idle_timeout_s=idle or None,
        planning_s=int(_number("planning_s", raw.get("planning_s", 300), 0, 1800, whole=True)),
        huddle_budget_s=int(
            _number("huddle_budget_s", raw.get("huddle_budget_s", 180), 0, 900, whole=True)
        ),
        penalties=_penalties(raw.get("penalties", DEFAULT_PENALTIES)),
        learning_ends=_choice(  # type: ignore[arg-type]
            "learning_ends",
            raw.get("learning_ends", base.learning_ends),
            ("first_crossing", "all_crossed"),
        ),
        max_walkers=int(_number("max_walkers", raw.get("max_walkers", 1), 1, 5, whole=True)),
        execution_error_s=int(
            _number("execution_error_s", raw.get("execution_error_s", 60), 0, 600, whole=True)
        ),
        memory_aids=memory_aids,
    )


@dataclass(frozen=True)
class MazeSpec:
    """How the facilitator asks for a maze: a size, and a drawn path or a seed and difficulty."""

    cols: int = DEFAULT_COLS
    rows: int = DEFAULT_ROWS
    seed: int = 0
    difficulty: Difficulty = "medium"
    path: tuple[Square, ...] | None = None
    diagonal: bool = True

    def build(self) -> Maze:
        path = self.path or generate_path(
            self.seed, self.cols, self.rows, self.difficulty, diagonal=self.diagonal
        )
        return Maze(cols=self.cols, rows=self.rows, path=path, diagonal=self.diagonal)


MAZE_FIELDS = ("cols", "rows", "seed", "difficulty", "path", "diagonal")
MAX_SEED = 2**53  # the largest whole number every JSON reader keeps exactly


def parse_maze(raw: Mapping[str, Any] | None) -> Maze:
    """A maze from user input; a drawn path is validated square by square."""
    raw = dict(raw or {})
    for name in raw:
        if name not in MAZE_FIELDS:
            raise SettingsError(
                f"maze.{name}", f"is not a maze field; known: {', '.join(MAZE_FIELDS)}"
            )
    cols = int(_number("maze.cols", raw.get("cols", DEFAULT_COLS), MIN_COLS, MAX_COLS, whole=True))
    rows = int(_number("maze.rows", raw.get("rows", DEFAULT_ROWS), MIN_ROWS, MAX_ROWS, whole=True))
    seed = _seed(raw)
    difficulty = _choice("maze.difficulty", raw.get("difficulty", "medium"), DIFFICULTIES)
    diagonal = raw.get("diagonal", True)
    if not isinstance(diagonal, bool):
        raise SettingsError("maze.diagonal", f"must be true or false, not {diagonal!r}")
    path = _parse_path(raw.get("path"))
    spec = MazeSpec(cols, rows, seed, difficulty, path, diagonal)  # type: ignore[arg-type]
    try:
        return spec.build()
    except MazeError as error:
        raise SettingsError("maze.path", str(error)) from error


def parse_mazes(raw: Mapping[str, Any] | None, teams: int, *, same_maze: bool) -> list[Maze]:
    """The teams' mazes: one for all, or (not `same_maze`) a path of its own for each team,
    generated from the seeds that follow the one given (wrapping round after the largest)."""
    first = parse_maze(raw)
    raw = dict(raw or {})
    if same_maze or raw.get("path") is not None:
        return [first]
    seed = _seed(raw)
    return [first] + [
        parse_maze({**raw, "seed": (seed + n) % (MAX_SEED + 1)}) for n in range(1, teams)
    ]


def _seed(raw: Mapping[str, Any]) -> int:
    return int(_number("maze.seed", raw.get("seed", 0), 0, MAX_SEED, whole=True))


def _parse_path(value: Any) -> tuple[Square, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list | tuple) or not value:
        raise SettingsError("maze.path", "must be a list of [row, col] squares")
    squares = []
    for i, item in enumerate(value):
        if (
            not isinstance(item, list | tuple)
            or len(item) != 2
            or not all(isinstance(n, int) and not isinstance(n, bool) for n in item)
        ):
            raise SettingsError("maze.path", f"square {i + 1} must be [row, col], not {item!r}")
        squares.append((item[0], item[1]))
    return tuple(squares)
