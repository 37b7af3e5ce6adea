"""The trainers' commands: export, import, replay --summary, library."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.cli import build_parser, main
from app.security import new_workshop_id
from app.store import EventStore
from app.trainer_cli import render_summary
from facilitator.exports import log_jsonl
from game.bots import play_session
from game.metrics import session_metrics
from game.replay import read_log, write_log
from game.settings import parse_maze


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'library.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    return url


def test_import_then_export_gives_the_same_log(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = play_session(strategy="learner", maze=parse_maze({"seed": 8}), players=3, seed=8)
    source = tmp_path / "session.jsonl"
    source.write_text(write_log(events))
    assert main(["import", str(source)]) == 0
    workshop_id = capsys.readouterr().out.split()[-1]
    assert main(["export", workshop_id, "-o", "out.jsonl"]) == 0
    assert read_log((tmp_path / "out.jsonl").read_text()) == events
    assert main(["library"]) == 0
    assert workshop_id in capsys.readouterr().out
    # the same log again, or its export: already there, not saved twice
    for again in (source, tmp_path / "out.jsonl"):
        assert main(["import", str(again)]) == 0
        assert f"already in the library, as workshop {workshop_id}" in capsys.readouterr().out
    store = EventStore(database)
    assert len(store.workshops()) == 1
    store.close()


def test_an_empty_or_wrong_database_is_named(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["library"]) == 0
    assert capsys.readouterr().out.startswith(f"No workshops yet in {database} ")
    assert main(["export", "nosuchid"]) == 1
    assert capsys.readouterr().err.strip() == f"No workshop 'nosuchid' in {database}"


def test_every_new_workshop_id_can_be_typed_after_export() -> None:
    # one id in 64 once began with a dash, which argparse took for an option
    ids = [new_workshop_id() for _ in range(2000)]
    assert all(ident.isascii() and ident.isalnum() for ident in ids)
    assert len(set(ids)) == len(ids)
    for ident in ids[:200]:
        assert build_parser().parse_args(["export", ident]).workshop_id == ident


def test_replay_summary_prints_the_debrief(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = play_session(strategy="amnesiac", maze=parse_maze({"seed": 9}), players=3, seed=9)
    source = tmp_path / "session.jsonl"
    source.write_text(write_log(events))
    assert main(["replay", str(source), "--summary"]) == 0
    out = capsys.readouterr().out
    assert "Learning ratio" in out and "Failures" in out and "Execution time" in out
    crossed = next(line for line in out.splitlines() if line.startswith("Everyone crossed"))
    assert crossed.split()[-1] in {"yes", "no"}


def test_the_summary_shows_times_as_the_pages_do() -> None:
    events = play_session(strategy="amnesiac", maze=parse_maze({"seed": 9}), players=3, seed=9)
    started = next(n for n, e in enumerate(events) if e.type == "execution_started")
    before_execution = session_metrics(events[:started])
    [team] = before_execution["teams"].values()
    learning_s = team["learning"]["duration_s"]
    summary = render_summary(before_execution).splitlines()

    def cell(label: str) -> str:
        line = next(line for line in summary if line.startswith(label))
        return line[len(label) :].strip()

    # cut down to the second, as the pages' clocks are, never rounded up
    assert cell("Learning time") == f"{int(learning_s) // 60}:{int(learning_s) % 60:02d}"
    assert cell("Execution time") == "-"  # not begun: no 0:00 beside an adjusted time of -
    median = team["learning"]["hesitation"]["median_s"]
    assert cell("Hesitation, median") == f"{median:.1f} s"  # a fraction of a second is not 0:00


def test_a_bad_file_is_refused_and_nothing_saved(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = play_session(strategy="learner", maze=parse_maze({"seed": 1}), players=3, seed=1)
    lines = write_log(events).splitlines()
    broken = tmp_path / "broken.jsonl"
    broken.write_text("\n".join(lines[:-5]) + "\n")
    assert main(["import", str(broken)]) == 1
    assert "line" in capsys.readouterr().err
    assert main(["replay", str(broken)]) == 1
    assert main(["import", str(tmp_path / "missing.jsonl")]) == 1
    binary = tmp_path / "binary.jsonl"
    binary.write_bytes(b"\xff\xfe\x00")
    capsys.readouterr()
    assert main(["import", str(binary)]) == 1
    assert "line 1: the file is not UTF-8 text" in capsys.readouterr().err
    assert main(["export", "nope"]) == 1
    store = EventStore(database)
    assert store.workshops() == []
    store.close()


def test_a_bare_log_imports_and_says_it_had_no_checksum(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = play_session(strategy="learner", maze=parse_maze({"seed": 9}), players=3, seed=9)
    source = tmp_path / "bare.jsonl"
    source.write_text(log_jsonl(events))
    assert main(["import", str(source)]) == 0
    said = capsys.readouterr().out
    assert "no header" in said and "Imported" in said
    workshop_id = said.split()[-1]
    assert main(["export", workshop_id, "-o", "out.jsonl"]) == 0
    assert read_log((tmp_path / "out.jsonl").read_text()) == events
