"""Decisions: the one SPRT lane loop (driven here by scripted results, no games), the
fixed-N test and the remeasure seed stream. SPRT error rates on real games:
``test_sprt_games.py``."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
import torch
from arenakit import SaltedRandomSafe

from snaketrain.arena.decide import SprtRun, fixed_match, remeasure, run_sprts, sprt_match
from snaketrain.arena.pairs import REMEASURE_BASE, LocalPlayer, MatchSetup
from snaketrain.arena.result import MatchResult, OpponentRecord, Verdict
from snaketrain.arena.sprt import Sprt
from snaketrain.rules import rng


@pytest.fixture(autouse=True)
def one_torch_thread() -> Iterator[None]:
    """Small batches run fastest on one thread (the default two spin on a busy machine)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


SMALL = MatchSetup(size=7, master_seed=11, max_turns=200, batch_size=64)
TEST = Sprt(0.0, 50.0)

# ---- the SPRT lane loop, on scripted pairs ------------------------------------------------

# (wins, draws, losses) of a pair in each pentanomial class LL, LD, DD/WL, DW, WW
PAIR_SCORES = [(0, 0, 2), (0, 1, 1), (0, 2, 0), (1, 1, 0), (2, 0, 0)]


def scripted(pairs: range, kind: list[int]) -> MatchResult:
    """A result in which pair ``i`` falls in pentanomial class ``kind[i % len(kind)]``."""
    ptnml = [0] * 5
    for i in pairs:
        ptnml[kind[i % len(kind)]] += 1
    w, d, lo = (sum(n * s[j] for n, s in zip(ptnml, PAIR_SCORES, strict=True)) for j in range(3))
    row = OpponentRecord("incumbent", w, d, lo, tuple(ptnml), {}, 0, {}, {})  # type: ignore[arg-type]
    return MatchResult("candidate", ("incumbent",), 2, 7, 0, 100, {}, tuple(pairs), (row,))


STRONG, WEAK, EVEN = [4, 3, 4], [0, 1, 0], [0, 4]  # EVEN: equal, but noisy


def test_run_sprts_plays_only_running_lanes_until_each_decides() -> None:
    kinds = [STRONG, WEAK, EVEN]
    runs = [SprtRun(TEST, batch_pairs=8, max_pairs=40) for _ in kinds]
    asked: list[list[tuple[int, range]]] = []

    def play_batch(batch: list[tuple[int, range]]) -> list[MatchResult]:
        asked.append(batch)
        return [scripted(pairs, kinds[k]) for k, pairs in batch]

    verdicts = run_sprts(runs, play_batch)
    assert [v.status for v in verdicts] == ["accept", "reject", "inconclusive"]
    assert asked[0] == [(0, range(0, 8)), (1, range(0, 8)), (2, range(0, 8))]
    assert [k for k, _ in asked[-1]] == [2]  # the even lane plays on to the cap alone
    assert verdicts[2].batches == [8, 16, 24, 32, 40]
    assert len(asked) == 5
    for k, v in enumerate(verdicts):
        # each lane asked for the next pairs of its own run, in order
        mine = [pairs for batch in asked for j, pairs in batch if j == k]
        assert [p.stop for p in mine] == v.batches
        assert v.result.pairs == tuple(range(v.batches[-1]))
        assert v == sprt_match(lambda p, k=k: scripted(p, kinds[k]), TEST, 8, 40)


def test_run_sprts_reports_every_lane_after_each_of_its_batches() -> None:
    kinds = [STRONG, EVEN]
    runs = [SprtRun(TEST, batch_pairs=10, max_pairs=30), SprtRun(TEST, 7, 21, first_pair=100)]
    seen: list[tuple[int, int, str]] = []
    run_sprts(
        runs,
        lambda batch: [scripted(pairs, kinds[k]) for k, pairs in batch],
        on_batch=lambda k, run: seen.append((k, run.batches[-1], run.status)),
    )
    strong = [(n, status) for k, n, status in seen if k == 0]
    assert [n for n, _ in strong] == runs[0].batches
    assert [status for _, status in strong] == ["continue"] * (len(strong) - 1) + ["accept"]
    assert [(n, status) for k, n, status in seen if k == 1] == [
        (7, "continue"),
        (14, "continue"),
        (21, "inconclusive"),
    ]
    assert runs[1].result is not None and runs[1].result.pairs == tuple(range(100, 121))


def test_run_sprts_refuses_results_that_do_not_match_the_lanes() -> None:
    with pytest.raises(ValueError, match="2 lanes"):
        run_sprts([SprtRun(TEST), SprtRun(TEST)], lambda b: [scripted(b[0][1], EVEN)])
    with pytest.raises(ValueError, match="lane 0 asked for pairs 0..31"):
        run_sprts([SprtRun(TEST)], lambda b: [scripted(range(1, 33), EVEN)])


# ---- fixed-N and remeasure ------------------------------------------------------------------


def test_fixed_n_accepts_only_when_the_interval_clears_the_minimum() -> None:
    a, b = SaltedRandomSafe(1), SaltedRandomSafe(2)
    verdict = fixed_match(LocalPlayer(a, [b], SMALL), games=40, min_elo=0.0)
    elo = verdict.result.total.elo()
    assert verdict.result.games == 40
    assert verdict.status == (
        "accept" if elo.low >= 0 else "reject" if elo.high < 0 else "inconclusive"
    )
    assert Verdict.from_json(verdict.to_json()) == verdict
    # against a weak opponent a huge minimum is never "accepted"
    assert fixed_match(LocalPlayer(a, [b], SMALL), games=40, min_elo=500).status == "reject"
    with pytest.raises(ValueError):
        fixed_match(LocalPlayer(a, [b], SMALL), games=41)


def test_remeasure_plays_seeds_the_deciding_games_never_used() -> None:
    a, b = SaltedRandomSafe(1), SaltedRandomSafe(2)
    play = LocalPlayer(a, [b], SMALL)
    deciding = fixed_match(play, games=20).result
    fresh = remeasure(play, 10, deciding=deciding)
    assert min(fresh.pairs) == REMEASURE_BASE and len(fresh.pairs) == 10
    seeds = {rng.game_seed(SMALL.master_seed, i) for i in deciding.pairs}
    assert seeds.isdisjoint(rng.game_seed(SMALL.master_seed, i) for i in fresh.pairs)
    with pytest.raises(ValueError, match="master seed"):
        remeasure(LocalPlayer(a, [b], dataclasses.replace(SMALL, master_seed=1)), 2, deciding)
