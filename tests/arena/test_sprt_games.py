"""SPRT on real games: the error rates it promises hold end to end.

Every run below is real games on its own master seed (no resampling): 7x7 duels, at most 200
turns, batches of 16 pairs, SPRT(0, 100) with alpha = beta = 0.05. Runs are played in
lockstep with ``sprt_lanes`` (each lane's verdict is exactly that of ``sprt_match`` on its
seed, checked below), so 200 runs cost a few thousand engine steps.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
import torch
from arenakit import SaltedRandomSafe

from snaketrain.arena.decide import sprt_lanes, sprt_match
from snaketrain.arena.pairs import LocalPlayer, MatchSetup, play_lanes
from snaketrain.arena.sprt import Sprt
from snaketrain.snake.random_safe import RandomSafe
from snaketrain.snake.registry import batched_policy

SETUP = MatchSetup(size=7, max_turns=200, batch_size=8192)
TEST = Sprt(0.0, 100.0)
RUNS = 200


@pytest.fixture(autouse=True)
def one_torch_thread() -> Iterator[None]:
    """Small batches run fastest on one thread; on a busy 2-core machine the default two
    spin against each other (measured: 30x slower)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


EQUAL = (SaltedRandomSafe(1), SaltedRandomSafe(2))


def test_lanes_give_each_run_the_verdict_of_sprt_match() -> None:
    candidate, opponent = EQUAL
    lanes = sprt_lanes([(candidate, s) for s in (3, 4)], [opponent], SETUP, TEST, batch_pairs=16)
    for seed, lane in zip((3, 4), lanes, strict=True):
        setup = dataclasses.replace(SETUP, master_seed=seed)
        alone = sprt_match(LocalPlayer(candidate, [opponent], setup), TEST, batch_pairs=16)
        assert alone == lane
        assert alone.status in ("accept", "reject")
        assert alone.batches == [16 * (k + 1) for k in range(len(alone.batches))]
        lower, upper = TEST.bounds
        assert alone.llr is not None
        assert alone.llr >= upper if alone.accepted else alone.llr <= lower


def test_the_pair_cap_ends_inconclusive_and_not_accepted() -> None:
    candidate, opponent = EQUAL
    play = LocalPlayer(candidate, [opponent], SETUP)
    verdict = sprt_match(play, Sprt(0.0, 5.0), batch_pairs=8, max_pairs=20)
    assert verdict.status == "inconclusive" and not verdict.accepted
    assert verdict.batches == [8, 16, 20]
    assert len(verdict.result.pairs) == 20 and verdict.result.games == 40
    assert verdict.summary_line().startswith("INCONCLUSIVE  Elo: ")


def test_a_snake_against_an_equal_snake_is_accepted_in_at_most_5_percent_of_runs() -> None:
    # measured: 7 of 200 accepted, 80 games per run on average
    candidate, opponent = EQUAL
    verdicts = sprt_lanes(
        [(candidate, seed) for seed in range(RUNS)], [opponent], SETUP, TEST, batch_pairs=16
    )
    accepted = sum(v.accepted for v in verdicts)
    assert all(v.status in ("accept", "reject") for v in verdicts)
    assert accepted <= 0.05 * RUNS, f"{accepted} of {RUNS} equal-strength runs accepted"


def test_a_clearly_better_snake_is_accepted_in_at_least_95_percent_of_runs() -> None:
    # space-aware is about +500 Elo above random-safe on 7x7; measured: 200 of 200, 32 games
    better = batched_policy("space-aware")  # one policy for all lanes: one call per turn
    verdicts = sprt_lanes(
        [(better, seed) for seed in range(RUNS)], [RandomSafe()], SETUP, TEST, batch_pairs=16
    )
    accepted = sum(v.accepted for v in verdicts)
    assert accepted >= 0.95 * RUNS, f"only {accepted} of {RUNS} runs accepted the better snake"


def test_the_elo_interval_covers_the_true_difference_in_about_95_percent_of_runs() -> None:
    # Equal snakes: the true Elo difference is 0. 200 runs of 64 pairs each (measured: 189).
    candidate, opponent = EQUAL
    results = play_lanes([(candidate, seed) for seed in range(RUNS)], [opponent], SETUP, range(64))
    covered = sum(r.total.elo().low <= 0.0 <= r.total.elo().high for r in results)
    assert 0.90 * RUNS <= covered <= 0.99 * RUNS, f"covered in {covered} of {RUNS} runs"
