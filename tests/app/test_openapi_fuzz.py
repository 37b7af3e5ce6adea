"""An OpenAPI-driven fuzz of the whole HTTP API with schemathesis: every operation of
/openapi.json, with requests its schema allows (on a real workshop, with its token and the
library's password) and requests it does not, sent to the real app in-process. None may be
answered with a 5xx, nor make the server log an error.
"""

from __future__ import annotations

from typing import Any

import httpx2 as httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, note, reject, settings
from schemathesis import GenerationMode

from app.config import Config
from app.main import create_app
from tests.app.documented import recording_logs
from tests.app.helpers import Server

PASSWORD = "schemathesis"
SERVER_CONFIG: dict[str, Any] = {
    "join_attempts_per_minute": 1_000_000,
    "token_attempts_per_minute": 1_000_000,
    "workshops_per_hour": 1_000_000,
    "admin_password": PASSWORD,
}
EXAMPLES = 10  # per operation and generation mode

# The schema, as the app describes itself (no server needed to read it).
RAW = create_app(Config(database_url="sqlite://")).openapi()
SCHEMA = schemathesis.openapi.from_dict(RAW)
OPERATIONS = {
    operation.label: operation
    for operation in (result.ok() for result in SCHEMA.get_all_operations())  # type: ignore[union-attr]
}


@pytest.fixture(scope="module")
def known(server: Server) -> dict[str, str]:
    """A workshop with a player in it, for the operations that take one."""
    workshop = server.create_workshop(teams=2)
    from contextlib import ExitStack

    with ExitStack() as stack:
        server.join(stack, workshop.codes[0], "Ann")
    return {"workshop_id": workshop.id, "token": workshop.token}


def request(server: Server, kwargs: dict[str, Any]) -> httpx.Response:
    """A schemathesis case's request (made for `requests`), sent with the app's TestClient."""
    headers = dict(kwargs.get("headers") or {})
    cookies = kwargs.get("cookies") or {}
    if cookies:
        headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
    body: dict[str, Any] = {}
    if "json" in kwargs:
        body["json"] = kwargs["json"]
    elif kwargs.get("data") is not None:
        data = kwargs["data"]
        body["content"] = data if isinstance(data, bytes | str) else str(data)
    try:
        return server.http.request(
            kwargs["method"],
            kwargs["url"],
            headers=headers,
            params=kwargs.get("params") or None,
            **body,
        )
    except (UnicodeEncodeError, httpx.InvalidURL, httpx.LocalProtocolError):
        reject()  # a request no HTTP client can send (a header that is not Latin-1, ...)


CONSTRAINTS = {"enum", "const", "format", "pattern", "minLength", "maxLength", "minimum", "maximum"}


def _any_text(schema: dict[str, Any]) -> bool:
    """A parameter that takes any string (or none): no request can get it wrong."""
    if "anyOf" in schema:
        return all(_any_text(option) for option in schema["anyOf"])
    return schema.get("type") in ("string", "null") and not CONSTRAINTS & set(schema)


def breakable(label: str) -> bool:
    """Whether a request can break the operation's schema: it has a body, or a parameter
    that is not just any string. (The others have no negative cases to generate.)"""
    method, path = label.split(" ", 1)
    spec = RAW["paths"][path][method.lower()]
    parameters = spec.get("parameters", [])
    return "requestBody" in spec or not all(_any_text(p["schema"]) for p in parameters)


CASES = [
    *((label, GenerationMode.POSITIVE) for label in sorted(OPERATIONS)),
    *((label, GenerationMode.NEGATIVE) for label in sorted(OPERATIONS) if breakable(label)),
]


@pytest.mark.parametrize(("label", "mode"), CASES)
def test_no_operation_answers_a_5xx(
    server: Server, known: dict[str, str], label: str, mode: GenerationMode
) -> None:
    operation = OPERATIONS[label]
    path = operation.path
    fixed: dict[str, Any] = {}
    if mode == GenerationMode.POSITIVE:
        # On a real workshop, signed in, so that the routes get past their checks.
        parameters = {"workshop_id": known["workshop_id"]} if "{workshop_id}" in path else {}
        if operation.method.upper() == "DELETE":
            parameters = {}  # the others need that workshop
        fixed["path_parameters"] = parameters
        if path.startswith("/api/workshops/"):
            fixed["headers"] = {"authorization": f"Bearer {known['token']}"}
    trainer = path.startswith("/api/library/") and mode == GenerationMode.POSITIVE

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode, **fixed))
    def run(case: Any) -> None:
        kwargs = case.as_transport_kwargs(base_url="http://testserver")
        if trainer:
            kwargs["headers"] = {"Authorization": f"Bearer {PASSWORD}", **kwargs["headers"]}
        answer = request(server, kwargs)
        note(f"{kwargs['method']} {kwargs['url']} -> {answer.status_code} {answer.text[:300]}")
        assert answer.status_code < 500, (kwargs, answer.text)

    with recording_logs() as logs:
        run()
    assert logs.errors() == []


def test_every_operation_is_fuzzed() -> None:
    """The schema lists every route of docs/protocol.md's HTTP section (so none is missed)."""
    assert set(OPERATIONS) >= {
        "GET /healthz",
        "POST /api/workshops",
        "GET /api/workshops/{workshop_id}/log",
        "GET /api/workshops/{workshop_id}/metrics",
        "GET /api/workshops/{workshop_id}/export/{name}",
        "POST /api/maze/preview",
        "POST /api/library/login",
        "POST /api/library/logout",
        "GET /api/library/workshops",
        "DELETE /api/library/workshops/{workshop_id}",
        "GET /api/library/workshops/{workshop_id}/file",
        "POST /api/library/import",
        "GET /api/library/workshops/{workshop_id}/replay",
        "GET /api/library/workshops/{workshop_id}/at/{seq}",
        "GET /api/library/workshops/{workshop_id}/metrics",
    }
