"""Statistics of game outcomes: win rate, pentanomial counts, Elo, LOS.

Pure functions: counts in, floats and small dataclasses out (all serialise with
``dataclasses.asdict``). Scores are always from the candidate's view: a win is 1, a draw
0.5, a loss 0.

Count vectors are ordered from worst to best for the candidate, as in fishtest:

- trinomial (unpaired games): ``[L, D, W]``, game scores 0, 0.5, 1;
- pentanomial (game pairs): ``[LL, LD+DL, LW+DD+WL, DW+WD, WW]``, pair scores 0, 0.5, 1,
  1.5, 2. A pair is two games on a common seed with the start positions swapped.

Elo estimates follow fishtest's ``server/fishtest/stats/stat_util.py`` (``get_elo``) and
Michel Van den Bergh's notes on normalized Elo
(https://www.cantate.be/Fishtest/normalized_elo_practical.pdf):

- the per-game score ``mu`` is the mean of the sample points (pair score / 2 for pairs);
- its standard error is ``sqrt(var / N)`` where ``var`` is the variance of the sample
  points and ``N`` the number of samples (pairs or games): pairs are the independent
  units, so the within-pair correlation that common seeds create is accounted for;
- the score interval ``mu ± z·se`` is mapped to Elo through the monotone logistic curve
  ``elo(s) = -400·log10(1/s - 1)``; ``±`` is half the mapped width, equal to the delta
  method's ``z·se·d elo/d s`` to first order;
- normalized Elo is ``(mu - 0.5) / sigma_pg · 800 / ln 10`` with the per-game standard
  deviation ``sigma_pg = sqrt(2·var)`` for pairs and ``sqrt(var)`` for single games; its
  ``±`` treats ``sigma_pg`` as known: ``z · 800 / ln 10 / sqrt(games)``.

Degenerate samples: cells with a zero count get a pseudo-count of 1e-3 before any estimate
(fishtest's ``regularize``) and scores are clamped into [0.001, 0.999] before conversion to
Elo, so every figure is finite: zero games give Elo 0 with the widest interval
(±1199.6) and LOS 50%; a perfect record reads as about +1199.6. Reported counts and games
are always the raw ones.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal

import numpy as np

EloModel = Literal["logistic", "normalized"]

#: Pseudo-count given to empty cells before estimating (fishtest's ``regularize``).
REGULARIZATION = 1e-3
#: Scores are clamped into [SCORE_CLAMP, 1 - SCORE_CLAMP] before conversion to Elo.
SCORE_CLAMP = 1e-3
#: Normalized Elo per unit of t-value (mean minus 0.5, over the per-game deviation).
NELO_PER_NT = 800.0 / math.log(10.0)

_GAME_SCORES = (0.0, 0.5, 1.0)


@dataclass(frozen=True)
class WDL:
    """Wins, draws and losses of single games, from the candidate's view."""

    wins: int
    draws: int
    losses: int

    @property
    def games(self) -> int:
        return self.wins + self.draws + self.losses

    @property
    def trinomial(self) -> list[int]:
        """Counts ordered ``[L, D, W]``."""
        return [self.losses, self.draws, self.wins]


@dataclass(frozen=True)
class WinRate:
    """Score (draws count half) with a Wilson score interval."""

    score: float
    low: float
    high: float
    games: int
    confidence: float


@dataclass(frozen=True)
class EloEstimate:
    """An Elo difference (candidate minus incumbent) with its interval and LOS.

    ``elo``, ``low``, ``high`` and ``plus_minus`` are in the unit named by ``elo_model``.
    ``score`` is the mean score per game and ``score_se`` its standard error.
    """

    elo: float
    low: float
    high: float
    plus_minus: float
    los: float
    score: float
    score_se: float
    games: int
    confidence: float
    elo_model: str


# ---------------------------------------------------------------------------------------
# Counting


def _check_game_score(score: float) -> float:
    if score not in _GAME_SCORES:
        raise ValueError(f"a game score must be 0, 0.5 or 1 (candidate's view), got {score!r}")
    return float(score)


def wdl(scores: Iterable[float]) -> WDL:
    """Count wins, draws and losses in a sequence of game scores (1, 0.5, 0)."""
    counts = [0, 0, 0]
    for score in scores:
        counts[int(2 * _check_game_score(score))] += 1
    return WDL(wins=counts[2], draws=counts[1], losses=counts[0])


def wdl_from_pairs(pairs: Iterable[tuple[float, float]]) -> WDL:
    """Count wins, draws and losses over the games of ``(score, score)`` pairs."""
    return wdl(score for pair in pairs for score in pair)


def pentanomial(pairs: Iterable[tuple[float, float]]) -> list[int]:
    """Pentanomial counts ``[LL, LD+DL, LW+DD+WL, DW+WD, WW]`` of game pairs.

    Each pair holds the candidate's scores (1, 0.5 or 0) in the two games played on one
    seed with the start positions swapped; the cell index is twice the pair score.
    """
    counts = [0, 0, 0, 0, 0]
    for first, second in pairs:
        counts[round(2 * (_check_game_score(first) + _check_game_score(second)))] += 1
    return counts


# ---------------------------------------------------------------------------------------
# Conversions


def score_from_elo(elo: float) -> float:
    """Expected score of a logistic Elo difference: ``1 / (1 + 10^(-elo/400))``."""
    return 1.0 / (1.0 + 10.0 ** (-elo / 400.0))


def elo_from_score(score: float) -> float:
    """Logistic Elo of a score, ``-400·log10(1/s - 1)``, with s clamped to [0.001, 0.999]."""
    s = min(max(score, SCORE_CLAMP), 1.0 - SCORE_CLAMP)
    return -400.0 * math.log10(1.0 / s - 1.0) + 0.0  # + 0.0 turns -0.0 into 0.0


def _z(confidence: float) -> float:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence!r}")
    return NormalDist().inv_cdf(0.5 + confidence / 2.0)


def _check_counts(counts: Sequence[int]) -> None:
    if len(counts) not in (3, 5):
        raise ValueError(
            f"counts must be a trinomial [L, D, W] or a pentanomial [LL, .., WW], "
            f"got {len(counts)} cells"
        )
    if any(c < 0 for c in counts):
        raise ValueError(f"counts must be non-negative, got {list(counts)}")


def regularized_distribution(counts: Sequence[int]) -> tuple[float, np.ndarray, np.ndarray]:
    """Sample size, points and probabilities of a trinomial or pentanomial.

    Points are the per-game scores ``i / (K - 1)`` (0, 0.5, 1 or 0, 0.25, .., 1); empty
    cells get the pseudo-count ``REGULARIZATION`` first, so every probability is positive.
    Returns ``(n, points [K], probs [K])`` where ``n`` is the regularized sample size.
    """
    _check_counts(counts)
    regularized = np.array([c if c > 0 else REGULARIZATION for c in counts], dtype=float)
    n = float(regularized.sum())
    points = np.linspace(0.0, 1.0, len(counts))
    return n, points, regularized / n


def _mean_var(counts: Sequence[int]) -> tuple[float, float, float]:
    """Regularized ``(n, mean, variance)`` of the sample points (per-game scale)."""
    n, points, probs = regularized_distribution(counts)
    mu = float(probs @ points)
    var = float(probs @ (points - mu) ** 2)
    return n, mu, var


def games_in(counts: Sequence[int]) -> int:
    """Number of games behind trinomial (one per count) or pentanomial (two) counts."""
    _check_counts(counts)
    return sum(counts) * (2 if len(counts) == 5 else 1)


# ---------------------------------------------------------------------------------------
# Estimates


def wilson_interval(score: float, games: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion ``score`` observed over ``games`` trials.

    ``(p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)`` (Wilson 1927). With draws
    counted half the score's variance is at most ``p(1-p)``, so the interval is
    conservative. Zero games give ``(0, 1)``.
    """
    if games < 0 or not 0.0 <= score <= 1.0:
        raise ValueError(f"need 0 <= score <= 1 and games >= 0, got {score!r}, {games!r}")
    if games == 0:
        return 0.0, 1.0
    z = _z(confidence)
    z2n = z * z / games
    centre = (score + z2n / 2.0) / (1.0 + z2n)
    half = z * math.sqrt(score * (1.0 - score) / games + z2n / (4.0 * games)) / (1.0 + z2n)
    return max(0.0, centre - half), min(1.0, centre + half)


def win_rate(wins: int, draws: int, losses: int, confidence: float = 0.95) -> WinRate:
    """Score ``(W + D/2) / games`` with its Wilson interval (see :func:`wilson_interval`)."""
    if min(wins, draws, losses) < 0:
        raise ValueError(f"counts must be non-negative, got {wins}, {draws}, {losses}")
    games = wins + draws + losses
    score = (wins + 0.5 * draws) / games if games else 0.5
    low, high = wilson_interval(score, games, confidence)
    return WinRate(score=score, low=low, high=high, games=games, confidence=confidence)


def los(counts: Sequence[int]) -> float:
    """Likelihood of superiority ``Phi((mu - 0.5) / se)`` (fishtest ``get_elo``).

    ``counts`` is a trinomial ``[L, D, W]`` or a pentanomial. The probability that the
    candidate's true score exceeds 0.5 under a normal approximation with a flat prior.
    """
    n, mu, var = _mean_var(counts)
    return NormalDist().cdf((mu - 0.5) / math.sqrt(var / n))


def elo_estimate(
    counts: Sequence[int], confidence: float = 0.95, elo_model: EloModel = "logistic"
) -> EloEstimate:
    """Elo difference with interval and LOS from trinomial or pentanomial counts.

    Formulas in the module docstring (fishtest ``get_elo``; normalized Elo after Van den
    Bergh). Pass a pentanomial for paired games; a trinomial ``[L, D, W]`` treats every
    game as independent (the fallback for unpaired results).
    """
    if elo_model not in ("logistic", "normalized"):
        raise ValueError(f"elo_model must be 'logistic' or 'normalized', got {elo_model!r}")
    z = _z(confidence)
    n, mu, var = _mean_var(counts)
    se = math.sqrt(var / n)
    games = games_in(counts)
    if elo_model == "logistic":
        elo = elo_from_score(mu)
        low, high = elo_from_score(mu - z * se), elo_from_score(mu + z * se)
        plus_minus = (high - low) / 2.0
    else:
        sigma_pg = math.sqrt(2.0 * var if len(counts) == 5 else var)
        elo = (mu - 0.5) / sigma_pg * NELO_PER_NT
        plus_minus = z * NELO_PER_NT / math.sqrt(max(games, 1))
        low, high = elo - plus_minus, elo + plus_minus
    return EloEstimate(
        elo=elo,
        low=low,
        high=high,
        plus_minus=plus_minus,
        los=NormalDist().cdf((mu - 0.5) / se),
        score=mu,
        score_se=se,
        games=games,
        confidence=confidence,
        elo_model=elo_model,
    )


def elo_pentanomial(
    ptnml: Sequence[int], confidence: float = 0.95, elo_model: EloModel = "logistic"
) -> EloEstimate:
    """Elo estimate of paired games from ``[LL, LD+DL, LW+DD+WL, DW+WD, WW]``."""
    if len(ptnml) != 5:
        raise ValueError(f"a pentanomial has 5 cells, got {len(ptnml)}")
    return elo_estimate(ptnml, confidence, elo_model)


def elo_trinomial(
    wins: int,
    draws: int,
    losses: int,
    confidence: float = 0.95,
    elo_model: EloModel = "logistic",
) -> EloEstimate:
    """Elo estimate of unpaired games (each game an independent sample)."""
    return elo_estimate([losses, draws, wins], confidence, elo_model)


# ---------------------------------------------------------------------------------------
# Models for simulation


def game_probabilities(true_elo: float, draw_rate: float) -> np.ndarray:
    """Per-game ``[P(L), P(D), P(W)]`` with expected score ``score_from_elo(true_elo)``.

    ``P(D) = draw_rate``, ``P(W) = s - d/2``, ``P(L) = 1 - s - d/2`` (fishtest's
    ``elo_to_bayeselo`` uses the same split). Raises if the draw rate is too high for the
    score (a negative win or loss probability).
    """
    s = score_from_elo(true_elo)
    p = np.array([1.0 - s - draw_rate / 2.0, draw_rate, s - draw_rate / 2.0])
    if not 0.0 <= draw_rate <= 1.0 or p.min() < 0.0:
        raise ValueError(
            f"draw_rate {draw_rate!r} is not possible at Elo {true_elo!r} "
            f"(score {s:.4f}): need 0 <= draw_rate <= 2·min(s, 1 - s)"
        )
    return p


def pair_probabilities(true_elo: float, draw_rate: float) -> np.ndarray:
    """Pentanomial probabilities of a pair of two independent games.

    With per-game ``(l, d, w)`` from :func:`game_probabilities`: ``[l², 2ld, d² + 2lw,
    2dw, w²]``. The mean per-game score is ``score_from_elo(true_elo)`` exactly, so the
    pentanomial has true logistic Elo ``true_elo``. Independence ignores the within-pair
    correlation of real paired games (negative when a seed favours one start position,
    which lowers the pair variance), so real paired tests tend to stop sooner than
    simulated ones.
    """
    loss, draw, win = game_probabilities(true_elo, draw_rate)
    return np.array(
        [loss * loss, 2 * loss * draw, draw * draw + 2 * loss * win, 2 * draw * win, win * win]
    )
