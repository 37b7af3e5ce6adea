"""Learning figures of bot teams, per strategy, over many seeded games on the default board.

    python bench/bot_figures.py --games 200

Each game is a fresh 6x9 board (medium difficulty, default settings) whose path comes from
the game's seed, played by six bots. Only the learning phase is measured, so the execution
phase is ended as soon as it starts.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Sequence
from typing import Any

from game.bots import STRATEGIES, learning_figures, play_session
from game.settings import parse_maze


def play(strategy: str, games: int, max_steps: int) -> list[dict[str, Any]]:
    return [
        learning_figures(
            play_session(
                strategy=strategy,
                maze=parse_maze({"seed": seed}),
                seed=seed,
                max_learning_steps=max_steps,
                max_execution_steps=0,
            )
        )
        for seed in range(games)
    ]


def summary(figures: list[dict[str, Any]]) -> dict[str, float | None]:
    ratios = [f["learning_ratio"] for f in figures if f["learning_ratio"] is not None]
    found = [f["steps_to_discovery"] for f in figures if f["path_found"]]
    return {
        "learning_ratio": statistics.mean(ratios) if ratios else None,
        "learning_beeps": statistics.mean(f["learning_beeps"] for f in figures),
        "steps_to_discovery": statistics.mean(found) if found else None,
        "discovery_rate": len(found) / len(figures),
    }


def show(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=200, help="games per strategy")
    parser.add_argument(
        "--max-steps", type=int, default=2000, help="steps before learning is ended by hand"
    )
    parser.add_argument("--strategies", nargs="+", choices=STRATEGIES, default=list(STRATEGIES))
    args = parser.parse_args(argv)
    print(
        f"{args.games} games per strategy, 6x9 board, medium paths, six bots, "
        f"learning ended by hand after {args.max_steps} steps"
    )
    header = ("strategy", "ratio", "beeps", "steps to discovery", "discovered", "seconds")
    print(
        f"{header[0]:<10}{header[1]:>8}{header[2]:>9}{header[3]:>20}{header[4]:>12}{header[5]:>9}"
    )
    for strategy in args.strategies:
        started = time.perf_counter()
        figures = summary(play(strategy, args.games, args.max_steps))
        elapsed = time.perf_counter() - started
        print(
            f"{strategy:<10}"
            f"{show(figures['learning_ratio'], 3):>8}"
            f"{show(figures['learning_beeps'], 1):>9}"
            f"{show(figures['steps_to_discovery'], 1):>20}"
            f"{show(figures['discovery_rate'], 3):>12}"
            f"{elapsed:>9.1f}"
        )


if __name__ == "__main__":
    main()
