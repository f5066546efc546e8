"""The compiled heuristic makes the moves of the batched ``HeuristicPolicy`` on every turn.

Both policies are asked about the same states (stepped by the batched engine with the
batched policy's moves); every seat plays one of several configs (per-game weights), which
differ in every weight, in search depth, reply model and hybrid switch, so depth 0, depth
1-2 search, the worst and average reply models all occur.
"""

from __future__ import annotations

import random

import pytest
import torch

from snaketrain.rules import batched as bt
from snaketrain.rules.types import Settings
from snaketrain.snake.compiled_policy import (
    CompiledHeuristic,
    CompiledRandomSafe,
    fast_policies,
    fast_step_,
)
from snaketrain.snake.config import Config, default_config
from snaketrain.snake.heuristic import HeuristicPolicy
from snaketrain.snake.policy import Member
from snaketrain.snake.random_safe import RandomSafe


def _configs() -> list[Config]:
    base = default_config()
    rnd = random.Random(5)
    out = [base]
    for i in range(3):
        c = dict(base)
        for k, v in c.items():
            if isinstance(v, float):
                c[k] = v * rnd.uniform(0.5, 1.5)
        c["search.reply_model"] = ("worst", "average")[i % 2]
        c["search.depth"] = (0, 1, 2)[i]
        c["hybrid.enabled"] = i != 1
        out.append(Config(c, source=f"variant {i}"))
    return out


def play_both(size: int, n: int, games: int, turns: int) -> int:
    """Play ``games`` games for up to ``turns`` turns, asserting equal moves; returns the
    number of seat decisions compared."""
    torch.set_num_threads(1)
    configs = _configs()
    slow, fast = HeuristicPolicy.from_configs(configs), CompiledHeuristic(configs)
    st = bt.standard_starts(size, n, torch.arange(games) + 1000 * size + n)
    variant = torch.randint(0, len(configs), (games, n), generator=torch.Generator().manual_seed(n))
    compared = 0
    for turn in range(turns):
        if bool(st.done.all()):
            break
        mask = st.alive & ~st.done[:, None]
        want, got = slow(st, mask, variant), fast(st, mask, variant)
        bad = torch.nonzero((want != got) & mask)
        assert len(bad) == 0, f"turn {turn}: game, seat {bad[0].tolist()} differ"
        compared += int(mask.sum())
        bt.step_(st, want, Settings())
    return compared


@pytest.mark.parametrize(
    ("size", "n", "games", "turns"),
    [(7, 2, 12, 100), (7, 4, 8, 60), (11, 2, 8, 80), (11, 4, 4, 40), (19, 2, 4, 40)],
)
def test_moves_equal_the_batched_heuristic(size: int, n: int, games: int, turns: int) -> None:
    assert play_both(size, n, games, turns) > games * 10


@pytest.mark.slow
@pytest.mark.parametrize(("size", "n"), [(7, 2), (7, 4), (11, 2), (11, 4), (19, 2), (19, 4)])
def test_many_games_equal_the_batched_heuristic(size: int, n: int) -> None:
    assert play_both(size, n, 64, 300) > 1000


def test_one_config_needs_no_variant_and_many_do() -> None:
    st = bt.standard_starts(11, 2, torch.tensor([3]))
    mask = st.alive.clone()
    one = CompiledHeuristic([default_config()])
    assert torch.equal(one(st, mask), HeuristicPolicy(default_config())(st, mask))
    with pytest.raises(ValueError, match="variant"):
        CompiledHeuristic(_configs())(st, mask)


def test_fast_step_and_random_safe_equal_the_batched_ones() -> None:
    torch.set_num_threads(1)
    a = bt.standard_starts(11, 4, torch.arange(30))
    b = a.clone()
    for _ in range(80):
        mask = a.alive & ~a.done[:, None]
        moves = RandomSafe()(a, mask)
        assert torch.equal(CompiledRandomSafe()(b, mask) * mask, moves * mask)
        bt.step_(a, moves, Settings())
        fast_step_(b, moves, Settings())
        for name in ("body", "head_ptr", "length", "health", "alive", "cause", "food", "cnt"):
            assert torch.equal(getattr(a, name), getattr(b, name)), name


def test_fast_policies_keeps_families_together() -> None:
    family = HeuristicPolicy.from_configs(_configs()[:2])
    out = fast_policies([family.member(0), family.member(1), RandomSafe(), family])
    assert isinstance(out[0], Member) and isinstance(out[0].family, CompiledHeuristic)
    assert out[0].family is out[1].family and out[1].index == 1
    assert isinstance(out[2], CompiledRandomSafe) and isinstance(out[3], CompiledHeuristic)
