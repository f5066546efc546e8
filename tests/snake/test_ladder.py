"""The ladder claim, on fixed seeds: the shipped config.yaml beats every built-in rung below
baseline in at least 75% of 1v1 11x11 games, and each rung beats the one below it.

Paired games (each seed twice, seats swapped); draws count half. ``benchmarks/ladder.py``
prints the full table with 1,000 games per match.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from snaketrain.snake.heuristic import HeuristicPolicy
from snaketrain.snake.registry import LADDER, batched_policy
from snaketrain.snake.space import load_config

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
from ladder import play  # noqa: E402

PAIRS = 100
SEED = 11
MARGIN = 0.03
"""Sampling slack on 200 games: the claim is >= 75%, the test asks for >= 72%."""


@pytest.mark.slow
@pytest.mark.parametrize("rung", LADDER[:-1])
def test_the_shipped_config_beats_every_rung_below_baseline(rung: str) -> None:
    me = HeuristicPolicy(load_config(ROOT / "config.yaml"), name="config.yaml")
    match = play(me, batched_policy(rung), PAIRS, seed=SEED, batch=256)
    assert match.score >= 0.75 - MARGIN, match


@pytest.mark.slow
@pytest.mark.parametrize(("lower", "upper"), list(zip(LADDER, LADDER[1:], strict=False)))
def test_each_rung_beats_the_one_below(lower: str, upper: str) -> None:
    match = play(batched_policy(upper), batched_policy(lower), PAIRS, seed=SEED, batch=256)
    assert match.score > 0.5, match
