"""The state's own mechanics: cloning for the rules' private drafts."""

from __future__ import annotations

import dataclasses

from game.board import Maze
from game.state import LastBeep, clone_team
from tests.game.helpers import OFF_PATH, TEAM, Game, P

SHARED_TYPES = (int, float, str, bool, type(None), tuple, Maze, LastBeep)


def test_a_cloned_team_shares_nothing_the_fold_changes_in_place():
    game = Game.learning(retrace="manual", beep_delay_s=0)
    game.walk("ann", P[0], P[1], OFF_PATH)  # a beep, a retrace under way, keys and penalties
    team = game.state.teams[TEAM]
    clone = clone_team(team)
    assert clone == team
    for field in dataclasses.fields(team):
        original, copied = getattr(team, field.name), getattr(clone, field.name)
        if not isinstance(original, SHARED_TYPES):
            assert copied is not original, f"{field.name} is shared with the clone"
    for key, walk in team.walks.items():
        assert clone.walks[key] is not walk
        assert clone.walks[key].trail is not walk.trail
    for key, player in team.players.items():
        assert clone.players[key] is not player
