"""A stateful test of one room through the real app: phones of two teams, a big screen and the
facilitator send random commands, valid and not, and after every step the room's state is the
fold of its log; at the end of each run the log replays (`game.replay.verify`) to the room's
state, the store holds exactly the room's log, and every event a client was told of is in the
store as it was told.
"""

from __future__ import annotations

from collections import Counter
from contextlib import ExitStack, suppress
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from game.board import neighbours
from game.events import to_record
from game.projections import facilitator_view, public_event, screen_view
from game.replay import verify
from game.state import fold
from tests.app.documented import error_codes, recording_logs
from tests.app.helpers import Closed, Conn, Server

T = TypeVar("T")
SERVER_CONFIG: dict[str, Any] = {
    "join_attempts_per_minute": 1_000_000,
    "token_attempts_per_minute": 1_000_000,
    "workshops_per_hour": 1_000_000,
    "messages_per_second": 1000.0,
}
MAZE = {"cols": 4, "rows": 4, "path": [[0, 1], [1, 1], [2, 2], [3, 2]]}
# No timer may fire during a run (planning, huddles and idle walkers take longer than one):
# then the same commands give the same room, as hypothesis needs to replay and shrink a run.
RULES = {"planning_s": 300, "huddle_budget_s": 120, "max_walkers": 2, "idle_timeout_s": 600}
TEAMS = ("t1", "t2")
NAMES = ("Ann", "Bob", "Cy", "Dee", "ann", "", "x" * 21, "Eve\u200b")
ERROR_CODES = frozenset(error_codes())
REACHED: Counter[str] = Counter()  # how many runs had each type of event
GARBAGE = (
    "not json",
    '{"type": "fly"}',
    '{"type": "step", "row": "0", "col": 0}',
    '{"type": "lock", "locked": "yes"}',
    '{"type": "huddle", "seconds": true}',
    '{"type": "ping", "extra": 1}',
    '{"type": "predict", "seconds": 1.5}',
    "[" * 5000,
)


@dataclass
class Phone:
    team: str
    name: str
    player: str
    seat: str
    conn: Conn | None  # None while away


def pick(data: st.DataObject, items: list[T]) -> T:
    """One of `items`, drawn the same way whatever they are (they come from the live room:
    hypothesis must see the same draws when it replays a run)."""
    return items[data.draw(st.integers(0, 255)) % len(items)]


def settle(conn: Conn) -> list[dict[str, Any]]:
    """Everything `conn` received until the answer to a ping: what its last message caused.
    Every error in it must be a documented one, and none a server error."""
    conn.send({"type": "ping"})
    seen: list[dict[str, Any]] = []
    while (message := conn.recv())["type"] != "pong":
        seen.append(message)
        if message["type"] == "error":
            assert message["code"] in ERROR_CODES, message
            assert message["code"] != "server_error", message
    return seen


class RoomMachine(RuleBasedStateMachine):
    server: ClassVar[Server]

    def __init__(self) -> None:
        super().__init__()
        server = self.server
        self.stack = ExitStack()
        self.workshop = server.create_workshop(teams=2, maze=MAZE, rules=RULES)
        self.console = server.facilitator(self.stack, self.workshop)
        self.screen = server.screen(self.stack, self.workshop.codes[0])
        self.listeners: list[Conn] = [self.console, self.screen]  # every connection ever
        self.phones: list[Phone] = []
        self.penalties: list[int] = [1]  # seqs of penalty_recorded events, and a wrong one
        for team, names in zip(TEAMS, (("Ann", "Bob"), ("Cy", "Dee")), strict=True):
            for name in names:
                self.join(team, name, 0)

    # --- helpers ----------------------------------------------------------------------

    @property
    def room(self) -> Any:
        return self.server.room(self.workshop.id)

    def connect(self, team: str) -> Conn:
        code = self.workshop.codes[TEAMS.index(team)]
        conn = self.server.connect(self.stack, f"/ws/play/{code}")
        self.listeners.append(conn)
        return conn

    def send(self, conn: Conn, message: dict[str, Any] | str) -> list[dict[str, Any]]:
        conn.send(message)
        try:
            return settle(conn)
        except Closed as closed:
            assert closed.code in (4003, 4001), closed  # removed, or the seat taken over
            for phone in self.phones:
                if phone.conn is conn:
                    phone.conn = None
            return []

    def present(self) -> list[Phone]:
        return [p for p in self.phones if p.conn is not None]

    def in_team(self, phone: Phone) -> bool:
        return phone.player in self.room.state.teams[phone.team].players

    # --- phones -----------------------------------------------------------------------

    @rule(team=st.sampled_from(TEAMS), name=st.sampled_from(NAMES), n=st.integers(0, 3))
    def join(self, team: str, name: str, n: int) -> None:
        conn = self.connect(team)
        answer = self.send(conn, {"type": "join", "name": f"{name}{n}" if name else name})
        welcome = next((m for m in answer if m["type"] == "welcome"), None)
        if welcome is None:
            assert answer and answer[0]["type"] == "error", answer
            return
        name = welcome["view"]["you"]["name"]
        self.phones.append(Phone(team, name, welcome["player"], welcome["seat_token"], conn))

    @precondition(lambda self: self.present())
    @rule(data=st.data())
    def step(self, data: st.DataObject) -> None:
        """A phone taps a square: mostly a walker, mostly the next square of the path."""
        state = self.room.state
        walkers = [p for p in self.present() if p.player in state.teams[p.team].walks]
        phone = pick(data, walkers or self.present())
        team = state.teams[phone.team]
        maze = team.maze
        walk = team.walks.get(phone.player)
        position = walk.position if walk is not None else -1
        here = walk.square if walk is not None else None
        way = data.draw(st.sampled_from(["next", "next", "next", "around", "anywhere"]))
        if way == "next" and position + 1 < len(maze.path):
            square = maze.path[position + 1]
        elif way == "around" and here is not None:
            square = pick(data, neighbours(here, maze.cols, maze.rows, diagonal=True))
        else:
            square = (data.draw(st.integers(0, maze.rows)), data.draw(st.integers(0, maze.cols)))
        kind = data.draw(st.sampled_from(["step"] * 5 + ["retrace"]))
        assert phone.conn is not None
        self.send(phone.conn, {"type": kind, "row": square[0], "col": square[1]})

    def walkers(self) -> list[Phone]:
        teams = self.room.state.teams
        return [p for p in self.present() if p.player in teams[p.team].walks]

    @precondition(lambda self: self.walkers())
    @rule(data=st.data(), steps=st.integers(1, 4))
    def walk_on(self, data: st.DataObject, steps: int) -> None:
        """A walker who knows the way takes a few steps along the path."""
        phone = pick(data, self.walkers())
        for _ in range(steps):
            team = self.room.state.teams[phone.team]
            walk = team.walks.get(phone.player)
            if walk is None or walk.position + 1 >= len(team.maze.path) or phone.conn is None:
                return
            row, col = team.maze.path[walk.position + 1]
            self.send(phone.conn, {"type": "step", "row": row, "col": col})

    @precondition(lambda self: self.present())
    @rule(data=st.data())
    def go_away(self, data: st.DataObject) -> None:
        """A phone's socket closes (a locked screen, a lost network)."""
        phone = pick(data, self.present())
        assert phone.conn is not None
        phone.conn.close()
        phone.conn = None
        settle(self.console)  # the room has heard of it (player_presence)

    @precondition(lambda self: any(p.conn is None for p in self.phones))
    @rule(data=st.data(), last_seq=st.integers(0, 3))
    def come_back(self, data: st.DataObject, last_seq: int) -> None:
        phone = pick(data, [p for p in self.phones if p.conn is None])
        conn = self.connect(phone.team)
        answer = self.send(conn, {"type": "resume", "seat_token": phone.seat, "last_seq": last_seq})
        kinds = [m["type"] for m in answer]
        if self.in_team(phone):
            assert kinds[0] in ("resumed", "snapshot"), answer
            phone.conn = conn
        else:
            assert answer[0]["code"] in ("seat_gone", "banned"), answer

    @precondition(lambda self: self.present())
    @rule(data=st.data())
    def leave(self, data: st.DataObject) -> None:
        phone = pick(data, self.present())
        assert phone.conn is not None
        self.send(phone.conn, {"type": "leave"})

    @rule(text=st.sampled_from(GARBAGE), who=st.sampled_from(["phone", "screen", "console"]))
    def garbage(self, text: str, who: str) -> None:
        """Nonsense from anyone: answered bad_message (and only that)."""
        conn = {"screen": self.screen, "console": self.console}.get(who)
        if conn is None:
            conn = self.present()[0].conn if self.present() else self.connect("t1")
        assert conn is not None
        answer = self.send(conn, text)
        assert [m.get("code") for m in answer if m["type"] == "error"] == ["bad_message"]

    @rule(last_seq=st.integers(0, 40))
    def screen_resumes(self, last_seq: int) -> None:
        answer = self.send(self.screen, {"type": "resume", "last_seq": last_seq})
        assert {"resumed", "snapshot"} & {m["type"] for m in answer}, answer

    # --- the facilitator ----------------------------------------------------------------

    @rule(
        data=st.data(),
        kind=st.sampled_from(
            [
                "start_planning",
                "start_learning",
                "start_learning",
                "start_learning",
                "end_phase",
                "start_execution",
                "start_execution",
                "pause",
                "resume",
                "huddle",
                "end_huddle",
                "penalty",
                "withdraw_penalty",
                "skip_turn",
                "shuffle",
                "reorder",
                "lock",
                "rename",
                "kick",
                "ban",
                "predict",
            ]
        ),
        team=st.sampled_from([*TEAMS, *TEAMS, None, "t3"]),
    )
    def command(self, data: st.DataObject, kind: str, team: str | None) -> None:
        message: dict[str, Any] = {"type": kind}
        if team is not None:
            message["team"] = team
        players = [p.player for p in self.phones if p.team == team] or ["pnobody"]
        if kind == "huddle":
            message["seconds"] = data.draw(st.sampled_from([None, 30, 45.5, 600]))
        elif kind == "penalty":
            message["kind"] = data.draw(st.sampled_from(["talking", "pointing", "shouting"]))
        elif kind == "withdraw_penalty":
            message["penalty"] = pick(data, self.penalties)
        elif kind in ("skip_turn", "kick", "ban", "rename"):
            message["player"] = pick(data, players)
            if kind == "rename":
                message["name"] = data.draw(st.sampled_from(NAMES))
        elif kind == "reorder":
            message["order"] = data.draw(st.permutations(players))
        elif kind == "lock":
            message["locked"] = data.draw(st.booleans())
        elif kind == "predict":
            message["seconds"] = data.draw(st.sampled_from([0, 1, 90, 3601]))
        answer = self.send(self.console, message)
        for update in answer:
            for record in update.get("events", []):
                if record["type"] == "penalty_recorded":
                    self.penalties.append(record["seq"])

    def waiting(self, phases: tuple[str, ...]) -> list[str]:
        """Teams in one of `phases` with players."""
        teams = self.room.state.teams.values()
        return [t.id for t in teams if t.phase in phases and t.players]

    @precondition(lambda self: self.waiting(("lobby", "planning", "review")))
    @rule(data=st.data())
    def move_on(self, data: st.DataObject) -> None:
        """The facilitator moves a team on: the commands above rarely hit the right moment."""
        team = pick(data, self.waiting(("lobby", "planning", "review")))
        phase = self.room.state.teams[team].phase
        kind = "start_execution" if phase == "review" else "start_learning"
        self.send(self.console, {"type": kind, "team": team})

    @precondition(lambda self: len(self.room.log) > 40)
    @rule()
    def end(self) -> None:
        self.send(self.console, {"type": "end"})

    # --- what must hold -------------------------------------------------------------------

    @invariant()
    def the_state_is_the_fold_of_the_log(self) -> None:
        def compare() -> tuple[Any, Any]:
            room = self.room
            return facilitator_view(fold(room.log)), facilitator_view(room.state)

        replayed, live = self.server.call(compare)
        assert replayed == live

    def teardown(self) -> None:
        try:
            self.check_the_log()
        finally:
            self.stack.close()

    def check_the_log(self) -> None:
        server = self.server
        for conn in self.listeners:
            if conn.close_code is None and conn._open:
                with suppress(Closed):
                    settle(conn)
        room = self.room
        stored = server.registry.store.events(self.workshop.id)
        REACHED.update({e.type for e in stored})
        REACHED["runs"] += 1
        REACHED["events"] += len(stored)
        log = list(room.log)
        assert stored == log
        assert facilitator_view(verify(stored)) == facilitator_view(room.state)
        records = {event.seq: to_record(event) for event in stored}
        public = {event.seq: public_event(event) for event in stored}
        for conn in self.listeners:
            told = [
                e for m in conn.received if m["type"] in ("update", "resumed") for e in m["events"]
            ]
            for record in told:
                expected = records if conn is self.console else public
                assert record == expected[record["seq"]], record
        last_screen = [m for m in self.screen.received if "view" in m][-1]
        if last_screen["seq"] == room.state.seq:
            assert last_screen["view"] == screen_view(room.state, "t1")


def test_a_room_under_random_commands(server: Server) -> None:
    RoomMachine.server = server
    with recording_logs() as logs:
        run_state_machine_as_test(
            RoomMachine,
            settings=settings(
                max_examples=10,
                stateful_step_count=40,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow],
            ),
        )
    assert logs.errors() == []
    # the runs play: teams start learning and walkers step
    assert {"learning_started", "stepped"} <= set(REACHED)
