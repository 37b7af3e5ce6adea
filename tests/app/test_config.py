"""Settings from the environment, and the address join links carry."""

from __future__ import annotations

import pytest

from app.config import Config, lan_address


def test_settings_come_from_the_environment() -> None:
    config = Config.from_env(
        {"HOST": "0.0.0.0", "PORT": "9000", "PUBLIC_URL": "https://maze.example.org/"}
    )
    assert (config.host, config.port) == ("0.0.0.0", 9000)
    assert config.base_url() == "https://maze.example.org"


def test_a_bad_number_stops_the_server_with_its_name() -> None:
    with pytest.raises(SystemExit, match="PORT must be a whole number"):
        Config.from_env({"PORT": "eighty"})


@pytest.mark.parametrize(
    ("config", "reachable"),
    [
        (Config(), False),
        (Config(host="localhost"), False),
        (Config(host="::1"), False),
        (Config(host="192.168.1.20"), True),
        (Config(public_url="https://maze.example.org"), True),
        (Config(host="127.0.0.1", public_url="http://maze.local:8000"), True),
    ],
)
def test_join_links_on_this_computer_only_are_flagged(config: Config, reachable: bool) -> None:
    assert config.phones_can_reach() is reachable


def test_listening_everywhere_puts_a_network_address_in_join_links() -> None:
    base = Config(host="0.0.0.0", port=8123).base_url()
    assert base == f"http://{lan_address()}:8123"
