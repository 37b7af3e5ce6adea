"""Fixtures for every test folder."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.live_server import LiveServer


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One real server process per test module, over a database of its own."""
    server = LiveServer(tmp_path_factory.mktemp("live-server"))
    try:
        server.start()
        yield server
    finally:
        server.stop()
