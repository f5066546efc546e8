"""SPRT on Elo over game pairs: LLR values, verdicts, error rates by simulation."""

import dataclasses
import json
import math

import numpy as np
import pytest

from snaketrain.arena.sprt import (
    DEFAULT_DRAW_RATE,
    Sprt,
    expected_games,
    simulate_sprt,
    summary_line,
)
from snaketrain.arena.stats import pair_probabilities, score_from_elo

NELO_PER_NT = 800 / math.log(10)


def _profile_max_trinomial(counts, family):
    """Max of Σ n_i log p_i over a 1-parameter family of trinomials, by grid search.

    ``family(u)`` maps a grid ``u [M]`` to probabilities ``[M, 3]`` (NaN where infeasible).
    A coarse grid, then a fine grid around its best point.
    """

    def best(grid):
        probs = family(grid)
        with np.errstate(invalid="ignore", divide="ignore"):
            loglik = np.log(probs) @ np.asarray(counts, dtype=float)
        loglik[~np.isfinite(loglik)] = -np.inf
        k = int(np.argmax(loglik))
        return grid[k], loglik[k], grid[1] - grid[0]

    u, _, step = best(np.linspace(0.0, 1.0, 100_001))
    _, value, _ = best(np.linspace(u - 2 * step, u + 2 * step, 100_001))
    return value


def _brute_llr_logistic(counts, elo0, elo1):
    def family_for(s):
        def family(p_draw):  # mean s fixed: p_W = s - d/2, p_L = 1 - s - d/2
            probs = np.stack([1 - s - p_draw / 2, p_draw, s - p_draw / 2], axis=1)
            probs[(probs <= 0).any(axis=1)] = np.nan
            return probs

        return family

    s0, s1 = score_from_elo(elo0), score_from_elo(elo1)
    return _profile_max_trinomial(counts, family_for(s1)) - _profile_max_trinomial(
        counts, family_for(s0)
    )


def _brute_llr_normalized(counts, nelo0, nelo1):
    def family_for(t):
        def family(u):  # u in [0, 1] -> mean on t's side of 0.5; sigma = |mu - 0.5| / |t|
            mu = 0.5 + np.sign(t) * 0.5 * u
            var = ((mu - 0.5) / t) ** 2
            p_draw = 4 * (mu * (1 - mu) - var)
            probs = np.stack([1 - mu - p_draw / 2, p_draw, mu - p_draw / 2], axis=1)
            probs[(probs <= 0).any(axis=1)] = np.nan
            return probs

        return family

    t0, t1 = nelo0 / NELO_PER_NT, nelo1 / NELO_PER_NT
    return _profile_max_trinomial(counts, family_for(t1)) - _profile_max_trinomial(
        counts, family_for(t0)
    )


# ---- the LLR --------------------------------------------------------------------------


def test_bounds_follow_wald():
    assert Sprt(0, 10).bounds == pytest.approx((-2.944439, 2.944439), abs=1e-6)
    lower, upper = Sprt(0, 10, alpha=0.01, beta=0.1).bounds
    assert lower == pytest.approx(math.log(0.1 / 0.99))
    assert upper == pytest.approx(math.log(0.9 / 0.01))


@pytest.mark.parametrize("counts", [[30, 25, 45], [50, 10, 40], [7, 80, 13]])
def test_trinomial_llr_equals_the_brute_force_profile_likelihood_ratio(counts):
    # The GLR maximises the likelihood over all trinomials with the H0 resp. H1 score;
    # with the mean fixed a trinomial has one free parameter, searched on a grid.
    sprt = Sprt(-20, 50)
    assert sprt.llr(counts) == pytest.approx(_brute_llr_logistic(counts, -20, 50), abs=1e-6)


@pytest.mark.parametrize("counts", [[30, 25, 45], [50, 10, 40]])
def test_normalized_trinomial_llr_equals_the_brute_force_one(counts):
    sprt = Sprt(-20, 40, elo_model="normalized")
    assert sprt.llr(counts) == pytest.approx(_brute_llr_normalized(counts, -20, 40), abs=1e-6)


def test_logistic_and_normalized_agree_on_equivalent_bounds():
    # fishtest's own consistency case: for this pentanomial the logistic bounds
    # [0.2, 0.9] and the normalized bounds [0.764, 3.439] describe the same test.
    ptnml = [39, 2226, 31451, 2412, 40]
    logistic = Sprt(0.2, 0.9).llr(ptnml)
    normalized = Sprt(0.764, 3.439, elo_model="normalized").llr(ptnml)
    assert logistic == pytest.approx(2.163, abs=1e-3)
    assert normalized == pytest.approx(logistic, rel=1e-3)


def test_llr_matches_the_gaussian_approximation_for_large_samples():
    # Van den Bergh's GSPRT approximation N (s1 - s0)(2 mu - s0 - s1) / (2 var) holds
    # to first order in the score differences.
    ptnml = np.rint(pair_probabilities(4, 0.1) * 200_000).astype(int)
    points = np.linspace(0, 1, 5)
    n = ptnml.sum()
    mu = ptnml @ points / n
    var = ptnml @ (points - mu) ** 2 / n
    s0, s1 = score_from_elo(0), score_from_elo(10)
    approx = n * (s1 - s0) * (2 * mu - s0 - s1) / (2 * var)
    assert Sprt(0, 10).llr(list(ptnml)) == pytest.approx(approx, rel=0.02)


def test_llr_mirrors_when_results_and_bounds_are_mirrored():
    ptnml = [3, 20, 41, 27, 9]
    mirrored = ptnml[::-1]
    assert Sprt(0, 10).llr(ptnml) == pytest.approx(-Sprt(-10, 0).llr(mirrored))
    assert Sprt(0, 5, elo_model="normalized").llr(ptnml) == pytest.approx(
        -Sprt(-5, 0, elo_model="normalized").llr(mirrored)
    )


def test_more_won_pairs_raise_the_llr():
    sprt = Sprt(0, 10)
    values = [sprt.llr([10, 40, 100, 40, 10 + extra]) for extra in range(0, 30, 5)]
    assert values == sorted(values)
    assert values[0] < 0 < values[-1]


def test_strongly_winning_counts_cross_the_upper_bound():
    sprt = Sprt(0, 10)
    winning = [5, 60, 200, 150, 85]
    assert sprt.llr(winning) > sprt.bounds[1]
    assert sprt.status(winning) == "accept"
    losing = winning[::-1]
    assert sprt.llr(losing) < sprt.bounds[0]
    assert sprt.status(losing) == "reject"


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("model", ["logistic", "normalized"])
def test_degenerate_counts_give_a_finite_llr(model):
    sprt = Sprt(0, 10, elo_model=model)
    assert sprt.llr([0, 0, 0, 0, 0]) == 0.0
    assert sprt.llr([0, 0, 0]) == 0.0
    for ptnml in ([0, 0, 50, 0, 0], [0, 0, 0, 0, 50], [50, 0, 0, 0, 0], [0, 1, 0, 0, 0]):
        assert math.isfinite(sprt.llr(ptnml))
    assert sprt.llr([0, 0, 0, 0, 50]) > 0 > sprt.llr([50, 0, 0, 0, 0])
    # only even pairs: evidence for H0 (elo 0), never NaN
    assert sprt.llr([0, 0, 50, 0, 0]) < 0


def test_a_long_run_of_won_pairs_is_accepted_and_lost_pairs_rejected():
    sprt = Sprt(0, 10)
    assert sprt.status([0, 0, 0, 0, 300]) == "accept"
    assert sprt.status([300, 0, 0, 0, 0]) == "reject"


def test_status_continues_until_the_cap_then_is_inconclusive():
    sprt = Sprt(0, 10)
    even = [4, 10, 20, 10, 4]
    assert sprt.status(even) == "continue"
    assert sprt.status(even, pairs_cap=100) == "continue"
    assert sprt.status(even, pairs_cap=48) == "inconclusive"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"elo0": 10, "elo1": 0},
        {"elo0": 0, "elo1": 0},
        {"elo0": 0, "elo1": 10, "alpha": 0},
        {"elo0": 0, "elo1": 10, "alpha": 0.6, "beta": 0.5},
        {"elo0": 0, "elo1": 10, "elo_model": "bayes"},
        {"elo0": 0, "elo1": 5000},
    ],
)
def test_bad_parameters_are_refused(kwargs):
    with pytest.raises(ValueError):
        Sprt(**kwargs)


def test_sprt_serialises_to_json():
    sprt = Sprt(0, 10, elo_model="normalized")
    assert json.loads(json.dumps(dataclasses.asdict(sprt))) == {
        "elo0": 0,
        "elo1": 10,
        "alpha": 0.05,
        "beta": 0.05,
        "elo_model": "normalized",
    }


# ---- the summary line -----------------------------------------------------------------


def test_summary_line_reads_like_chess_testing():
    line = summary_line([1, 2, 3, 2, 2], Sprt(0, 10))
    assert line == (
        "Elo: +34.9 ± 143.8 (95%)  LOS: 69.4%  LLR: 0.06 (-2.94, 2.94) [0, 10]  "
        "Games: 20  Ptnml: [1, 2, 3, 2, 2]"
    )
    big = summary_line([12, 340, 1200, 390, 58], Sprt(0, 2.5))
    assert big.startswith("Elo: +12.3 ± 5.4 (95%)  LOS: 100.0%  LLR: ")
    assert big.endswith("[0, 2.5]  Games: 4,000  Ptnml: [12, 340, 1200, 390, 58]")


def test_summary_line_without_sprt_and_for_unpaired_games():
    assert (
        summary_line([3, 5, 10])
        == "Elo: +142.6 ± 157.4 (95%)  LOS: 98.5%  Games: 18  WDL: [10, 5, 3]"
    )
    assert summary_line([1, 2, 3, 2, 2], Sprt(0, 5, elo_model="normalized")).startswith(
        "nElo: +39.3"
    )


# ---- error rates by simulation ----------------------------------------------------------
# Pairs are drawn from pair_probabilities(true_elo, draw_rate): two independent games with
# P(D) = draw_rate, P(W) = s - d/2, P(L) = 1 - s - d/2, s the score of the true Elo.


def test_false_accept_rate_at_elo0_is_at_most_alpha():
    # 300 runs: binomial SE of a 5% rate is sqrt(.05 · .95 / 300) = 1.26%; allow 2 SE.
    # The 3000-pair cap stops many runs early, which can only lower the rate.
    result = simulate_sprt(
        0.0, Sprt(0, 10), DEFAULT_DRAW_RATE, np.random.default_rng(1), 300, pairs_cap=3000
    )
    assert result.accepted <= 0.05 + 2 * 0.0126
    assert result.accepted + result.rejected + result.inconclusive == pytest.approx(1)


def test_a_clearly_better_candidate_is_accepted():
    result = simulate_sprt(
        30.0, Sprt(0, 10), DEFAULT_DRAW_RATE, np.random.default_rng(2), 300, pairs_cap=3000
    )
    assert result.accepted >= 0.95


def test_expected_games_is_reproducible_and_shrinks_with_a_clear_difference():
    sprt = Sprt(0, 10)
    fast = expected_games(30.0, sprt, DEFAULT_DRAW_RATE, np.random.default_rng(3), 200)
    again = expected_games(30.0, sprt, DEFAULT_DRAW_RATE, np.random.default_rng(3), 200)
    slow = expected_games(
        0.0, sprt, DEFAULT_DRAW_RATE, np.random.default_rng(3), 200, pairs_cap=3000
    )
    assert fast == again
    assert 600 < fast < slow
