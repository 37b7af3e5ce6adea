"""The trainers' library over HTTP: behind its password; list, file, import, replay, delete."""

from __future__ import annotations

import json
import threading
from contextlib import ExitStack
from dataclasses import replace
from typing import Any

from facilitator.library import COOKIE
from game.bots import play_session
from game.events import SessionCreated
from game.replay import read_log, write_log
from game.settings import parse_maze
from tests.app.helpers import OWN_ORIGIN, Server

SERVER_CONFIG = {"admin_password": "correct horse"}
OWN = {"origin": OWN_ORIGIN}  # changes come from the library's own pages
LOG_FILE = {**OWN, "content-type": "application/x-ndjson"}  # an import


def a_log_file(seed: int = 3) -> str:
    events = play_session(strategy="learner", maze=parse_maze({"seed": seed}), players=3, seed=seed)
    return write_log(events)


def log_in(server: Server) -> None:
    answer = server.http.post("/api/library/login", json={"password": "correct horse"}, headers=OWN)
    assert answer.status_code == 204


def test_the_library_is_behind_its_password(server: Server) -> None:
    server.http.cookies.clear()
    assert server.http.get("/api/library/workshops").status_code == 401
    wrong = server.http.post("/api/library/login", json={"password": "guess"})
    assert wrong.status_code == 401
    assert server.http.get("/api/library/workshops").status_code == 401
    bearer = {"Authorization": "Bearer correct horse"}
    assert server.http.get("/api/library/workshops", headers=bearer).status_code == 200
    log_in(server)
    assert server.http.get("/api/library/workshops").status_code == 200
    cookie = server.http.cookies[COOKIE]
    assert server.http.post("/api/library/logout", headers=OWN).status_code == 204
    assert server.http.get("/api/library/workshops").status_code == 401
    # the old cookie, kept or copied, opens nothing any more
    old = {"cookie": f"{COOKIE}={cookie}"}
    assert server.http.get("/api/library/workshops", headers=old).status_code == 401


def test_an_imported_log_is_listed_exported_and_replayed_the_same(server: Server) -> None:
    log_in(server)
    text = a_log_file()
    answer = server.http.post("/api/library/import", content=text, headers=LOG_FILE)
    assert answer.status_code == 201, answer.text
    workshop_id = answer.json()["workshop_id"]
    listed = server.http.get("/api/library/workshops", params={"q": "bots"}).json()
    entry = next(w for w in listed if w["workshop_id"] == workshop_id)
    assert entry["imported"] is True and entry["ended"] is True
    assert entry["teams"][0]["path_found"] is True
    exported = server.http.get(f"/api/library/workshops/{workshop_id}/file").text
    assert read_log(exported) == read_log(text)
    again = server.http.post("/api/library/import", content=exported, headers=LOG_FILE)
    assert again.status_code == 200
    assert again.json() == {
        "workshop_id": workshop_id,
        "already_in_library": True,
        "checksum": True,
    }
    replay = server.http.get(f"/api/library/workshops/{workshop_id}/replay").json()
    assert [e["seq"] for e in replay["events"]] == list(range(1, len(replay["events"]) + 1))
    middle = len(replay["events"]) // 2
    at = server.http.get(f"/api/library/workshops/{workshop_id}/at/{middle}").json()
    assert at["seq"] == middle
    assert at["view"]["teams"][0]["path"]  # the trainer sees the facilitator's view
    assert server.http.get(f"/api/library/workshops/{workshop_id}/at/0").json()["seq"] == 0


def test_an_import_keeps_the_id_it_had_where_it_ran_when_it_is_free(server: Server) -> None:
    log_in(server)
    events = read_log(a_log_file(seed=6))
    created = events[0]
    assert isinstance(created, SessionCreated)
    first = replace(created, session_id="k7qv3nhx2mbe")
    answer = server.http.post(
        "/api/library/import", content=write_log([first, *events[1:]]), headers=LOG_FILE
    )
    assert answer.json()["workshop_id"] == "k7qv3nhx2mbe"  # links to its moments work here too
    # another session under the same id, or an id the pages cannot route: a new id
    other = replace(first, title="Another session")
    taken = server.http.post(
        "/api/library/import", content=write_log([other, *events[1:]]), headers=LOG_FILE
    )
    odd = replace(created, session_id="-odd id-")
    unroutable = server.http.post(
        "/api/library/import", content=write_log([odd, *events[1:]]), headers=LOG_FILE
    )
    long = replace(created, session_id="a" * 33)  # longer than the store's ids
    too_long = server.http.post(
        "/api/library/import", content=write_log([long, *events[1:]]), headers=LOG_FILE
    )
    for answer in (taken, unroutable, too_long):
        assert answer.status_code == 201
        assert answer.json()["workshop_id"] not in ("k7qv3nhx2mbe", "-odd id-", "a" * 33)


def test_a_tampered_log_is_refused_and_nothing_is_saved(server: Server) -> None:
    log_in(server)
    before = len(server.http.get("/api/library/workshops").json())
    lines = a_log_file(seed=4).splitlines()
    record = json.loads(lines[9])
    record["ts"] += 1000
    lines[9] = json.dumps(record)
    answer = server.http.post("/api/library/import", content="\n".join(lines), headers=LOG_FILE)
    assert answer.status_code == 422
    assert answer.json()["detail"]["line"] == 10  # an event out of time: the rules tell
    cut = server.http.post(
        "/api/library/import", content="\n".join(a_log_file().splitlines()[:20]), headers=LOG_FILE
    )
    assert cut.status_code == 422 and "ends after" in cut.json()["detail"]["reason"]
    not_text = server.http.post("/api/library/import", content=b"\xff\xfe", headers=LOG_FILE)
    assert not_text.status_code == 422 and not_text.json()["detail"]["line"] == 1
    assert len(server.http.get("/api/library/workshops").json()) == before


def test_deleting_a_workshop_takes_its_events(server: Server) -> None:
    log_in(server)
    workshop_id = server.http.post(
        "/api/library/import", content=a_log_file(5), headers=LOG_FILE
    ).json()["workshop_id"]
    deleted = server.http.delete(f"/api/library/workshops/{workshop_id}", headers=OWN)
    assert deleted.status_code == 204
    assert server.http.get(f"/api/library/workshops/{workshop_id}/replay").status_code == 404
    assert server.call(server.registry.store.events, workshop_id) == []


def test_the_list_follows_a_workshop_as_it_is_played(server: Server) -> None:
    log_in(server)
    workshop = server.create_workshop(title="Running now")

    def listed() -> dict[str, Any]:
        entries = server.http.get("/api/library/workshops", params={"q": "Running now"}).json()
        entry: dict[str, Any] = entries[0]["teams"][0]
        return entry

    assert listed()["players"] == 0
    with ExitStack() as stack:
        server.join(stack, workshop.codes[0], "Ann")
        assert listed()["players"] == 1  # the log grew: its summary is made again
        server.join(stack, workshop.codes[0], "Bo")
        assert listed()["players"] == 2


def test_reading_the_library_never_waits_for_the_rooms_store_thread(server: Server) -> None:
    """Listing, replaying, measuring and downloading a long imported log run on the store's
    reader threads: with the writer every live room depends on held busy, they still answer
    (before it is let go), and nothing they do can hold it up in turn."""
    bearer = {"Authorization": "Bearer correct horse", **LOG_FILE}
    answer = server.http.post("/api/library/import", content=a_log_file(11), headers=bearer)
    workshop_id = answer.json()["workshop_id"]
    store = server.app.state.registry.store
    writer_free = threading.Event()
    store._writer.submit(writer_free.wait)  # the rooms' writes would queue behind this
    answered: list[str] = []
    # If a read did go through the writer, the test would fail (not hang): freed after a while.
    releaser = threading.Timer(30, writer_free.set)
    releaser.start()
    try:
        base = f"/api/library/workshops/{workshop_id}"
        for path in ("/api/library/workshops", f"{base}/replay", f"{base}/metrics", f"{base}/file"):
            assert server.http.get(path, headers=bearer).status_code == 200, path
            if not writer_free.is_set():
                answered.append(path)
        assert server.http.get(f"{base}/at/40", headers=bearer).status_code == 200
    finally:
        writer_free.set()
        releaser.cancel()
    assert len(answered) == 4


def test_the_facilitators_bare_log_imports_checked_by_the_rules(server: Server) -> None:
    """Every log this server gives out imports: GET .../log is bare JSON Lines, with no
    header, so the rules alone vouch for it, and the answer says so; the debrief's download
    is the log file, header and checksum included."""
    workshop = server.create_workshop(title="Bare log", maze={"seed": 5})
    token = {"Authorization": f"Bearer {workshop.token}"}
    with ExitStack() as stack:  # the phones stay: their leaving would add to the log
        console = server.facilitator(stack, workshop)
        server.join(stack, workshop.codes[0], "Ann")
        server.join(stack, workshop.codes[0], "Ben")
        console.send({"type": "start_learning"})
        console.expect("update")
        bare = server.http.get(f"/api/workshops/{workshop.id}/log", headers=token).text
        log_file = f"/api/workshops/{workshop.id}/export/log.jsonl"
        exported = server.http.get(log_file, headers=token)
        trainer = {"Authorization": "Bearer correct horse", **LOG_FILE}
        answer = server.http.post("/api/library/import", content=bare, headers=trainer)
    assert not bare.startswith('{"format"') and exported.text.startswith('{"format"')
    records = [json.loads(line) for line in exported.text.splitlines()[1:]]
    assert records == [json.loads(line) for line in bare.splitlines()]  # with a header
    assert answer.status_code == 200, answer.text  # run on this server: already held
    assert answer.json() == {
        "workshop_id": workshop.id,
        "already_in_library": True,
        "checksum": False,
    }
    lines = bare.splitlines(keepends=True)
    without_ben = "".join(lines[:2] + lines[3:])  # Ben's join, the third line, taken out
    refused = server.http.post("/api/library/import", content=without_ben, headers=trainer)
    assert refused.status_code == 422
    assert refused.json()["detail"]["line"] == 3, refused.text
