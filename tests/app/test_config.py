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


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("PORT", "eighty"),
        ("PORT", "0"),
        ("PORT", "70000"),
        ("MAX_MESSAGE_BYTES", "-5"),
        ("MAX_MESSAGE_BYTES", "64KB"),
        ("MESSAGES_PER_SECOND", "abc"),
        ("MESSAGES_PER_SECOND", "0"),
        ("MESSAGES_PER_SECOND", "nan"),
        ("JOIN_ATTEMPTS_PER_MINUTE", "0"),
    ],
)
def test_a_bad_number_stops_the_server_with_its_name(name: str, raw: str) -> None:
    with pytest.raises(
        SystemExit, match=rf"^{name} must be a (whole )?number from .*, not '{raw}'$"
    ):
        Config.from_env({name: raw})


def test_numbers_from_the_environment_are_read_as_such() -> None:
    config = Config.from_env(
        {
            "MAX_MESSAGE_BYTES": "4096",
            "MESSAGES_PER_SECOND": "2.5",
            "JOIN_ATTEMPTS_PER_MINUTE": " 5 ",
        }
    )
    assert (config.max_message_bytes, config.messages_per_second) == (4096, 2.5)
    assert config.join_attempts_per_minute == 5


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
