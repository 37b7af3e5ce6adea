"""Bad input of any size, depth or encoding is refused naming the field, never a 500."""

from __future__ import annotations

from typing import Any

import pytest

from game.settings import SettingsError, parse_maze, parse_settings

HUGE = 10**400  # more than a float holds
GIANT = "9" * 5000  # more digits than Python reads by default


@pytest.mark.parametrize(
    ("parse", "raw", "setting"),
    [
        (parse_settings, {"planning_s": HUGE}, "planning_s"),
        (parse_settings, {"beep_delay_s": -HUGE}, "beep_delay_s"),
        (parse_settings, {"idle_timeout_s": HUGE}, "idle_timeout_s"),
        (parse_settings, {"penalties": {"talking": HUGE}}, "penalties.talking"),
        (parse_maze, {"seed": HUGE}, "maze.seed"),
        (parse_maze, {"cols": HUGE}, "maze.cols"),
        (parse_maze, {"rows": -HUGE}, "maze.rows"),
    ],
)
def test_integers_too_large_for_a_float_are_out_of_range(
    parse: Any, raw: dict[str, Any], setting: str
) -> None:
    with pytest.raises(SettingsError) as refused:
        parse(raw)
    assert refused.value.setting == setting
    assert "must be from" in refused.value.reason
    assert "digits" in refused.value.reason
