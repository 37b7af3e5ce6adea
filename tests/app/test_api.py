"""The HTTP API: health, creating workshops (and refusing bad ones), reading a workshop's log."""

from __future__ import annotations

import json
from contextlib import ExitStack
from typing import Any

import pytest

from app.security import JOIN_CODE_ALPHABET
from game.events import FORMAT_VERSION, from_record
from game.settings import Settings
from tests.app.helpers import Server, path_of

EVERY_RULE: dict[str, Any] = {
    "retrace": "manual",
    "beep_delay_s": 2.5,
    "idle_timeout_s": 90,
    "planning_s": 0,
    "huddle_budget_s": 120,
    "penalties": {"talking": 20, "phones": 45},
    "learning_ends": "all_crossed",
    "max_walkers": 3,
    "execution_error_s": 30,
    "memory_aids": True,
}
DRAWN_PATH = [[0, 1], [1, 1], [1, 2], [2, 2], [3, 1]]


def read_log(server: Server, workshop_id: str, token: str) -> list[dict[str, Any]]:
    response = server.http.get(
        f"/api/workshops/{workshop_id}/log", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/x-ndjson")
    assert response.text.endswith("\n")
    return [json.loads(line) for line in response.text.splitlines()]


def workshop_count(server: Server) -> int:
    return len(server.registry.store.workshops())


def test_health(server: Server) -> None:
    response = server.http.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_a_workshop_with_no_body_takes_every_default(server: Server) -> None:
    response = server.http.post("/api/workshops")
    assert response.status_code == 201, response.text
    created = response.json()
    workshop_id, token = created["workshop_id"], created["facilitator_token"]
    assert created["facilitator_url"].endswith(f"/facilitate/{workshop_id}#{token}")
    [team] = created["teams"]
    assert team["join_url"].endswith(f"/join/{team['join_code']}")

    [record] = read_log(server, workshop_id, token)
    assert record["type"] == "session_created"
    assert record["title"] == "Electric Maze"
    assert record["settings"] == Settings().to_dict()
    [spec] = record["teams"]
    assert spec["team_id"] == team["team_id"]
    assert (spec["maze"]["cols"], spec["maze"]["rows"], spec["maze"]["diagonal"]) == (6, 9, True)


@pytest.mark.parametrize(
    ("accept_language", "names"),
    [(None, ["Team 1", "Blue", "Team 3"]), ("es-ES,es;q=0.9", ["Equipo 1", "Blue", "Equipo 3"])],
)
def test_unnamed_teams_are_named_in_the_language_of_whoever_creates_them(
    server: Server, accept_language: str | None, names: list[str]
) -> None:
    headers = {"Accept-Language": accept_language} if accept_language else {}
    body = {"teams": 3, "team_names": ["", "Blue"]}
    created = server.http.post("/api/workshops", json=body, headers=headers).json()
    [record] = read_log(server, created["workshop_id"], created["facilitator_token"])
    assert [team["name"] for team in record["teams"]] == names


def test_a_workshop_with_every_field(server: Server) -> None:
    body = {
        "title": "  Leadership   day ",
        "teams": 2,
        "maze": {"cols": 4, "rows": 4, "path": DRAWN_PATH, "diagonal": True},
        "rules": EVERY_RULE,
    }
    response = server.http.post("/api/workshops", json=body)
    assert response.status_code == 201, response.text
    created = response.json()
    [record] = read_log(server, created["workshop_id"], created["facilitator_token"])
    assert record["title"] == "Leadership day"
    assert record["settings"] == EVERY_RULE
    assert [t["maze"]["path"] for t in record["teams"]] == [DRAWN_PATH, DRAWN_PATH]
    assert {(t["maze"]["cols"], t["maze"]["rows"]) for t in record["teams"]} == {(4, 4)}


def test_a_generated_maze_follows_its_seed(server: Server) -> None:
    maze = {"cols": 5, "rows": 7, "seed": 42, "difficulty": "hard", "diagonal": False}
    paths = []
    for _ in range(2):
        created = server.http.post("/api/workshops", json={"maze": maze}).json()
        [record] = read_log(server, created["workshop_id"], created["facilitator_token"])
        paths.append(record["teams"][0]["maze"]["path"])
        assert record["teams"][0]["maze"]["diagonal"] is False
    assert paths[0] == paths[1]
    assert paths[0][0][0] == 0 and paths[0][-1][0] == 6


@pytest.mark.parametrize("seed", [7, 7.0])
def test_teams_may_each_get_a_maze_of_their_own(server: Server, seed: float) -> None:
    body = {"teams": 2, "same_maze": False, "maze": {"seed": seed}}
    created = server.http.post("/api/workshops", json=body).json()
    [record] = read_log(server, created["workshop_id"], created["facilitator_token"])
    paths = [team["maze"]["path"] for team in record["teams"]]
    assert paths[0] != paths[1]


def test_several_teams_get_distinct_join_codes_that_work(server: Server) -> None:
    response = server.http.post("/api/workshops", json={"teams": 12})
    assert response.status_code == 201, response.text
    teams = response.json()["teams"]
    codes = [t["join_code"] for t in teams]
    assert len(teams) == 12
    assert len(set(codes)) == 12
    assert len({t["team_id"] for t in teams}) == 12
    for code in codes:
        assert len(code) == 6 and set(code) <= set(JOIN_CODE_ALPHABET), code
    with ExitStack() as stack:
        for team in (teams[0], teams[-1]):
            # codes are typed on phones: any case, with spaces or a dash
            typed = f"{team['join_code'][:3].lower()}-{team['join_code'][3:]}"
            screen = server.connect(stack, f"/ws/screen/{typed}")
            assert screen.expect("snapshot")["view"]["team"]["id"] == team["team_id"]


BAD_BODIES: list[tuple[Any, str]] = [
    ([], "body"),
    ("a title", "body"),
    ({"title": 12}, "title"),
    ({"title": "x" * 81}, "title"),
    ({"teams": "2"}, "teams"),
    ({"teams": 2.5}, "teams"),
    ({"teams": True}, "teams"),
    ({"teams": 0}, "teams"),
    ({"teams": 13}, "teams"),
    ({"colour": "red"}, "colour"),
    ({"maze": "big"}, "maze"),
    ({"maze": {"walls": 3}}, "maze.walls"),
    ({"maze": {"cols": 2}}, "maze.cols"),
    ({"maze": {"cols": "6"}}, "maze.cols"),
    ({"maze": {"rows": 17}}, "maze.rows"),
    ({"maze": {"seed": -1}}, "maze.seed"),
    ({"maze": {"difficulty": "brutal"}}, "maze.difficulty"),
    ({"maze": {"diagonal": "yes"}}, "maze.diagonal"),
    ({"maze": {"path": "down"}}, "maze.path"),
    ({"maze": {"path": []}}, "maze.path"),
    ({"maze": {"path": [[0, 0, 0]]}}, "maze.path"),
    ({"maze": {"path": [[1, 0], [2, 0]]}}, "maze.path"),
    ({"maze": {"path": [[0, 0], [2, 2]]}}, "maze.path"),
    ({"maze": {"path": [[0, 0], [1, 0], [2, 0]], "rows": 4}}, "maze.path"),
    ({"maze": {"path": [[0, 0], [1, 0], [2, 0], [1, 0], [3, 0]], "rows": 4}}, "maze.path"),
    ({"rules": "fast"}, "rules"),
    ({"rules": {"colour": "red"}}, "rules.colour"),
    ({"rules": {"retrace": "sometimes"}}, "rules.retrace"),
    ({"rules": {"beep_delay_s": 11}}, "rules.beep_delay_s"),
    ({"rules": {"beep_delay_s": "2"}}, "rules.beep_delay_s"),
    ({"rules": {"idle_timeout_s": 5}}, "rules.idle_timeout_s"),
    ({"rules": {"planning_s": 1801}}, "rules.planning_s"),
    ({"rules": {"planning_s": 1.5}}, "rules.planning_s"),
    ({"rules": {"huddle_budget_s": 901}}, "rules.huddle_budget_s"),
    ({"rules": {"penalties": {}}}, "rules.penalties"),
    ({"rules": {"penalties": {"Talking": 30}}}, "rules.penalties"),
    ({"rules": {"penalties": {"talking": 601}}}, "rules.penalties.talking"),
    ({"rules": {"learning_ends": "never"}}, "rules.learning_ends"),
    ({"rules": {"max_walkers": 0}}, "rules.max_walkers"),
    ({"rules": {"max_walkers": 6}}, "rules.max_walkers"),
    ({"rules": {"execution_error_s": 601}}, "rules.execution_error_s"),
    ({"rules": {"memory_aids": "yes"}}, "rules.memory_aids"),
]


@pytest.mark.parametrize(("body", "field"), BAD_BODIES)
def test_a_bad_body_is_refused_naming_the_field(server: Server, body: Any, field: str) -> None:
    before = workshop_count(server)
    response = server.http.post("/api/workshops", json=body)
    assert response.status_code == 422, response.text
    answer = response.json()
    assert answer["message"].startswith(f"{field}: "), answer
    assert len(answer["message"]) > len(field) + 2
    assert workshop_count(server) == before


@pytest.mark.parametrize(
    ("text", "field"),
    [("{", None), ('{"rules": {"beep_delay_s": NaN}}', "body")],  # NaN is not JSON
)
def test_a_body_that_is_not_plain_json_is_refused(
    server: Server, text: str, field: str | None
) -> None:
    before = workshop_count(server)
    response = server.http.post(
        "/api/workshops", content=text, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422, response.text
    message = response.json()["message"]
    assert message.startswith(f"{field}: ") if field else "JSON" in message
    assert workshop_count(server) == before


def test_the_log_is_every_event_in_order(server: Server) -> None:
    workshop = server.create_workshop(maze={"cols": 4, "rows": 4, "seed": 5})
    with ExitStack() as stack:
        facilitator = server.facilitator(stack, workshop)
        path = path_of(facilitator.received[0]["view"])
        ann = server.join(stack, workshop.codes[0], "Ann")
        facilitator.expect("update")
        facilitator.send({"type": "start_learning"})
        facilitator.expect("update")
        ann.send({"type": "step", "row": path[0][0], "col": path[0][1]})
        last = facilitator.expect("update")["seq"]
        # read while everyone is still connected: leaving would add a presence event
        records = read_log(server, workshop.id, workshop.token)

    assert [r["seq"] for r in records] == list(range(1, last + 1))
    assert [r["type"] for r in records] == [
        "session_created",
        "player_joined",
        "learning_started",
        "turn_began",
        "stepped",
    ]
    timestamps = [r["ts"] for r in records]
    assert timestamps == sorted(timestamps)
    for record in records:
        assert record["v"] == FORMAT_VERSION
        assert isinstance(record["ts"], float)
        from_record(record)  # every line reads back as an event


def test_the_log_needs_the_workshops_own_token(server: Server) -> None:
    mine = server.create_workshop()
    other = server.create_workshop()
    url = f"/api/workshops/{mine.id}/log"
    refused = [
        server.http.get(url),
        server.http.get(url, headers={"Authorization": "Bearer not-the-token"}),
        server.http.get(url, headers={"Authorization": f"Bearer {other.token}"}),
        server.http.get(url, headers={"Authorization": f"Basic {mine.token}"}),
        server.http.get(url, headers={"Authorization": mine.token}),
        server.http.get(
            "/api/workshops/no-such-workshop/log",
            headers={"Authorization": f"Bearer {mine.token}"},
        ),
    ]
    for response in refused:
        assert response.status_code == 401, response.text
        assert response.headers["www-authenticate"] == "Bearer"
        assert "session_created" not in response.text
    assert server.http.get(url, headers={"Authorization": f"bearer {mine.token}"}).is_success
