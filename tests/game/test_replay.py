"""Log files: written, read back, refused when corrupt, truncated or tampered; fast seeking."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from game import commands as cmd
from game import events as ev
from game.bots import play_session
from game.metrics import session_metrics
from game.replay import LogError, Replay, read_log, read_log_file, verify, write_log
from game.rules import decide
from game.settings import Settings, parse_maze
from game.state import SessionState, apply, fold

SETTINGS = [
    Settings(),
    Settings(retrace="manual", idle_timeout_s=None),
    Settings(beep_delay_s=2.5),
    Settings(max_walkers=3, learning_ends="all_crossed"),
    Settings(memory_aids=True, execution_error_s=15),
]


def a_session(rules: Settings | None = None, seed: int = 1, strategy: str = "learner") -> list[Any]:
    return play_session(
        strategy=strategy,
        maze=parse_maze({"seed": seed}),
        settings=rules or Settings(),
        players=4,
        seed=seed,
    )


@pytest.mark.parametrize("rules", SETTINGS, ids=lambda s: repr(s)[:60])
def test_a_written_log_reads_back_the_same(rules: Settings) -> None:
    events = a_session(rules)
    assert read_log(write_log(events)) == events
    assert verify(events) == fold(events)


def test_a_log_replays_to_the_same_state_and_measures() -> None:
    events = a_session()
    again = read_log(write_log(events))
    assert fold(again) == fold(events)
    assert session_metrics(again) == session_metrics(events)


def lines_of(events: list[Any]) -> list[str]:
    return write_log(events).splitlines()


def refused(lines: list[str]) -> LogError:
    with pytest.raises(LogError) as caught:
        read_log("\n".join(lines) + "\n")
    return caught.value


def rewrite(lines: list[str], number: int, change: Callable[[dict[str, Any]], None]) -> list[str]:
    """Change the record on (1-based) line `number`, and fix the header's checksum, as a
    careful forger would: only the rules can then tell."""
    changed = list(lines)
    record = json.loads(changed[number - 1])
    change(record)
    changed[number - 1] = json.dumps(record, separators=(",", ":"), sort_keys=True)
    return reseal(changed)


def reseal(lines: list[str]) -> list[str]:
    import hashlib

    body = "".join(line + "\n" for line in lines[1:])
    header = json.loads(lines[0])
    header["events"] = len(lines) - 1
    header["sha256"] = hashlib.sha256(body.encode()).hexdigest()
    return [json.dumps(header), *lines[1:]]


def line_of(lines: list[str], kind: str, nth: int = 0) -> int:
    matches = [n for n, line in enumerate(lines, 1) if f'"type":"{kind}"' in line]
    return matches[nth]


def test_corrupt_and_truncated_logs_are_refused_with_the_line() -> None:
    lines = lines_of(a_session())
    assert refused([]).line == 1
    assert "header" in refused(["{}", *lines[1:]]).reason
    assert refused(lines[:-3]).reason.startswith("the log ends after")
    assert refused([*lines, lines[-1]]).line == len(lines) + 1
    broken = list(lines)
    broken[5] = broken[5][:-7]
    assert refused(broken).line == 6
    assert refused(lines[:1] + lines[1:4] + ["{}"] + lines[5:]).line == 5
    edited = list(lines)
    edited[9] = edited[9].replace('"ts":', '"ts": ')
    assert "checksum" in refused(edited).reason
    newer = json.loads(lines[0])
    newer["version"] = 99
    assert "newer" in refused([json.dumps(newer), *lines[1:]]).reason


def test_changed_lines_are_named_even_when_only_the_checksum_shows_the_change() -> None:
    lines = lines_of(a_session())
    step = line_of(lines, "stepped", 2)
    lost = lines[: step - 1] + lines[step:]
    assert (refused(lost).line, "missing or out of place" in refused(lost).reason) == (step, True)
    order = list(lines)
    order[step - 1], order[step] = order[step], order[step - 1]
    assert refused(order).line == step
    beep = line_of(lines, "beeped", 3)
    moved = list(lines)
    record = json.loads(moved[beep - 1])
    record["square"] = [record["square"][0], (record["square"][1] + 1) % 6]
    moved[beep - 1] = json.dumps(record, separators=(",", ":"), sort_keys=True)
    assert refused(moved).line == beep


def test_blank_lines_after_the_last_event_are_no_harm() -> None:
    events = a_session()
    assert read_log(write_log(events) + "\n\n  \r\n") == events


def test_a_file_cut_in_the_middle_of_a_line_says_so() -> None:
    text = write_log(a_session())
    error = refused(text[: len(text) // 2].splitlines())
    assert "cut short" in error.reason
    assert error.line == len(text[: len(text) // 2].splitlines())


def test_tampered_logs_are_refused_even_with_a_fixed_checksum() -> None:
    lines = lines_of(a_session())
    beep = line_of(lines, "beeped", 3)
    flipped = rewrite(
        lines, beep, lambda r: r.update(kind="repeat" if r["kind"] == "new" else "new")
    )
    assert refused(flipped).line == beep
    elsewhere = rewrite(
        lines, beep, lambda r: r.update(square=[r["square"][0], (r["square"][1] + 1) % 6])
    )
    # the reason given is about the beep's own step, not some other command's side effect
    assert refused(elsewhere).line == beep
    assert refused(elsewhere).reason.startswith("the rules refuse this: Step")
    step = line_of(lines, "stepped", 2)
    moved = rewrite(
        lines, step, lambda r: r.update(square=[r["square"][0], (r["square"][1] + 2) % 6])
    )
    assert refused(moved).line == step
    lost = reseal(lines[: step - 1] + lines[step:])
    assert refused(lost).line == step
    order = list(lines)
    order[step - 1], order[step] = order[step], order[step - 1]
    assert refused(reseal(order)).line == step
    crossed = line_of(lines, "crossed")
    faster = rewrite(lines, crossed, lambda r: r.update(player="nobody"))
    assert refused(faster).line == crossed


def test_seeking_gives_the_state_after_any_event() -> None:
    events = a_session(Settings(beep_delay_s=1), strategy="amnesiac")
    replay = Replay(events, every=50)
    for seq in [0, 1, 49, 50, 51, 137, len(events) - 1, len(events)]:
        assert replay.state_at(seq) == fold(events[:seq])
    assert replay.state_at(len(events) + 10) == fold(events)
    first = replay.state_at(120)
    replay.state_at(130)
    assert replay.state_at(120) == first  # a seek never changes the snapshots


def test_a_replay_grows_with_a_session_still_running() -> None:
    events = a_session(Settings(beep_delay_s=1), strategy="amnesiac")
    early = Replay(events[:101], every=50)
    grown = early.extended(events)
    for seq in [0, 50, 100, 101, 149, 150, 151, len(events)]:
        assert grown.state_at(seq) == fold(events[:seq])
    assert early.state_at(101) == fold(events[:101])  # the shorter replay is left as it was
    with pytest.raises(ValueError, match="does not continue"):
        early.extended(events[:50])
    with pytest.raises(ValueError, match="does not continue"):
        early.extended(a_session(seed=2))


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), rules=st.sampled_from(SETTINGS))
def test_any_bot_session_verifies_and_seeks(seed: int, rules: Settings) -> None:
    events = a_session(rules, seed=seed, strategy="amnesiac")
    assert verify(events) == fold(events)
    replay = Replay(events, every=64)
    for seq in range(0, len(events) + 1, 37):
        assert replay.state_at(seq) == fold(events[:seq])


def test_a_log_must_start_with_the_session() -> None:
    events = a_session()
    with pytest.raises(LogError):
        verify(events[1:])
    with pytest.raises(ValueError):
        write_log(events[1:])
    assert isinstance(events[0], ev.SessionCreated)


def test_a_session_ended_with_many_delayed_beeps_pending_verifies() -> None:
    """Ending the session hears every pending delayed beep of every team at once: a log with
    far more of them than a short look-ahead would see is still one the rules wrote."""
    teams = 12
    session = Table()
    specs = tuple(
        ev.TeamSpec(f"t{i}", f"Team {i}", parse_maze({"seed": i, "cols": 8})) for i in range(teams)
    )
    rules = Settings(beep_delay_s=5, max_walkers=3)
    session.send(cmd.CreateSession(at=0, session_id="s", title="t", settings=rules, teams=specs))
    for i in range(teams):
        team = f"t{i}"
        for p in range(4):
            session.send(cmd.Join(at=1, team=team, player=f"p{i}-{p}", name=f"Player {p}"))
        session.send(cmd.StartLearning(at=2, team=team))
        session.send(cmd.EndPhase(at=2.5, team=team))
        session.send(cmd.StartExecution(at=3, team=team))
    for i in range(teams):
        walking = session.state.teams[f"t{i}"]
        path = walking.maze.path
        wrong = [(0, c) for c in range(walking.maze.cols) if (0, c) != path[0]]
        for n, walker in enumerate(list(walking.walks)):
            session.send(cmd.Step(at=4, team=f"t{i}", player=walker, square=wrong[n]))
    ended = session.send(cmd.EndSession(at=4.5))
    assert sum(isinstance(e, ev.Beeped) for e in ended) == teams * rules.max_walkers
    assert verify(read_log(write_log(session.log))) == session.state


def test_a_log_with_outages_and_an_abandonment_verifies() -> None:
    table = Table()
    maze = parse_maze({"seed": 3})
    table.send(
        cmd.CreateSession(
            at=0,
            session_id="s",
            title="t",
            settings=Settings(beep_delay_s=2),
            teams=(ev.TeamSpec("t1", "One", maze),),
        )
    )
    table.send(cmd.Join(at=1, team="t1", player="p1", name="Ann"))
    table.send(cmd.StartLearning(at=2, team="t1"))
    wrong = next((0, c) for c in range(maze.cols) if (0, c) != maze.path[0])
    table.send(cmd.Step(at=3, team="t1", player="p1", square=wrong))  # beeps at 5
    table.send(cmd.RecordOutage(at=100, since=4))
    # Idle timeouts at 161 came first; then the server away long enough for many more, had
    # they counted the time away: a check that ticked through it would find too many events.
    table.send(cmd.RecordOutage(at=5000, since=190))
    table.send(cmd.EndSession(at=5000, reason="abandoned"))
    events = read_log(write_log(table.log))
    assert [e.type for e in events].count("server_away") == 2
    assert verify(events) == table.state
    assert json.loads(write_log(events).splitlines()[0])["version"] == 2


class Table:
    def __init__(self) -> None:
        self.state = SessionState()
        self.log: list[ev.Event] = []

    def send(self, command: cmd.Command) -> list[ev.Event]:
        events = decide(self.state, command)
        for event in events:
            apply(self.state, event)
        self.log.extend(events)
        return events


# --- logs written by earlier versions ------------------------------------------------------

DATA = Path(__file__).parent / "data"


def test_a_version_1_log_replays_to_the_measures_it_had_when_written():
    """Kept as version 1 wrote it, with every kind of event: a later version must read it,
    replay it and give the same debrief. Never rewrite the log; its measures change only with
    the definition of a measure (tests/game/test_metrics.py says which). Changed so far:
    time_to_first_beep_s counts from the learning phase's start, not its clock's (0 -> 4).
    Added, no value changed: each minute of per_minute says the seconds it covered
    (covered_s), whether it is partial and its rates (new_per_min, repeat_per_min); the
    execution has its per_minute (errors, errors_per_min); a team has its timeline."""
    events = read_log((DATA / "v1-session.jsonl").read_text())
    assert len({event.type for event in events}) == 27  # every type version 1 first had
    verify(events)
    assert fold(events).ended
    expected = json.loads((DATA / "v1-session.metrics.json").read_text())
    measured = json.loads(json.dumps(session_metrics(events)))
    # What version 2 added: who ended it (always the facilitator in version 1), no outages.
    added = {"ended_by": "facilitator", "outages": []}
    assert {key: measured["session"].pop(key) for key in added} == added
    for team in measured["teams"].values():
        assert all(start < end for start, end in team.pop("stopped"))
    assert measured == expected


def test_a_bare_list_of_events_reads_checked_by_the_rules_alone() -> None:
    """As GET /api/workshops/{id}/log gives it: no header, so no count or checksum; the rules
    check every event, and a refusal names the line as it stands in that file."""
    events = a_session()
    lines = lines_of(events)[1:]
    bare = read_log_file("\n".join(lines) + "\n")
    assert (bare.events, bare.checksum) == (events, False)
    assert read_log_file(write_log(events)).checksum is True
    step = line_of(lines_of(events), "stepped", 2) - 1  # its line in the bare file
    lost = lines[: step - 1] + lines[step:]
    with pytest.raises(LogError) as caught:
        read_log_file("\n".join(lost))
    assert caught.value.line == step
    moved = list(lines)
    beep = line_of(lines_of(events), "beeped", 3) - 1
    record = json.loads(moved[beep - 1])
    record["square"] = [record["square"][0], (record["square"][1] + 1) % 6]
    moved[beep - 1] = json.dumps(record, separators=(",", ":"), sort_keys=True)
    with pytest.raises(LogError) as caught:
        read_log_file("\n".join(moved))
    assert caught.value.line == beep
