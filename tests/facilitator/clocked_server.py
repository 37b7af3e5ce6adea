"""The app served on a clock the tests set: the time is read from a file at each call.

`python -m tests.facilitator.clocked_server --port N --clock-file F`, with DATABASE_URL set.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
from pathlib import Path

import uvicorn

from app.config import Config
from app.main import create_app


class FileClock:
    def __init__(self, path: Path) -> None:
        self.path = path

    def __call__(self) -> float:
        return float(self.path.read_text())


def set_time(path: Path, seconds: float) -> None:
    """Move the server's clock (atomically: it never reads half a number)."""
    draft = path.with_suffix(".next")
    draft.write_text(repr(float(seconds)))
    os.replace(draft, path)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--clock-file", type=Path, required=True)
    args = parser.parse_args()
    config = dataclasses.replace(Config.from_env(), host="127.0.0.1", port=args.port)
    uvicorn.run(
        create_app(config, FileClock(args.clock_file)),
        host=config.host,
        port=config.port,
        log_level="warning",
    )


if __name__ == "__main__":
    main()
