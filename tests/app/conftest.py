"""One running app per test module, each with a SQLite database of its own.

A module may set SERVER_CONFIG (a dict of Config fields) to change the server's limits.
Every test creates its workshops from the same address: the hourly limit is lifted unless a
module sets it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.config import Config
from app.main import create_app
from tests.app.helpers import Server


@pytest.fixture(scope="module")
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    directory = tmp_path_factory.mktemp("server")
    overrides = getattr(request.module, "SERVER_CONFIG", {})
    # No heartbeats unless a test asks: they would slip between the messages a test expects.
    settings = {"heartbeat_s": 600.0, "workshops_per_hour": 1_000_000, **overrides}
    config = Config(database_url=f"sqlite:///{directory / 'maze.db'}", **settings)
    app = create_app(config)
    with TestClient(app) as http:
        yield Server(app, http, config)
