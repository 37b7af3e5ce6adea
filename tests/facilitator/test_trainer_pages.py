"""The trainers' pages as the server sends them: closed without a password, a login form
without the cookie, the pages with it; no inline code; every word in English and Spanish.

The log files here are made by bots (and, for a workshop of two teams, by a small driver of the
same bots with a penalty and a huddle): the browser tests import them into their library.
"""

from __future__ import annotations

import dataclasses
import json
import random
import re
from pathlib import Path

from fastapi.testclient import TestClient

from app.config import Config
from app.main import create_app
from game import commands as cmd
from game.bots import BotTeam, Move, play_session
from game.events import Event, SessionCreated, TeamSpec
from game.projections import participant_view, public_event
from game.replay import read_log, write_log
from game.rules import Rejected, decide
from game.settings import Settings, parse_maze
from game.state import SessionState, apply
from tests.app.helpers import OWN_ORIGIN, Server
from tests.facilitator.test_pages import Page

SERVER_CONFIG = {"admin_password": "trainers only"}
PASSWORD = SERVER_CONFIG["admin_password"]
FACILITATOR = Path(__file__).resolve().parents[2] / "facilitator"
TRAINER_STATIC = FACILITATOR / "static" / "trainer"
DAY_S = 24 * 3600.0
TUESDAY = 1_767_691_800.0  # 6 January 2026, 09:30 UTC: when a workshop might start
DELAYED_BEEPS = Settings(beep_delay_s=2)  # a wrong step beeps two seconds later


# --- log files ---------------------------------------------------------------------------------


def bot_log(
    *,
    seed: int,
    title: str,
    start: float,
    strategy: str = "learner",
    settings: Settings | None = None,
) -> str:
    """A one-team session played by bots, under a title of our choosing."""
    events = play_session(
        strategy=strategy,
        maze=parse_maze({"seed": seed, "cols": 5, "rows": 6}),
        settings=settings,
        players=3,
        seed=seed,
        start=start,
        think_s=(2.0, 9.0),
    )
    created = events[0]
    assert isinstance(created, SessionCreated)
    return write_log([dataclasses.replace(created, title=title), *events[1:]])


class _TwoTeams:
    """Two bot teams in one session, on one clock; the facilitator records a penalty for one
    and grants the other a huddle."""

    def __init__(self, seed: int, start: float, title: str) -> None:
        self.rng = random.Random(seed)
        self.now = start
        self.state = SessionState()
        self.log: list[Event] = []
        self.bots = {"red": BotTeam("learner", seed), "blue": BotTeam("learner", seed + 1)}
        specs = tuple(
            TeamSpec(team, team.title(), parse_maze({"seed": seed + n, "cols": 5, "rows": 6}))
            for n, team in enumerate(self.bots)
        )
        created = cmd.CreateSession(
            at=start, session_id=f"two-{seed}", title=title, settings=Settings(), teams=specs
        )
        self.send(created)
        for team in self.bots:
            for n in (1, 2, 3):
                self.send(cmd.Join(at=start, team=team, player=f"{team}{n}", name=f"{team} {n}"))
            self.send(cmd.StartLearning(at=start, team=team))

    def send(self, command: cmd.Command) -> bool:
        try:
            events = decide(self.state, command)
        except Rejected:
            return False
        for event in events:
            apply(self.state, event)
            self.log.append(event)
            record = public_event(event)
            if record is not None:
                for team, bots in self.bots.items():
                    if record.get("team") in (None, team):
                        bots.observe(record)
        return True

    def move(self, team: str, player: str, move: Move) -> None:
        kind = cmd.RetraceStep if move.kind == "retrace" else cmd.Step
        self.send(kind(at=self.now, team=team, player=player, square=move.square))

    def play(self, phase: str, turns: int) -> None:
        for turn in range(turns):
            playing = [t for t in self.bots if self.state.teams[t].phase == phase]
            if not playing:
                return
            self.now += self.rng.uniform(1.5, 6.0)
            self.send(cmd.Tick(at=self.now))
            if phase == "learning" and turn == 4:
                self.send(cmd.RecordPenalty(at=self.now, team="red", kind="talking"))
            if phase == "learning" and turn == 8:
                self.send(cmd.StartHuddle(at=self.now, team="blue", seconds=20))
            if phase == "learning" and turn == 14:
                self.send(cmd.EndHuddle(at=self.now, team="blue"))
            for team in playing:
                if self.rng.random() < 0.3:
                    continue  # the team hesitates: the two teams do not walk in step
                for player in list(self.state.teams[team].walks):
                    view = participant_view(self.state, team, player)
                    move = self.bots[team].next_move(view, player)
                    if move is not None:
                        self.move(team, player, move)

    def finish(self) -> list[Event]:
        self.play("learning", 400)
        for team in self.bots:
            self.send(cmd.EndPhase(at=self.now, team=team))
            self.send(cmd.StartExecution(at=self.now, team=team))
        self.play("execution", 400)
        for team in self.bots:
            self.send(cmd.EndPhase(at=self.now, team=team))
        self.send(cmd.EndSession(at=self.now))
        return self.log


def two_team_log(*, seed: int, title: str, start: float) -> str:
    return write_log(_TwoTeams(seed, start, title).finish())


# --- pages ---------------------------------------------------------------------------------------


OWN = {"origin": OWN_ORIGIN}  # changes come from the library's own pages
LOG_FILE = {**OWN, "content-type": "application/x-ndjson"}  # an import


def log_in(server: Server) -> None:
    answer = server.http.post("/api/library/login", json={"password": PASSWORD}, headers=OWN)
    assert answer.status_code == 204


def import_log(server: Server, text: str) -> str:
    answer = server.http.post("/api/library/import", content=text, headers=LOG_FILE)
    assert answer.status_code == 201, answer.text
    workshop_id: str = answer.json()["workshop_id"]
    return workshop_id


def page_of(server: Server, path: str) -> tuple[int, Page, str]:
    answer = server.http.get(path, headers={"Accept": "text/html"})
    return answer.status_code, Page(answer.text), answer.text


def ids_of(page: Page) -> set[str]:
    return {attrs["id"] or "" for _, attrs in page.tags if attrs.get("id")}


def test_without_a_password_the_library_says_how_to_set_one_and_shows_nothing(
    tmp_path: Path,
) -> None:
    app = create_app(Config(database_url=f"sqlite:///{tmp_path / 'maze.db'}"))
    with TestClient(app) as http:
        for path in ("/library", "/library/abc/replay", "/library/compare?ids=a,b"):
            answer = http.get(path, headers={"Accept": "text/html"})
            assert answer.status_code == 403
            assert "ADMIN_PASSWORD" in answer.text
            page = Page(answer.text)
            assert not {"login-form", "workshops", "board", "compare-table"} & ids_of(page)
            assert not [a for tag, a in page.tags if tag == "script" and a.get("src")]


def test_without_the_cookie_each_page_is_the_login_form(server: Server) -> None:
    server.http.cookies.clear()
    for path in ("/library", "/library/anything/replay", "/library/compare?ids=a,b"):
        status, page, _ = page_of(server, path)
        assert status == 200
        assert {"login-form", "password"} <= ids_of(page)
        assert not {"workshops", "board", "compare-table"} & ids_of(page)
        assert any(tag == "label" and a.get("for") == "password" for tag, a in page.tags)
        assert "no-store" in server.http.get(path).headers["cache-control"]


def test_with_the_cookie_the_pages_are_served_and_a_missing_workshop_is_a_404(
    server: Server,
) -> None:
    log_in(server)
    workshop_id = import_log(server, bot_log(seed=11, title="Monday cohort", start=TUESDAY))
    status, page, _ = page_of(server, "/library")
    assert status == 200 and {"workshops", "filters", "import-file", "delete-dialog"} <= ids_of(
        page
    )
    status, page, _ = page_of(server, f"/library/{workshop_id}/replay?seq=5")
    assert status == 200 and {"board", "scrubber", "marks", "events", "chart"} <= ids_of(page)
    body = next(a for tag, a in page.tags if tag == "body")
    assert body["data-workshop"] == workshop_id
    status, _, html = page_of(server, "/library/no-such-workshop/replay")
    assert status == 404 and "message-title" in html  # the styled 404
    status, _, _ = page_of(server, "/library/bad%20id!/replay")
    assert status == 404
    status, page, html = page_of(server, f"/library/compare?ids={workshop_id},x:red,{'y' * 80}")
    assert status == 200 and "compare-table" in ids_of(page)
    compared = re.search(r'<script type="application/json" id="compared">(.*?)</script>', html)
    assert compared is not None
    assert json.loads(compared.group(1)) == [
        {"workshop": workshop_id, "team": None},
        {"workshop": "x", "team": "red"},
    ]


def test_the_pages_carry_no_inline_code_and_a_strict_policy(server: Server) -> None:
    log_in(server)
    workshop_id = import_log(server, bot_log(seed=12, title="Policy", start=TUESDAY))
    server.http.cookies.clear()
    paths = ["/library"]
    for logged_in in (False, True):
        if logged_in:
            log_in(server)
            paths = ["/library", f"/library/{workshop_id}/replay", "/library/compare?ids=a,b"]
        for path in paths:
            answer = server.http.get(path)
            page = Page(answer.text)
            assert page.inline_scripts == 0 and page.style_blocks == 0, path
            assert not [a for _, a in page.tags if "style" in a], path
            assert not [a for _, a in page.tags if any(k.startswith("on") for k in a)], path
            policy = answer.headers["content-security-policy"]
            assert "script-src 'self'" in policy and "unsafe-inline" not in policy
            html = next(a for tag, a in page.tags if tag == "html")
            assert html["lang"] in ("en", "es")
            assert any(tag == "meta" and a.get("name") == "viewport" for tag, a in page.tags), path


def test_every_input_has_a_label(server: Server) -> None:
    log_in(server)
    workshop_id = import_log(server, bot_log(seed=13, title="Labels", start=TUESDAY))
    for path in ("/library", f"/library/{workshop_id}/replay", "/library/compare?ids=a,b"):
        _, page, _ = page_of(server, path)
        labelled = {a.get("for") for tag, a in page.tags if tag == "label"}
        for tag, attrs in page.tags:
            if tag in ("input", "select", "textarea") and attrs.get("type") != "hidden":
                assert attrs.get("id") in labelled or attrs.get("aria-label"), (path, attrs)


def test_the_pages_speak_english_and_spanish(server: Server) -> None:
    log_in(server)
    english = server.http.get("/library?lang=en").text
    spanish = server.http.get("/library?lang=es").text
    assert "Past workshops" in english and "Talleres anteriores" in spanish
    assert 'lang="es"' in spanish
    assert "lib." not in re.sub(r"<script.*?</script>", "", spanish, flags=re.S)


def test_every_key_the_pages_use_exists_in_both_languages() -> None:
    shared = Path(__file__).resolve().parents[2] / "static" / "i18n"
    sources = [*TRAINER_STATIC.joinpath("js").glob("*.js")]
    sources += [*(FACILITATOR / "templates" / "trainer").glob("*.html")]
    used: set[str] = set()
    for source in sources:
        text = source.read_text("utf-8")
        used |= set(re.findall(r"""\bt\(\s*["'`]([a-z_]+(?:\.[a-z_]+)+)["'`]""", text))
    used |= {f"lib.outcome.{name}" for name in ("complete", "found", "not_found", "running")}
    used |= {"lib.outcome.not_played", "lib.replay.page_title", "lib.compare.page_title"}
    assert len(used) > 100
    for code in ("en", "es"):
        catalogue = {
            **json.loads((shared / f"{code}.json").read_text("utf-8")),
            **json.loads((FACILITATOR / "static" / "i18n" / f"{code}.json").read_text("utf-8")),
            **json.loads((TRAINER_STATIC / "i18n" / f"{code}.json").read_text("utf-8")),
        }
        assert not sorted(used - set(catalogue)), code
    english = json.loads((TRAINER_STATIC / "i18n" / "en.json").read_text("utf-8"))
    spanish = json.loads((TRAINER_STATIC / "i18n" / "es.json").read_text("utf-8"))
    assert set(english) == set(spanish)


def test_the_logs_made_here_read_back_and_replay() -> None:
    """The browser tests' library: logs the server accepts, one of two teams with a penalty
    and a huddle for the timeline's marks."""
    two = read_log(two_team_log(seed=21, title="Two teams", start=TUESDAY))
    types = [event.type for event in two]
    assert {"penalty_recorded", "huddle_started", "huddle_ended", "crossed"} <= set(types)
    assert {getattr(event, "team", None) for event in two} >= {"red", "blue"}
    one = read_log(bot_log(seed=22, title="One team", start=TUESDAY + DAY_S))
    assert one[0].ts == TUESDAY + DAY_S and one[0].title == "One team"  # type: ignore[attr-defined]
    delayed = read_log(bot_log(seed=5, title="Delayed", start=TUESDAY, settings=DELAYED_BEEPS))
    assert any(event.type == "stepped" and not event.safe for event in delayed)  # type: ignore[attr-defined]
