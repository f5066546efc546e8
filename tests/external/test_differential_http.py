"""``snaketrain serve`` played over HTTP makes exactly the games of the in-process and batched
paths on the same seeds: the same moves every turn, the same winner, turns and causes.

The seam is the game id (``external.gameid``): its CRC-32, the server's tie-break seed, is the
game's seed. Games go to the server one at a time: with a request waiting for a worker past
its ``late_after`` the server answers random-safe, which no other path can replay.
"""

from __future__ import annotations

import asyncio

import numpy as np

from snaketrain.arena.pairs import MatchSetup, play_pairs
from snaketrain.arena.runner import run_games
from snaketrain.external.match import HttpPairs, game_results, pair_specs, play_specs
from snaketrain.external.process import Instances
from snaketrain.external.referee import HttpSnake, InProcess, Referee
from snaketrain.external.transport import new_client
from snaketrain.snake.configfile import load_config
from snaketrain.snake.heuristic import HeuristicPolicy
from snaketrain.snake.registry import batched_policy

from .externalkit import serve_spec

SIZE, TURNS, PAIRS, SEED = 7, 100, 2, 11


async def _games(players, specs):
    async with new_client() as client:
        return await play_specs(Referee(client, SIZE, max_turns=TURNS), players, specs, 1)


def test_served_snake_plays_the_batched_games(tmp_path):
    spec = serve_spec(tmp_path)
    mine = HeuristicPolicy(load_config(spec.config_path), name="served")
    baseline = batched_policy("baseline")
    setup = MatchSetup(size=SIZE, master_seed=SEED, max_turns=TURNS)
    with Instances(spec, spec.config_path, tmp_path / "logs") as served:
        http = HttpSnake("served", served, spec.move_timeout_ms)
        pairs = HttpPairs([http, InProcess("baseline", baseline)], setup, concurrency=1)
        match = asyncio.run(pairs.play(range(PAIRS)))
    assert match.calls["served"].failed == 0 and match.calls["served"].ok > 20

    specs = pair_specs(2, 1, SEED, range(PAIRS))
    here = asyncio.run(_games([InProcess("served", mine), InProcess("baseline", baseline)], specs))
    assert [g.record.moves for g in match.games] == [g.record.moves for g in here]

    batched = run_games(specs, [mine, baseline], size=SIZE, max_turns=TURNS)
    ours = game_results(specs, match.games)
    for name in ("winner", "turns", "cause", "elim_turn", "length", "turn_limit"):
        assert np.array_equal(getattr(ours, name), getattr(batched, name)), name
    expected = play_pairs(mine, [baseline], setup, range(PAIRS), names=["served", "baseline"])
    assert match.result == expected
