"""The `electric-maze` command: hostile files are refused in a sentence, never a traceback,
and `serve` believes no proxy unless told and raises its open-files limit."""

from __future__ import annotations

import resource
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from app import cli
from app.cli import main, uvicorn_options
from app.config import Config

HEADER = (
    '{"format":"electric-maze-log","version":1,"session_id":"x","title":"t","events":1,'
    '"sha256":"00"}\n'
)
HOSTILE: dict[str, bytes] = {
    "deep.jsonl": b"[" * 100_000 + b"]" * 100_000,
    "deep-event.jsonl": HEADER.encode() + b"[" * 100_000 + b"]" * 100_000 + b"\n",
    "long-number.jsonl": HEADER.encode() + b'{"seq":' + b"9" * 5000 + b"}\n",
    "huge-number.jsonl": b'{"format":"electric-maze-log","version":' + b"9" * 400 + b"}\n",
    "nan.jsonl": HEADER.encode() + b'{"seq":NaN}\n',
    "latin1.jsonl": "caf\u00e9".encode("latin-1"),
    "empty.jsonl": b"",
}


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'library.db'}")
    monkeypatch.chdir(tmp_path)


@pytest.mark.usefixtures("database")
@pytest.mark.parametrize("command", ["import", "replay"])
@pytest.mark.parametrize("name", [*HOSTILE, "missing.jsonl", "."])
def test_a_file_that_cannot_be_read_is_refused_in_a_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, name: str
) -> None:
    if name in HOSTILE:
        (tmp_path / name).write_bytes(HOSTILE[name])
    assert main([command, name]) == 1
    said = capsys.readouterr().err
    assert name in said and "Traceback" not in said
    assert len(said.splitlines()) == 1, said


@pytest.mark.usefixtures("database")
def test_an_export_that_cannot_be_written_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from game.bots import play_session
    from game.replay import write_log
    from game.settings import parse_maze

    events = play_session(strategy="learner", maze=parse_maze({"seed": 3}), players=2, seed=3)
    (tmp_path / "session.jsonl").write_text(write_log(events))
    assert main(["import", "session.jsonl"]) == 0
    workshop_id = capsys.readouterr().out.split()[-1]
    assert main(["export", workshop_id, "-o", "no-such-folder/out.jsonl"]) == 1
    assert "Cannot write no-such-folder/out.jsonl" in capsys.readouterr().err


def test_no_proxy_is_believed_unless_named() -> None:
    options = uvicorn_options(Config())
    assert options["proxy_headers"] is False
    assert uvicorn.Config(lambda: None, **options).proxy_headers is False
    behind = uvicorn_options(Config(forwarded_allow_ips=("10.0.0.2",)))
    assert behind["proxy_headers"] is True
    assert behind["forwarded_allow_ips"] == ["10.0.0.2"]


def test_serve_raises_the_open_files_limit_then_serves(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    served: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: served.append(options))
    raised: list[bool] = []

    def raise_limit() -> None:
        raised.append(True)

    monkeypatch.setattr(cli, "raise_open_files_limit", raise_limit)
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    assert main(["serve", "--port", "8123"]) == 0
    assert raised and served and served[0]["proxy_headers"] is False
    assert served[0]["port"] == 8123


def test_the_open_files_limit_goes_up_to_the_hard_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        if hard != resource.RLIM_INFINITY:
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(soft, hard // 2), hard))
        now = cli.raise_open_files_limit()
        assert now == resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        if hard != resource.RLIM_INFINITY:
            assert now == hard
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


@pytest.mark.parametrize(
    ("argv", "allowed"),
    [
        (["serve", "--port", "70000"], "1 to 65535"),
        (["serve", "--port", "0"], "1 to 65535"),
        (["serve", "--port", "-1"], "1 to 65535"),
        (["serve", "--port", "80x"], "1 to 65535"),
        (["serve", "--port", "9" * 5000], "1 to 65535"),
        (["simulate", "--teams", "13"], "1 to 12"),
        (["simulate", "--players", "0"], "1 to 30"),
        (["simulate", "--seed", "9" * 400], "0 to 9007199254740992"),
        (["simulate", "--think", "nan"], "0 to 60"),
        (["simulate", "--think", "-1"], "0 to 60"),
        (["simulate", "--time-limit", "inf"], "1 to 86400"),
    ],
)
def test_a_number_out_of_range_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    allowed: str,
) -> None:
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: pytest.fail("served"))
    with pytest.raises(SystemExit) as refused:
        main(argv)
    assert refused.value.code == 2
    said = capsys.readouterr().err
    assert allowed in said and "Traceback" not in said
