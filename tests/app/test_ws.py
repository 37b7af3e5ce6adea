"""The WebSocket protocol through the real app: a whole workshop, resuming, tabs, guard rails."""

from __future__ import annotations

import asyncio
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import pytest
from starlette.websockets import WebSocketDisconnect

from app.rooms import Client
from game.board import Square
from game.events import FORMAT_VERSION
from tests.app.helpers import (
    FOREIGN_ORIGIN,
    OWN_ORIGIN,
    Conn,
    Server,
    assert_keeps_secrets,
    assert_seq_discipline,
    events_of,
    path_of,
    wrong_entry,
    wrong_step,
)

ALLOWED_ORIGIN = "https://maze.example"
RESUME_LIMIT = 12
SERVER_CONFIG: dict[str, Any] = {
    # Every socket the tests open counts as a join attempt from the same address.
    "join_attempts_per_minute": 10_000,
    "token_attempts_per_minute": 10_000,
    "resume_limit": RESUME_LIMIT,
    "allowed_origins": (ALLOWED_ORIGIN,),
}
COLS, ROWS = 5, 5
MAZE = {"cols": COLS, "rows": ROWS, "seed": 11, "difficulty": "easy"}


def step(square: Square) -> dict[str, Any]:
    return {"type": "step", "row": square[0], "col": square[1]}


def types(message: dict[str, Any]) -> list[str]:
    return [event["type"] for event in message["events"]]


@dataclass
class Table:
    """Everyone connected to one team: each change reaches each of them as one update."""

    facilitator: Conn
    others: list[Conn] = field(default_factory=list)

    @property
    def everyone(self) -> list[Conn]:
        return [self.facilitator, *self.others]

    def hear(self) -> dict[str, Any]:
        """The next update, the same for everyone; the facilitator's copy."""
        updates = [conn.expect("update") for conn in self.everyone]
        assert len({u["seq"] for u in updates}) == 1, updates
        return updates[0]

    def join(self, server: Server, stack: ExitStack, code: str, name: str) -> Conn:
        """A new player joins: everyone already there hears of it, and it joins the table."""
        player = server.join(stack, code, name)
        update = self.hear()
        assert types(update) == ["player_joined"]
        assert update["events"][0]["player"] == player.player
        self.others.append(player)
        return player

    def act(self, sender: Conn, message: dict[str, Any]) -> dict[str, Any]:
        sender.send(message)
        return self.hear()

    def walk(self, walker: Conn, squares: list[Square]) -> dict[str, Any]:
        update: dict[str, Any] = {}
        for square in squares:
            update = self.act(walker, step(square))
        return update

    def assert_unchanged_since(self, seq: int) -> None:
        """Nobody heard of any change: each connection's next message is the answer to a ping."""
        for conn in self.everyone:
            conn.send({"type": "ping"})
            assert conn.expect("pong")["seq"] == seq


SECRET_EVENT_FIELDS = {"stepped": ("safe",), "beeped": ("kind", "on_path", "came_from")}


def public(record: dict[str, Any]) -> dict[str, Any]:
    """A facilitator's event record as participants may hear of it."""
    hidden = {"v", *SECRET_EVENT_FIELDS.get(record["type"], ())}
    return {k: v for k, v in record.items() if k not in hidden}


def test_a_whole_workshop(server: Server) -> None:
    workshop = server.create_workshop(title="Whole", maze=MAZE, rules={"planning_s": 120})
    code = workshop.codes[0]
    with ExitStack() as stack:
        facilitator = server.facilitator(stack, workshop)
        path = path_of(facilitator.received[0]["view"])
        table = Table(facilitator, [server.screen(stack, code)])
        for name in ("Ann", "Bob", "Cy"):
            table.join(server, stack, code, name)
        screen, ann, bob, cy = table.others
        names = [p["name"] for p in cy.received[0]["view"]["team"]["players"]]
        assert names == ["Ann", "Bob", "Cy"]

        # lobby, planning, learning
        ann.send(step(path[0]))
        ann.expect_error("not_playing")
        assert types(table.act(facilitator, {"type": "start_planning"})) == ["planning_started"]
        assert screen.received[-1]["view"]["team"]["phase"] == "planning"
        update = table.act(facilitator, {"type": "start_learning"})
        assert types(update) == ["learning_started", "turn_began"]
        assert update["events"][1]["player"] == ann.player
        assert ann.received[-1]["view"]["you"]["your_turn"] is True
        assert bob.received[-1]["view"]["you"]["turns_until_yours"] == 1
        assert cy.received[-1]["view"]["you"]["turns_until_yours"] == 2
        bob.send(step(path[0]))
        bob.expect_error("not_your_turn")

        # Ann finds the entry, then beeps; Bob beeps at once; Cy crosses
        table.act(ann, step(path[0]))
        update = table.act(ann, step(wrong_step(path, 0, COLS, ROWS)))
        assert types(update) == ["beeped", "turn_began"]
        assert update["events"][0]["kind"] == "new"
        assert update["events"][1]["player"] == bob.player
        assert ann.received[-1]["events"][0]["retrace"] == [list(path[0])]
        update = table.act(bob, step(wrong_entry(path, COLS)))
        assert types(update) == ["beeped", "turn_began"]
        assert update["events"][1]["player"] == cy.player
        assert screen.received[-1]["view"]["team"]["failures"] == 2
        update = table.walk(cy, path)
        assert types(update) == ["stepped", "crossed", "learning_ended"]
        assert update["view"]["teams"][0]["phase"] == "review"

        # prediction and execution: Ann errs once and starts again; then everyone crosses
        assert types(table.act(facilitator, {"type": "predict", "seconds": 90})) == [
            "prediction_entered"
        ]
        update = table.act(facilitator, {"type": "start_execution"})
        assert types(update) == ["execution_started", "turn_began"]
        table.act(ann, step(path[0]))
        update = table.act(ann, step(wrong_step(path, 0, COLS, ROWS)))
        assert types(update) == ["beeped"]
        assert (update["events"][0]["kind"], update["events"][0]["penalty_s"]) == ("execution", 60)
        assert ann.received[-1]["view"]["you"]["your_turn"] is True
        assert types(table.walk(ann, path)) == ["stepped", "crossed", "turn_began"]
        assert types(table.walk(bob, path)) == ["stepped", "crossed", "turn_began"]
        update = table.walk(cy, path)
        assert types(update) == ["stepped", "crossed", "execution_ended"]
        assert update["events"][-1]["complete"] is True
        team = screen.received[-1]["view"]["team"]
        assert (team["phase"], team["execution_errors"], team["prediction_s"]) == ("done", 1, 90)

        update = table.act(facilitator, {"type": "end"})
        assert types(update) == ["session_ended"]
        assert all(conn.received[-1]["view"]["session"]["ended"] for conn in table.everyone)

    for conn in table.everyone:
        assert_seq_discipline(conn.received)
        assert conn.last_seq == facilitator.last_seq
    records = list(events_of(facilitator.received))
    assert "path" in facilitator.received[0]["view"]["teams"][0]  # the check below can fail
    for conn in table.others:
        tokens = [workshop.token] + [p.seat_token for p in (ann, bob, cy) if p is not conn]
        assert_keeps_secrets(conn, [t for t in tokens if t])
        # exactly the facilitator's events from the moment it came in, minus the secrets
        first = conn.received[0]["seq"]
        assert list(events_of(conn.received)) == [public(r) for r in records if r["seq"] > first]


def test_a_player_who_drops_mid_turn_resumes_where_they_were(server: Server) -> None:
    workshop = server.create_workshop(maze=MAZE)
    code = workshop.codes[0]
    with ExitStack() as stack:
        facilitator = server.facilitator(stack, workshop)
        path = path_of(facilitator.received[0]["view"])
        table = Table(facilitator)
        for name in ("Ann", "Bob"):
            table.join(server, stack, code, name)
        ann, bob = table.others
        table.act(facilitator, {"type": "start_learning"})
        table.act(ann, step(path[0]))
        seen = ann.last_seq

        ann.drop()
        rest = Table(facilitator, [bob])
        update = rest.hear()
        assert types(update) == ["player_presence"]
        assert update["events"][0]["connected"] is False
        bob.send(step(path[0]))
        bob.expect_error("not_your_turn")
        rest.act(facilitator, {"type": "penalty", "kind": "talking"})
        recorded = facilitator.last_seq
        rest.act(facilitator, {"type": "penalty", "kind": "pointing"})
        rest.act(facilitator, {"type": "withdraw_penalty", "penalty": recorded})
        rest.act(facilitator, {"type": "pause"})
        rest.act(facilitator, {"type": "resume"})

        back = server.connect(stack, f"/ws/play/{code}")
        back.send({"type": "resume", "seat_token": ann.seat_token, "last_seq": seen})
        resumed = back.expect("resumed")
        assert resumed["player"] == ann.player
        assert resumed["seq"] == facilitator.last_seq
        assert [e["seq"] for e in resumed["events"]] == list(range(seen + 1, resumed["seq"] + 1))
        assert types(resumed) == [
            "player_presence",
            "penalty_recorded",
            "penalty_recorded",
            "penalty_withdrawn",
            "paused",
            "resumed",
        ]
        assert [p["kind"] for p in resumed["view"]["team"]["penalties"]] == ["pointing"]
        view = resumed["view"]
        assert view["you"]["id"] == ann.player and view["you"]["your_turn"] is True
        assert view["team"]["walkers"][0]["trail"] == [list(path[0])]

        table = Table(facilitator, [back, bob])
        update = table.hear()
        assert types(update) == ["player_presence"]
        assert update["events"][0]["connected"] is True
        assert types(table.act(back, step(path[1]))) == ["stepped"]
        assert_seq_discipline(back.received)


def test_a_client_far_behind_gets_a_snapshot(server: Server) -> None:
    workshop = server.create_workshop(maze=MAZE)
    code = workshop.codes[0]
    with ExitStack() as stack:
        facilitator = server.facilitator(stack, workshop)
        table = Table(facilitator)
        bob = table.join(server, stack, code, "Bob")
        locked = False
        while facilitator.last_seq <= RESUME_LIMIT + 1:
            locked = not locked
            table.act(facilitator, {"type": "lock", "locked": locked})
        now = facilitator.last_seq

        for last_seq in (1, now + 50):  # too long ago; not yet
            tab = server.connect(stack, f"/ws/play/{code}")
            tab.send({"type": "resume", "seat_token": bob.seat_token, "last_seq": last_seq})
            snapshot = tab.expect("snapshot")
            assert (snapshot["seq"], snapshot["player"]) == (now, bob.player)
            assert snapshot["view"]["you"]["id"] == bob.player
            assert snapshot["view"]["team"]["locked"] is locked

        tab = server.connect(stack, f"/ws/play/{code}")
        tab.send({"type": "resume", "seat_token": bob.seat_token, "last_seq": now - 2})
        assert [e["seq"] for e in tab.expect("resumed")["events"]] == [now - 1, now]

        screen = server.connect(stack, f"/ws/screen/{code}")
        screen.expect("snapshot")
        screen.send({"type": "resume", "last_seq": 0})
        assert screen.expect("snapshot")["seq"] == now
        screen.send({"type": "resume", "last_seq": now - 1})
        assert [e["seq"] for e in screen.expect("resumed")["events"]] == [now]

        console = server.connect(stack, f"/ws/facilitate/{workshop.id}")
        console.send({"type": "auth", "token": workshop.token, "last_seq": now - 1})
        [record] = console.expect("resumed")["events"]
        assert (record["seq"], record["type"], record["v"]) == (now, "team_locked", FORMAT_VERSION)


def test_a_bad_seat_token_is_refused(server: Server) -> None:
    mine = server.create_workshop()
    other = server.create_workshop()
    with ExitStack() as stack:
        facilitator = server.facilitator(stack, mine)
        elsewhere = server.join(stack, other.codes[0], "Ann")
        for token in ("not-a-seat", elsewhere.seat_token):
            stranger = server.connect(stack, f"/ws/play/{mine.codes[0]}")
            stranger.send({"type": "resume", "seat_token": token, "last_seq": 0})
            stranger.expect_error("unknown_seat")
            stranger.send(step((0, 0)))
            stranger.expect_error("no_seat")
        Table(facilitator).assert_unchanged_since(1)


def test_a_newer_tab_takes_the_seat(server: Server) -> None:
    workshop = server.create_workshop(maze=MAZE)
    code = workshop.codes[0]
    with ExitStack() as stack:
        facilitator = server.facilitator(stack, workshop)
        path = path_of(facilitator.received[0]["view"])
        first = server.join(stack, code, "Ann")
        facilitator.expect("update")

        second = server.connect(stack, f"/ws/play/{code}")
        second.send({"type": "resume", "seat_token": first.seat_token, "last_seq": first.last_seq})
        resumed = second.expect("resumed")
        assert (resumed["player"], resumed["events"]) == (first.player, [])
        first.expect_error("replaced")
        assert first.expect_close() == 4001

        first.drop()  # the old tab going away does not mark the seat as away
        assert facilitator.is_quiet(0.2)
        table = Table(facilitator, [second])
        table.act(facilitator, {"type": "start_learning"})
        assert second.received[-1]["view"]["you"]["your_turn"] is True
        assert types(table.act(second, step(path[0]))) == ["stepped"]
        assert facilitator.received[-1]["view"]["teams"][0]["players"][0]["connected"] is True


def test_kick_closes_the_socket_and_ban_keeps_the_seat_out(server: Server) -> None:
    workshop = server.create_workshop(maze=MAZE)
    code = workshop.codes[0]
    with ExitStack() as stack:
        facilitator = server.facilitator(stack, workshop)
        table = Table(facilitator)
        for name in ("Ann", "Bob"):
            table.join(server, stack, code, name)
        ann, bob = table.others

        facilitator.send({"type": "kick", "player": ann.player})
        assert ann.expect_close() == 4003
        told = ann.received[-1]
        assert types(told) == ["player_removed"] and told["view"]["you"] is None
        table.others.remove(ann)
        update = table.hear()
        assert update["events"][0]["reason"] == "kicked"

        again = table.join(server, stack, code, "Ann")
        assert again.player != ann.player
        gone = server.connect(stack, f"/ws/play/{code}")
        gone.send({"type": "resume", "seat_token": ann.seat_token, "last_seq": 0})
        gone.expect_error("seat_gone")

        facilitator.send({"type": "ban", "player": bob.player})
        assert bob.expect_close() == 4003
        table.others = [again]
        assert table.hear()["events"][0]["reason"] == "banned"
        back = server.connect(stack, f"/ws/play/{code}")
        back.send({"type": "resume", "seat_token": bob.seat_token, "last_seq": 0})
        back.expect_error("banned")
        table.assert_unchanged_since(facilitator.last_seq)


# --- guard rails -----------------------------------------------------------------------


def test_only_our_own_and_allowed_origins_may_open_sockets(server: Server) -> None:
    workshop = server.create_workshop()
    code = workshop.codes[0]
    paths = [f"/ws/play/{code}", f"/ws/screen/{code}", f"/ws/facilitate/{workshop.id}"]
    for path in paths:
        for origin in (FOREIGN_ORIGIN, "http://testserver.example", "null"):
            with (
                pytest.raises(WebSocketDisconnect) as refused,
                server.http.websocket_connect(path, headers={"origin": origin}),
            ):
                pass
            assert refused.value.code == 1008
    with ExitStack() as stack:
        for origin in (OWN_ORIGIN, ALLOWED_ORIGIN, f"{ALLOWED_ORIGIN}/"):
            server.connect(stack, paths[1], origin=origin).expect("snapshot")
            facilitator = server.connect(stack, paths[2], origin=origin)
            facilitator.send({"type": "auth", "token": workshop.token})
            facilitator.expect("welcome")


@pytest.mark.parametrize("audience", ["participant", "screen", "facilitator"])
def test_a_message_over_the_size_limit_closes_the_socket(server: Server, audience: str) -> None:
    workshop = server.create_workshop()
    limit = server.config.max_message_bytes
    assert limit == 64 * 1024
    with ExitStack() as stack:
        if audience == "participant":
            conn = server.join(stack, workshop.codes[0], "Ann")
        elif audience == "screen":
            conn = server.screen(stack, workshop.codes[0])
        else:
            conn = server.facilitator(stack, workshop)
        conn.send("x" * limit)  # at the limit: read, and refused as not JSON
        conn.expect_error("bad_message")
        conn.send({"type": "ping", "pad": "x" * limit})
        assert conn.expect_close() == 1009


def test_a_flood_is_rate_limited_and_the_room_keeps_working(server: Server) -> None:
    workshop = server.create_workshop(maze=MAZE)
    code = workshop.codes[0]
    rate = server.config.messages_per_second
    with ExitStack() as stack:
        facilitator = server.facilitator(stack, workshop)
        table = Table(facilitator)
        for name in ("Ann", "Bob"):
            table.join(server, stack, code, name)
        ann = table.others[0]
        flood = 1_000  # far more than the send queue holds
        assert flood > 2 * server.config.send_queue_size
        began = time.monotonic()
        for _ in range(flood):
            ann.send({"type": "ping"})
        replies: list[dict[str, Any]] = []
        while True:
            try:
                replies.append(ann.recv(timeout=0.5))
            except TimeoutError:
                break
        took = time.monotonic() - began
        assert ann.close_code is None
        refused = [r for r in replies if r["type"] == "error"]
        pongs = [r for r in replies if r["type"] == "pong"]
        assert len(refused) + len(pongs) == len(replies), replies
        assert {r["code"] for r in refused} == {"rate_limited"}
        assert 1 <= len(refused) <= took + 1  # at most one answer a second
        assert rate * 2 - 1 <= len(pongs) <= rate * 2 + rate * took + 1  # the burst, then the rate

        ann.send({"type": "ping"})  # still connected, and heard again once it slows down
        ann.expect("pong")
        update = table.act(facilitator, {"type": "start_learning"})
        assert types(update) == ["learning_started", "turn_began"]
        for conn in table.others:
            assert conn.received[-1]["events"] == [public(e) for e in update["events"]]


# JSON that Python's json module cannot read: nested too deep, an integer too long.
TOO_DEEP = "[" * 60_000
TOO_LONG = '{"type": "step", "row": ' + "1" * 5_000 + ', "col": 0}'
PARTICIPANT_NONSENSE: list[tuple[str | dict[str, Any], str]] = [
    ("not json", "bad_message"),
    (TOO_DEEP, "bad_message"),
    ('{"type": "ping", "x": ' + "[" * 30_000 + "]" * 30_000 + "}", "bad_message"),
    (TOO_LONG, "bad_message"),
    ("1" * 5_000, "bad_message"),
    ("[1, 2]", "bad_message"),
    ('"step"', "bad_message"),
    ({"kind": "step"}, "bad_message"),
    ({"type": 5}, "bad_message"),
    ({"type": "fly"}, "bad_message"),
    ({"type": "step"}, "bad_message"),
    ({"type": "step", "row": "0", "col": 0}, "bad_message"),
    ({"type": "step", "row": 0, "col": 1.5}, "bad_message"),
    ({"type": "step", "row": True, "col": 0}, "bad_message"),
    ({"type": "step", "row": -1, "col": 0}, "bad_message"),
    ({"type": "step", "row": 0, "col": 0, "speed": 2}, "bad_message"),
    ({"type": "step", "row": 99, "col": 0}, "off_board"),
    ({"type": "step", "row": 0, "col": COLS}, "off_board"),
    ({"type": "step", "row": 2, "col": 0}, "enter_first_row"),
    ({"type": "retrace", "row": 0, "col": 0}, "not_retracing"),
    ({"type": "join", "name": "Ann again"}, "already_joined"),
    ({"type": "resume", "seat_token": ""}, "bad_message"),
    ({"type": "start_learning"}, "bad_message"),
    ({"type": "kick", "player": "x"}, "bad_message"),
    ({"type": "auth", "token": "x"}, "bad_message"),
]
NICKNAME_NONSENSE: list[tuple[Any, str]] = [
    ("", "bad_name"),
    ("   ", "bad_name"),
    ("x" * 21, "bad_name"),
    ("x" * 101, "bad_message"),
    ("in\u200bvisible", "bad_name"),
    ("b\u0007ell", "bad_name"),
    ("  ann ", "name_taken"),
    (7, "bad_message"),
]


def test_nonsense_is_answered_with_an_error_and_changes_nothing(server: Server) -> None:
    workshop = server.create_workshop(maze=MAZE)
    code = workshop.codes[0]
    room = server.room(workshop.id)
    with ExitStack() as stack:
        facilitator = server.facilitator(stack, workshop)
        table = Table(facilitator)
        for name in ("Ann", "Bob"):
            table.join(server, stack, code, name)
        ann, bob = table.others
        table.others.append(server.screen(stack, code))
        screen = table.others[-1]
        table.act(facilitator, {"type": "start_learning"})  # Ann's turn
        before = facilitator.last_seq
        facilitator_nonsense: list[tuple[str | dict[str, Any], str]] = [
            (TOO_DEEP, "bad_message"),
            ('{"type": "predict", "seconds": ' + "9" * 5_000 + "}", "bad_message"),
            ({"type": "fly"}, "bad_message"),
            ({"type": "kick"}, "bad_message"),
            ({"type": "predict", "seconds": "10"}, "bad_message"),
            ({"type": "huddle", "seconds": 0}, "bad_message"),
            ({"type": "auth", "token": workshop.token}, "already_authenticated"),
            ({"type": "penalty", "kind": "talking", "team": "t9"}, "no_team"),
            ({"type": "penalty", "kind": "shouting"}, "bad_penalty"),
            ({"type": "withdraw_penalty", "penalty": 999}, "no_penalty"),
            ({"type": "withdraw_penalty", "penalty": "1"}, "bad_message"),
            ({"type": "withdraw_penalty"}, "bad_message"),
            ({"type": "predict", "seconds": 0}, "bad_prediction"),
            ({"type": "kick", "player": "nobody"}, "no_player"),
            ({"type": "reorder", "order": [bob.player, ann.player]}, "order_fixed"),
            ({"type": "start_execution"}, "wrong_phase"),
            ({"type": "resume"}, "not_paused"),
            ({"type": "end_huddle"}, "no_huddle"),
        ]
        cases: list[tuple[Conn, str | dict[str, Any], str]] = [
            *((ann, message, code) for message, code in PARTICIPANT_NONSENSE),
            (bob, step((0, 0)), "not_your_turn"),
            (bob, {"type": "retrace", "row": 0, "col": 0}, "not_your_turn"),
            (screen, step((0, 0)), "bad_message"),
            (screen, "{", "bad_message"),
            (screen, TOO_DEEP, "bad_message"),
            (screen, '{"type": "resume", "last_seq": ' + "1" * 5_000 + "}", "bad_message"),
            *((facilitator, message, code) for message, code in facilitator_nonsense),
        ]
        for sender, message, error in cases:
            sender.send(message)
            sender.expect_error(error)
            assert room.seq == before, message
        for name, error in NICKNAME_NONSENSE:
            newcomer = server.connect(stack, f"/ws/play/{code}")
            newcomer.send({"type": "join", "name": name})
            newcomer.expect_error(error)
            assert room.seq == before, name
        table.assert_unchanged_since(before)


def test_a_refused_join_leaves_no_seat(server: Server) -> None:
    workshop = server.create_workshop(maze=MAZE)
    code = workshop.codes[0]
    store = server.registry.store
    with ExitStack() as stack:
        facilitator = server.facilitator(stack, workshop)
        ann = Table(facilitator).join(server, stack, code, "Ann")
        before = facilitator.last_seq
        refusals = [("", "bad_name"), ("x" * 21, "bad_name"), ("ANN", "name_taken")]
        newcomer = server.connect(stack, f"/ws/play/{code}")
        for n in range(30):
            name, error = refusals[n % len(refusals)]
            newcomer.send({"type": "join", "name": name})
            newcomer.expect_error(error)
        assert [seat.player_id for seat in store.seats(workshop.id)] == [ann.player]
        Table(facilitator, [ann]).assert_unchanged_since(before)

        newcomer.send({"type": "join", "name": "Bob"})  # an accepted join keeps its seat
        bob = newcomer.expect("welcome")
        assert sorted(seat.player_id for seat in store.seats(workshop.id)) == sorted(
            [ann.player, bob["player"]]
        )


def test_the_facilitator_must_sign_in_with_the_workshops_token(server: Server) -> None:
    workshop = server.create_workshop()
    other = server.create_workshop()
    attempts: list[tuple[str, str | dict[str, Any]]] = [
        (workshop.id, {"type": "start_learning"}),
        (workshop.id, {"type": "auth", "token": "wrong"}),
        (workshop.id, {"type": "auth", "token": other.token}),
        (workshop.id, "not json"),
        (workshop.id, TOO_DEEP),  # before signing in, any other first message is refused
        (workshop.id, '{"type": "auth", "token": "x", "last_seq": ' + "1" * 5_000 + "}"),
    ]
    with ExitStack() as stack:
        for workshop_id, first in attempts:
            conn = server.connect(stack, f"/ws/facilitate/{workshop_id}")
            conn.send(first)
            conn.expect_error("unauthorised")
            assert conn.expect_close() == 4401
        unknown = server.connect(stack, "/ws/facilitate/nosuchworkshop")
        unknown.send({"type": "auth", "token": workshop.token})
        unknown.expect_error("no_such_workshop")
        assert unknown.expect_close() == 4404
        facilitator = server.facilitator(stack, workshop)
        welcome = facilitator.received[0]
        assert welcome["seq"] == 1 and welcome["view"]["teams"][0]["phase"] == "lobby"
        # this test server answers on 127.0.0.1: the console must warn that phones cannot
        assert welcome["phones_can_reach"] is False
        assert welcome["join"][0]["join_url"].startswith("http://127.0.0.1:")


@pytest.mark.parametrize("endpoint", ["play", "screen"])
def test_an_unknown_join_code_is_refused(server: Server, endpoint: str) -> None:
    with ExitStack() as stack:
        for code in ("ZZZZZZ", "!!!"):
            conn = server.connect(stack, f"/ws/{endpoint}/{code}")
            conn.expect_error("no_such_team")
            assert conn.expect_close() == 4404


def test_commands_must_name_one_of_several_teams(server: Server) -> None:
    workshop = server.create_workshop(teams=2)
    with ExitStack() as stack:
        facilitator = server.facilitator(stack, workshop)
        refusals: list[tuple[dict[str, Any], str]] = [
            ({"type": "lock", "locked": True}, "team_required"),
            ({"type": "lock", "locked": True, "team": "t9"}, "no_team"),
            ({"type": "start_learning", "team": "t2"}, "no_players"),
        ]
        for message, error in refusals:
            facilitator.send(message)
            facilitator.expect_error(error)
        Table(facilitator).assert_unchanged_since(1)
        update = Table(facilitator).act(facilitator, {"type": "lock", "locked": True, "team": "t2"})
        assert update["events"][0]["team"] == "t2"


def test_a_client_that_falls_behind_is_dropped_and_the_rest_go_on(server: Server) -> None:
    workshop = server.create_workshop(maze=MAZE)
    code, team = workshop.codes[0], workshop.team_ids[0]
    room = server.room(workshop.id)
    with ExitStack() as stack:
        facilitator = server.facilitator(stack, workshop)
        table = Table(facilitator, [server.screen(stack, code)])
        for name in ("Ann", "Bob"):
            table.join(server, stack, code, name)
        ann = table.others[1]

        # a big screen that never reads: its queue holds one message
        stuck = Client("screen", team, queue=asyncio.Queue(1))
        server.call(room.add, stuck)
        table.act(facilitator, {"type": "lock", "locked": True})
        assert stuck.close_code is None
        table.act(facilitator, {"type": "lock", "locked": False})
        assert stuck.close_code == 4008

        # a phone that gets more at once than its queue holds
        assert ann.player is not None
        [phone] = room.seat_clients(team, ann.player)
        seen = ann.last_seq

        def burst() -> None:
            for _ in range(server.config.send_queue_size + 1):
                phone.send_text('{"type":"heartbeat","seq":0}')

        server.call(burst)
        assert ann.expect_close() == 4008
        table.others.remove(ann)
        assert types(table.act(facilitator, {"type": "lock", "locked": True})) == ["team_locked"]

        back = server.connect(stack, f"/ws/play/{code}")
        back.send({"type": "resume", "seat_token": ann.seat_token, "last_seq": seen})
        assert [e["seq"] for e in back.expect("resumed")["events"]] == [seen + 1]
