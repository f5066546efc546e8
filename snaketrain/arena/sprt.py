"""Sequential probability ratio test (SPRT) on Elo over game pairs.

The test of chess-engine testing (fishtest, ``server/fishtest/stats/LLRcalc.py`` and
``sprt.py``): H0 "the candidate is ``elo0`` stronger", H1 "it is ``elo1`` stronger", with
``elo0 < elo1``. After every batch of pairs the generalized log-likelihood ratio (GLR)

    LLR = N · Σ_i p̂_i · log(p1_i / p0_i)

is compared with Wald's bounds ``log(beta / (1 - alpha))`` and ``log((1 - beta) / alpha)``
(-2.94 and 2.94 for alpha = beta = 0.05): above the upper bound the candidate is accepted,
below the lower one rejected. ``p̂`` is the empirical pentanomial (or trinomial)
distribution over the per-game points ``i / (K - 1)`` and ``p0``, ``p1`` are its maximum
likelihood estimates under the constraint that the model's statistic equals its value under
H0 resp. H1 (Michel Van den Bergh, https://www.cantate.be/Fishtest/support_MLE_multinomial.pdf,
Proposition 1.1). The distribution itself is left free, so no draw model is assumed.

- Logistic Elo: the constraint is on the expected score, ``Σ p_i a_i = s`` with
  ``s = 1 / (1 + 10^(-elo/400))``. Lagrange multipliers give ``p_i = p̂_i / (1 + x (a_i - s))``
  where ``x`` is the root of the secular equation ``Σ p̂_i (a_i - s) / (1 + x (a_i - s)) = 0``
  on the interval where every denominator is positive (the function is strictly
  decreasing there, so the root is unique; found by safeguarded Newton).
- Normalized Elo: the constraint is on the t-value ``(mu - 0.5) / sigma = t`` with
  ``t = nelo / (800 / ln 10)`` for single games and ``t·sqrt(2)`` for pairs
  (https://www.cantate.be/Fishtest/normalized_elo_practical.pdf, section 4.1). The
  stationarity condition has the same form with ``g_i = a_i - 0.5 - t·sigma·(1 +
  ((a_i - mu) / sigma)²) / 2`` evaluated at the solution; it is solved by fixed-point
  iteration on ``(mu, sigma)``.

Degenerate counts: empty cells get a pseudo-count of 1e-3 first (fishtest's ``regularize``),
which makes both MLEs exist and the LLR finite. So all pairs identical give a finite LLR
(strongly positive for all WW, strongly negative for all LL, negative for all pairs at
score 1 under H0 = 0 < H1) and zero pairs give exactly 0. No NaN is produced.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from snaketrain.arena.stats import (
    NELO_PER_NT,
    REGULARIZATION,
    EloModel,
    elo_estimate,
    games_in,
    pair_probabilities,
    score_from_elo,
)

Status = Literal["accept", "reject", "continue", "inconclusive"]

#: Draw rate of the simulation model when a caller has no measured one (Battlesnake duels
#: draw only when both snakes die on the same turn, e.g. an equal-length head-to-head).
DEFAULT_DRAW_RATE = 0.1

_NEWTON_STEPS = 200
_FIXED_POINT_STEPS = 100


# ---------------------------------------------------------------------------------------
# Constrained maximum likelihood (vectorised over rows: counts [R, K])


def _secular_root(phat: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Root ``x [R]`` of ``Σ_i phat_i g_i / (1 + x g_i) = 0`` for each row of ``[R, K]``.

    Needs ``min g < 0 < max g`` per row; the root lies in ``(-1/max g, -1/min g)`` where
    the function decreases strictly from +inf to -inf. Newton steps that leave the
    current bracket are replaced by bisection.
    """
    g_max, g_min = g.max(axis=1), g.min(axis=1)
    if np.any(g_max <= 0.0) or np.any(g_min >= 0.0):
        raise ValueError("the constraint is outside the range of the sample points")
    lo, hi = -1.0 / g_max, -1.0 / g_min
    # first-order root (one Newton step from 0), pulled into the bracket
    x = (phat * g).sum(axis=1) / (phat * g * g).sum(axis=1)
    x = np.where((x > lo) & (x < hi), x, 0.0)
    for _ in range(_NEWTON_STEPS):
        denom = 1.0 + x[:, None] * g
        f = (phat * g / denom).sum(axis=1)
        slope = -(phat * (g / denom) ** 2).sum(axis=1)
        lo = np.where(f > 0.0, x, lo)
        hi = np.where(f > 0.0, hi, x)
        step = f / slope
        newton = x - step
        converged = np.abs(step) <= 1e-14 * (1.0 + np.abs(x))
        inside = (newton > lo) & (newton < hi)
        x = np.where(converged | inside, newton, 0.5 * (lo + hi))
        if converged.all():
            break
    return x


def _mle_expected(phat: np.ndarray, points: np.ndarray, score: float) -> np.ndarray:
    """MLE ``[R, K]`` of a distribution on ``points`` with mean ``score`` (rows of phat)."""
    g = np.broadcast_to(points - score, phat.shape)
    x = _secular_root(phat, g)
    return phat / (1.0 + x[:, None] * g)


def _mle_t_value(phat: np.ndarray, points: np.ndarray, ref: float, t: float) -> np.ndarray:
    """MLE ``[R, K]`` of a distribution on ``points`` with ``(mu - ref) / sigma = t``."""
    p = np.full_like(phat, 1.0 / phat.shape[1])  # a start with a wide spread
    for _ in range(_FIXED_POINT_STEPS):
        mu = (p @ points)[:, None]
        sigma = np.sqrt((p * (points - mu) ** 2).sum(axis=1))[:, None]
        dev = (points - mu) / sigma
        g = points - ref - t * sigma * (1.0 + dev**2) / 2.0
        x = _secular_root(phat, g)
        p_next = phat / (1.0 + x[:, None] * g)
        done = np.abs(p_next - p).max() < 1e-13
        p = p_next
        if done:
            break
    return p


def _regularize(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Regularized sample sizes ``[R]`` and empirical distributions ``[R, K]``."""
    regular = np.where(counts > 0, counts, REGULARIZATION).astype(float)
    n = regular.sum(axis=1)
    return n, regular / n[:, None]


# ---------------------------------------------------------------------------------------
# The test


@dataclass(frozen=True)
class Sprt:
    """SPRT of H0 ``elo = elo0`` against H1 ``elo = elo1`` (see the module docstring).

    ``alpha`` is the false-accept rate at ``elo0``, ``beta`` the false-reject rate at
    ``elo1``. ``elo_model`` names the unit of ``elo0``/``elo1``: "logistic" Elo or
    "normalized" Elo. Counts passed to the methods are pentanomials ``[LL, .., WW]`` of
    game pairs (or trinomials ``[L, D, W]`` of unpaired games).
    """

    elo0: float
    elo1: float
    alpha: float = 0.05
    beta: float = 0.05
    elo_model: EloModel = "logistic"

    def __post_init__(self) -> None:
        if not self.elo0 < self.elo1:
            raise ValueError(f"need elo0 < elo1, got [{self.elo0}, {self.elo1}]")
        if not (0.0 < self.alpha < 1.0 and 0.0 < self.beta < 1.0 and self.alpha + self.beta < 1.0):
            raise ValueError(
                f"need 0 < alpha, beta and alpha + beta < 1, got {self.alpha}, {self.beta}"
            )
        if self.elo_model not in ("logistic", "normalized"):
            raise ValueError(
                f"elo_model must be 'logistic' or 'normalized', got {self.elo_model!r}"
            )
        if max(abs(self.elo0), abs(self.elo1)) > (800.0 if self.elo_model == "logistic" else 200.0):
            raise ValueError("Elo bounds this large cannot be tested (|elo| <= 800, nElo <= 200)")

    @property
    def bounds(self) -> tuple[float, float]:
        """Wald's LLR bounds ``(log(beta / (1 - alpha)), log((1 - beta) / alpha))``."""
        return math.log(self.beta / (1.0 - self.alpha)), math.log((1.0 - self.beta) / self.alpha)

    def llr_many(self, counts: np.ndarray) -> np.ndarray:
        """GLR ``[R]`` of count rows ``[R, K]`` (K = 5 pentanomial, 3 trinomial)."""
        counts = np.asarray(counts)
        if counts.ndim != 2 or counts.shape[1] not in (3, 5) or np.any(counts < 0):
            raise ValueError(f"counts must be non-negative rows of 3 or 5 cells, got {counts}")
        n, phat = _regularize(counts)
        points = np.linspace(0.0, 1.0, counts.shape[1])
        if self.elo_model == "logistic":
            p0, p1 = (
                _mle_expected(phat, points, score_from_elo(e)) for e in (self.elo0, self.elo1)
            )
        else:
            scale = math.sqrt(2.0) if counts.shape[1] == 5 else 1.0
            p0, p1 = (
                _mle_t_value(phat, points, 0.5, e / NELO_PER_NT * scale)
                for e in (self.elo0, self.elo1)
            )
        llr = n * (phat * (np.log(p1) - np.log(p0))).sum(axis=1)
        return np.where(counts.sum(axis=1) > 0, llr, 0.0)

    def llr(self, counts: Sequence[int]) -> float:
        """Generalized log-likelihood ratio of one pentanomial (or trinomial)."""
        return float(self.llr_many(np.asarray([counts]))[0])

    def status(self, counts: Sequence[int], pairs_cap: int | None = None) -> Status:
        """The verdict on ``counts`` so far.

        "accept" when the LLR is at or above the upper bound, "reject" at or below the lower
        one; otherwise "inconclusive" once ``sum(counts) >= pairs_cap`` (pairs, or games for
        a trinomial) and "continue" before that.
        """
        value = self.llr(counts)
        lower, upper = self.bounds
        if value >= upper:
            return "accept"
        if value <= lower:
            return "reject"
        if pairs_cap is not None and sum(counts) >= pairs_cap:
            return "inconclusive"
        return "continue"


# ---------------------------------------------------------------------------------------
# Reporting


def summary_line(counts: Sequence[int], sprt: Sprt | None = None, confidence: float = 0.95) -> str:
    """One line in the form chess-engine testing prints, e.g.

    ``Elo: +12.3 ± 8.1 (95%)  LOS: 99.8%  LLR: 2.96 (-2.94, 2.94) [0, 10]  Games: 4,000
    Ptnml: [12, 340, 1200, 390, 58]``

    The Elo unit follows ``sprt.elo_model`` (``nElo`` for normalized); without an SPRT the
    LLR part is left out. Trinomial counts ``[L, D, W]`` end with ``WDL: [W, D, L]``.
    """
    model: EloModel = sprt.elo_model if sprt is not None else "logistic"
    estimate = elo_estimate(counts, confidence, model)
    label = "Elo" if model == "logistic" else "nElo"
    parts = [
        f"{label}: {estimate.elo:+.1f} ± {estimate.plus_minus:.1f} ({confidence:.0%})",
        f"LOS: {estimate.los:.1%}",
    ]
    if sprt is not None:
        lower, upper = sprt.bounds
        parts.append(
            f"LLR: {sprt.llr(counts):.2f} ({lower:.2f}, {upper:.2f}) [{sprt.elo0:g}, {sprt.elo1:g}]"
        )
    parts.append(f"Games: {games_in(counts):,}")
    if len(counts) == 5:
        parts.append(f"Ptnml: [{', '.join(str(c) for c in counts)}]")
    else:
        parts.append(f"WDL: [{counts[2]}, {counts[1]}, {counts[0]}]")
    return "  ".join(parts)


# ---------------------------------------------------------------------------------------
# Simulation


@dataclass(frozen=True)
class SprtSimulation:
    """Outcome rates of simulated SPRT runs and the mean number of games they played.

    Runs stopped by the cap count as "inconclusive" and contribute the cap to
    ``mean_games`` (a lower bound then).
    """

    true_elo: float
    draw_rate: float
    runs: int
    accepted: float
    rejected: float
    inconclusive: float
    mean_games: float


def simulate_sprt(
    true_elo: float,
    sprt: Sprt,
    draw_rate: float,
    rng: np.random.Generator,
    runs: int,
    batch_pairs: int = 8,
    pairs_cap: int | None = None,
) -> SprtSimulation:
    """Run ``runs`` SPRTs on pairs drawn from :func:`pair_probabilities` at ``true_elo``.

    ``true_elo`` is logistic Elo whatever ``sprt.elo_model``. Every run plays batches of
    ``batch_pairs`` pairs and checks the SPRT after each batch, until it accepts, rejects
    or reaches ``pairs_cap`` pairs (no cap: until every run has decided).
    """
    if runs < 1 or batch_pairs < 1:
        raise ValueError(f"need runs >= 1 and batch_pairs >= 1, got {runs}, {batch_pairs}")
    probs = pair_probabilities(true_elo, draw_rate)
    lower, upper = sprt.bounds
    counts = np.zeros((runs, 5), dtype=np.int64)
    verdict = np.zeros(runs, dtype=np.int8)  # 0 running, 1 accept, -1 reject, 2 cap
    pairs_at_stop = np.zeros(runs, dtype=np.int64)
    pairs = 0
    while np.any(verdict == 0):
        batch = batch_pairs if pairs_cap is None else min(batch_pairs, pairs_cap - pairs)
        active = np.flatnonzero(verdict == 0)
        counts[active] += rng.multinomial(batch, probs, size=len(active))
        pairs += batch
        llr = sprt.llr_many(counts[active])
        verdict[active[llr >= upper]] = 1
        verdict[active[llr <= lower]] = -1
        if pairs_cap is not None and pairs >= pairs_cap:
            verdict[active[verdict[active] == 0]] = 2
        pairs_at_stop[active[verdict[active] != 0]] = pairs
    return SprtSimulation(
        true_elo=true_elo,
        draw_rate=draw_rate,
        runs=runs,
        accepted=float(np.mean(verdict == 1)),
        rejected=float(np.mean(verdict == -1)),
        inconclusive=float(np.mean(verdict == 2)),
        mean_games=float(2.0 * pairs_at_stop.mean()),
    )


def expected_games(
    true_elo: float,
    sprt: Sprt,
    draw_rate: float,
    rng: np.random.Generator,
    runs: int,
    batch_pairs: int = 8,
    pairs_cap: int | None = None,
) -> float:
    """Mean number of games (2 per pair) an SPRT needs at ``true_elo``, by simulation.

    See :func:`simulate_sprt` for the model and the arguments.
    """
    return simulate_sprt(
        true_elo, sprt, draw_rate, rng, runs, batch_pairs=batch_pairs, pairs_cap=pairs_cap
    ).mean_games
