"""What docs/protocol.md promises, read from the document itself: the close codes and the
error codes of its tables, so that a code added to the docs is a code the tests must meet."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PROTOCOL = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"


def _section(title: str) -> list[str]:
    """The lines of a `## title` section of the protocol document."""
    lines = PROTOCOL.read_text(encoding="utf-8").splitlines()
    start = lines.index(f"## {title}") + 1
    end = next((n for n in range(start, len(lines)) if lines[n].startswith("## ")), len(lines))
    return lines[start:end]


def _rows(lines: list[str]) -> Iterator[list[str]]:
    """The body rows of the markdown tables in `lines`, as lists of cells."""
    for line in lines:
        if not line.startswith("|") or set(line) <= set("|-: "):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if cells[0] in ("code", "limit"):  # a header row
            continue
        yield cells


@dataclass(frozen=True)
class ErrorCode:
    code: str
    to: str  # the audiences the table names ("none" for the engine's inner guards)
    when: str


def close_codes() -> dict[int, str]:
    """Every close code the "Close codes" table names by number, with its reason. The last
    row ("others (1006, 1011, …)") is the network's and the server going away, not a case."""
    found: dict[int, str] = {}
    for cells in _rows(_section("Close codes")):
        if re.fullmatch(r"\d{4}", cells[0]):
            found[int(cells[0])] = cells[1]
    return found


def error_codes() -> dict[str, ErrorCode]:
    """Every code of the "Error codes" tables (the server's and the engine's)."""
    found: dict[str, ErrorCode] = {}
    for cells in _rows(_section("Error codes")):
        for code in re.findall(r"`([a-z_]+)`", cells[0]):
            found.setdefault(code, ErrorCode(code, cells[1], cells[2]))
    return found


class Recorder(logging.Handler):
    """Keeps what the server logs at WARNING and above, to find errors it swallowed."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def errors(self) -> list[str]:
        """Log lines at ERROR or above, or carrying a traceback."""
        return [
            f"{r.name}: {r.getMessage()}"
            for r in self.records
            if r.levelno >= logging.ERROR or r.exc_info is not None
        ]


@contextmanager
def recording_logs() -> Iterator[Recorder]:
    """Every logger's records (the app's, uvicorn's, asyncio's) while the block runs."""
    recorder = Recorder()
    root = logging.getLogger()
    root.addHandler(recorder)
    try:
        yield recorder
    finally:
        root.removeHandler(recorder)
