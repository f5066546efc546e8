"""Arena statistics: counting, win rate, Elo, LOS, the simulation model."""

import dataclasses
import json
import math

import numpy as np
import pytest

from snaketrain.arena.stats import (
    elo_estimate,
    elo_from_score,
    elo_pentanomial,
    elo_trinomial,
    game_probabilities,
    los,
    pair_probabilities,
    pentanomial,
    score_from_elo,
    wdl,
    wdl_from_pairs,
    wilson_interval,
    win_rate,
)

PAIRS = [(1, 1), (1, 0), (0, 1), (0.5, 0.5), (0.5, 1), (0, 0.5), (0, 0)]


# ---- counting -------------------------------------------------------------------------


def test_pentanomial_counts_pairs_by_pair_score():
    # pair scores 2, 1, 1, 1, 1.5, 0.5, 0 -> cells 4, 2, 2, 2, 3, 1, 0
    assert pentanomial(PAIRS) == [1, 1, 3, 1, 1]


def test_wdl_counts_every_game_of_the_pairs():
    counts = wdl_from_pairs(PAIRS)
    assert (counts.wins, counts.draws, counts.losses) == (5, 4, 5)
    assert counts.games == 14
    assert counts.trinomial == [5, 4, 5]
    assert wdl([1, 0.5, 0.5, 0]) == wdl_from_pairs([(1, 0.5), (0.5, 0)])


@pytest.mark.parametrize("bad", [0.25, 2, -1, 0.7])
def test_a_score_that_is_not_win_draw_or_loss_is_refused(bad):
    with pytest.raises(ValueError, match="0, 0.5 or 1"):
        pentanomial([(1, bad)])
    with pytest.raises(ValueError, match="0, 0.5 or 1"):
        wdl([bad])


# ---- win rate -------------------------------------------------------------------------


def test_wilson_interval_of_7_in_10():
    # (p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n), z = 1.959964:
    # centre 0.892073 / 1.384146 = 0.644490, half 0.342874 / 1.384146 = 0.247715
    low, high = wilson_interval(0.7, 10)
    assert low == pytest.approx(0.396778, abs=1e-6)
    assert high == pytest.approx(0.892209, abs=1e-6)


def test_wilson_interval_at_the_edges():
    # 0/10: upper = (z²/n) / (1 + z²/n) = 0.384146 / 1.384146
    assert wilson_interval(0.0, 10) == pytest.approx((0.0, 0.277533), abs=1e-6)
    assert wilson_interval(1.0, 10) == pytest.approx((0.722467, 1.0), abs=1e-6)
    assert wilson_interval(0.5, 0) == (0.0, 1.0)


def test_win_rate_counts_draws_half():
    rate = win_rate(wins=6, draws=2, losses=2)
    assert rate.score == pytest.approx(0.7)
    assert (rate.low, rate.high) == pytest.approx(wilson_interval(0.7, 10))
    assert rate.games == 10
    narrower = win_rate(wins=6, draws=2, losses=2, confidence=0.5)
    assert rate.low < narrower.low < narrower.high < rate.high


# ---- Elo ------------------------------------------------------------------------------


def test_elo_and_score_conversions():
    assert score_from_elo(0) == 0.5
    assert elo_from_score(0.75) == pytest.approx(400 * math.log10(3))
    assert elo_from_score(score_from_elo(37.5)) == pytest.approx(37.5)
    assert elo_from_score(1.0) == pytest.approx(400 * math.log10(999))  # clamped to 0.999


def test_elo_of_a_small_pentanomial_by_hand():
    # points 0, .25, .5, .75, 1 with counts 1, 2, 3, 2, 2: mean 5.5/10 = 0.55,
    # variance (0.3025 + 0.18 + 0.0075 + 0.08 + 0.405) / 10 = 0.0975, se = sqrt(0.0975/10)
    est = elo_pentanomial([1, 2, 3, 2, 2])
    se = math.sqrt(0.00975)
    assert est.score == pytest.approx(0.55)
    assert est.score_se == pytest.approx(se)
    assert est.elo == pytest.approx(400 * math.log10(0.55 / 0.45))  # 34.86
    z = 1.959964
    low, high = 0.55 - z * se, 0.55 + z * se
    assert est.low == pytest.approx(400 * math.log10(low / (1 - low)), abs=1e-3)  # -102.6
    assert est.high == pytest.approx(400 * math.log10(high / (1 - high)), abs=1e-3)  # 184.9
    assert est.plus_minus == pytest.approx((est.high - est.low) / 2)
    assert est.los == pytest.approx(0.69370, abs=1e-5)  # Phi(0.05 / 0.098742)
    assert est.games == 20


def test_normalized_elo_of_a_small_pentanomial_by_hand():
    est = elo_pentanomial([1, 2, 3, 2, 2], elo_model="normalized")
    nelo_per_nt = 800 / math.log(10)
    assert est.elo == pytest.approx(0.05 / math.sqrt(2 * 0.0975) * nelo_per_nt)  # 39.34
    assert est.plus_minus == pytest.approx(1.959964 * nelo_per_nt / math.sqrt(20), rel=1e-6)


def test_trinomial_fallback_treats_games_as_independent():
    est = elo_trinomial(wins=10, draws=5, losses=3)
    mu = 12.5 / 18
    var = (10 * (1 - mu) ** 2 + 5 * (0.5 - mu) ** 2 + 3 * mu**2) / 18
    assert est.score == pytest.approx(mu)
    assert est.score_se == pytest.approx(math.sqrt(var / 18))
    assert est.elo == pytest.approx(142.62, abs=0.01)
    assert est.games == 18
    assert est == elo_estimate([3, 5, 10])


def test_los_is_symmetric_and_half_at_an_even_score():
    assert los([1, 2, 3, 2, 2]) == pytest.approx(1 - los([2, 2, 3, 2, 1]))
    assert los([4, 10, 20, 10, 4]) == pytest.approx(0.5)
    assert los([3, 5, 10]) > 0.95


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize(
    "counts", [[0, 0, 0, 0, 0], [0, 0, 9, 0, 0], [0, 0, 0, 0, 7], [5, 0, 0, 0, 0], [0, 0, 0]]
)
def test_degenerate_counts_give_finite_figures(counts):
    for model in ("logistic", "normalized"):
        est = elo_estimate(counts, elo_model=model)
        values = [est.elo, est.low, est.high, est.plus_minus, est.los, est.score, est.score_se]
        assert all(math.isfinite(v) for v in values), est
        assert est.low <= est.elo <= est.high


def test_zero_games_read_as_no_information():
    est = elo_pentanomial([0, 0, 0, 0, 0])
    assert est.elo == 0.0
    assert est.los == 0.5
    assert est.low == pytest.approx(-elo_from_score(1.0))
    assert est.high == pytest.approx(elo_from_score(1.0))
    assert est.games == 0


def test_perfect_record_is_clamped_not_infinite():
    assert elo_pentanomial([0, 0, 0, 0, 10]).elo == pytest.approx(elo_from_score(1.0))
    assert elo_pentanomial([10, 0, 0, 0, 0]).elo == pytest.approx(-elo_from_score(1.0))


def test_bad_counts_are_refused():
    with pytest.raises(ValueError, match="3 or 5|trinomial"):
        elo_estimate([1, 2, 3, 4])
    with pytest.raises(ValueError, match="non-negative"):
        elo_estimate([1, -2, 3])
    with pytest.raises(ValueError, match="5 cells"):
        elo_pentanomial([1, 2, 3])
    with pytest.raises(ValueError, match="elo_model"):
        elo_estimate([1, 2, 3], elo_model="bayes")


def test_results_serialise_to_json():
    for value in (elo_pentanomial([1, 2, 3, 2, 2]), win_rate(3, 1, 2), wdl([1, 0])):
        assert json.loads(json.dumps(dataclasses.asdict(value)))


# ---- the simulation model --------------------------------------------------------------


def test_pair_probabilities_by_hand_and_their_mean():
    # Elo 0, draw rate 0.2: l = w = 0.4, d = 0.2 -> [l², 2ld, d² + 2lw, 2dw, w²]
    assert pair_probabilities(0, 0.2) == pytest.approx([0.16, 0.16, 0.36, 0.16, 0.16])
    for elo in (-50, 0, 10, 30, 200):
        probs = pair_probabilities(elo, 0.1)
        assert probs.sum() == pytest.approx(1)
        assert probs @ np.linspace(0, 1, 5) == pytest.approx(score_from_elo(elo))
        assert game_probabilities(elo, 0.1)[1] == pytest.approx(0.1)


def test_impossible_draw_rate_is_refused():
    with pytest.raises(ValueError, match="draw_rate"):
        pair_probabilities(600, 0.5)
    with pytest.raises(ValueError, match="draw_rate"):
        game_probabilities(0, 1.5)


def test_elo_interval_covers_the_true_elo_95_percent_of_the_time():
    # 500 fixed-size tests of 400 pairs at true Elo +20; the coverage estimate has a
    # binomial SE of sqrt(.95 · .05 / 500) = 1%, so [92%, 98%] is ±3 SE.
    rng = np.random.default_rng(20240501)
    true_elo = 20.0
    samples = rng.multinomial(400, pair_probabilities(true_elo, 0.1), size=500)
    covered = [
        est.low <= true_elo <= est.high for est in (elo_pentanomial(list(c)) for c in samples)
    ]
    assert 0.92 <= np.mean(covered) <= 0.98
