"""SPSA, as Fishtest and OpenBench tune engines: pure steps over a JSON-serialisable state.

θ is the normalised vector of the tuned keys (``tunables``). One step is one batch of pairs
(OpenBench's "pairs per" batching), all from the same θ:

1. :func:`plan_batch` gives pair ``j`` its own Rademacher perturbation ``Δ_j`` (each entry
   ±1; with ``pairs_per_delta = d`` > 1 consecutive pairs share one, pair ``j`` taking draw
   ``j // d``, for snakes whose every config costs a start) and the two configs
   ``θ + c_k Δ_j`` and ``θ - c_k Δ_j``: clipped to the bounds, floats rounded to
   FLOAT_DECIMALS, ints rounded probabilistically with one draw per key shared by both sides
   (common random numbers, as OpenBench).
2. The caller plays each pair (two games on one seed, seats swapped) and scores it from θ+'s
   view in [-1, 1]: :func:`pair_score`.
3. :func:`apply_batch` applies ``θ += (a_k / c_k) · score_j · Δ_j`` for every pair in pair
   order, clipping θ to [0, 1] after each, and advances ``k``.

Every draw is counter-based, a function of ``(seed, k, pair)`` only (numpy's SeedSequence
keying a Philox stream, whose raw output is fixed across numpy versions): a resumed run redraws
exactly the same perturbations, and ``apply_batch`` re-derives the ``Δ_j`` of the scores it is
given instead of storing them. Pair ``j``'s draws do not depend on the batch size.

Tuning gains, verification decides: :class:`SpsaAdvisor` proposes the rounded θ, which plays
the same SPRT against the incumbent as any other candidate.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

import numpy as np

from snaketrain.snake.space import Config, Value
from snaketrain.trainlog import LogEntry
from snaketrain.tuning.advisor import Advisor, Proposal
from snaketrain.tuning.spsa_settings import SpsaSettings, parse_settings
from snaketrain.tuning.tunables import space_json, space_of, to_config, unit_value, unit_vector

STATE_VERSION = 1
DELTA_STREAM = 0
ROUND_STREAM = 1
HISTORY_DECIMALS = 6
"""θ in the history is rounded to this many decimals (display only; θ itself is exact)."""


def _raw(seed: int, stream: int, k: int, pair: int, n: int) -> np.ndarray:
    """``[n]`` uint64 raw draws of Philox keyed by ``SeedSequence(seed, (stream, k, pair))``."""
    sequence = np.random.SeedSequence(seed, spawn_key=(stream, k, pair))
    return np.random.Philox(sequence).random_raw(n)


def rademacher(seed: int, k: int, pair: int, n: int) -> np.ndarray:
    """``[n]`` float64 of ±1, the perturbation of pair ``pair`` of step ``k``."""
    return (_raw(seed, DELTA_STREAM, k, pair, n) >> np.uint64(63)).astype(np.float64) * 2 - 1


def uniforms(seed: int, k: int, pair: int, n: int) -> np.ndarray:
    """``[n]`` float64 in [0, 1), the rounding draws of pair ``pair`` of step ``k``."""
    return (_raw(seed, ROUND_STREAM, k, pair, n) >> np.uint64(11)).astype(np.float64) * 2.0**-53


def pair_score(game_a: float, game_b: float) -> float:
    """A pair's score from θ+'s view, in [-1, 1], from θ+'s score (0, 0.5 or 1) in its two
    games: θ+'s points minus θ-'s over the pair, halved (``a + b - 1``)."""
    if not (0.0 <= game_a <= 1.0 and 0.0 <= game_b <= 1.0):
        raise ValueError(f"game scores must be in [0, 1], got {game_a}, {game_b}")
    return game_a + game_b - 1.0


class SpsaPair(NamedTuple):
    """One pair of a batch: the two configs to play and the perturbation's signs ``[n]``."""

    plus: Config
    minus: Config
    delta: tuple[int, ...]


@dataclass(frozen=True)
class SpsaState:
    """Where a run stands. ``theta: [n]`` normalised, in ``settings.keys`` order; ``k`` steps
    applied (the next is ``k + 1``); ``pairs`` scored so far; ``history: [k][n]`` θ after each
    step (``HISTORY_DECIMALS``). Untuned keys keep ``base``'s values."""

    settings: SpsaSettings
    base: Config
    theta: tuple[float, ...]
    seed: int
    k: int = 0
    pairs: int = 0
    history: tuple[tuple[float, ...], ...] = field(default=())

    def __post_init__(self) -> None:
        n = len(self.settings.keys)
        if len(self.theta) != n or not all(0.0 <= t <= 1.0 for t in self.theta):
            raise ValueError(f"theta must be {n} coordinates in [0, 1], got {self.theta}")
        if not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed must be an integer >= 0, got {self.seed!r}")
        if self.k < 0 or self.pairs < 0 or len(self.history) != self.k:
            raise ValueError(f"need k >= 0, pairs >= 0 and k history rows, got {self.k}")

    @staticmethod
    def start(base: Config, settings: SpsaSettings, seed: int) -> SpsaState:
        """A new run from ``base``: θ is its tuned keys' coordinates (``settings`` are for
        keys of ``base``'s space)."""
        if settings.space != base.space:
            raise ValueError(
                f"tune settings are for {settings.space.describe()}, "
                f"the config is of {base.space.describe()}"
            )
        return SpsaState(settings, base, tuple(unit_vector(base, settings.keys).tolist()), seed)

    @property
    def done(self) -> bool:
        """All planned steps applied (further steps keep the decayed gains)."""
        return self.k >= self.settings.steps

    def config(self) -> Config:
        """θ as a valid config, ints rounded to the nearest value: the one to verify."""
        return to_config(self.base, self.settings.keys, self.theta)

    def values(self) -> dict[str, float]:
        """θ in parameter units, unrounded (for logs and plots)."""
        keys, space = self.settings.keys, self.base.space
        return {k: unit_value(k, x, space) for k, x in zip(keys, self.theta, strict=True)}

    def to_json(self) -> str:
        """The state as JSON (with the space's declarations unless it is the built-in one);
        :meth:`from_json` gives an equal state."""
        d = {
            "version": STATE_VERSION,
            "seed": self.seed,
            "k": self.k,
            "pairs": self.pairs,
            "settings": self.settings.to_dict(),
            "base": self.base.to_dict(),
            "theta": list(self.theta),
            "history": [list(row) for row in self.history],
        }
        return json.dumps(d | space_json(self.base.space))

    @staticmethod
    def from_json(text: str) -> SpsaState:
        """The state :meth:`to_json` wrote; ValueError (one line) if it is not one."""
        try:
            d: dict[str, Any] = json.loads(text)
            if d.get("version") != STATE_VERSION:
                raise ValueError(f"version {d.get('version')!r}, expected {STATE_VERSION}")
            space = space_of(d)
            return SpsaState(
                settings=parse_settings(d["settings"], "settings", space=space),
                base=Config(d["base"], source="base", space=space),
                theta=tuple(float(t) for t in d["theta"]),
                seed=d["seed"],
                k=d["k"],
                pairs=d["pairs"],
                history=tuple(tuple(float(t) for t in row) for row in d["history"]),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise ValueError(f"not an SPSA state: {str(e).splitlines()[0]}") from None


def plan_batch(state: SpsaState, pairs: int | None = None) -> list[SpsaPair]:
    """The ``pairs`` (default ``settings.pairs_per_batch``) pairs of step ``state.k + 1``."""
    count = state.settings.pairs_per_batch if pairs is None else pairs
    if count < 1:
        raise ValueError(f"pairs must be >= 1, got {count}")
    keys, n, step = state.settings.keys, len(state.theta), state.k + 1
    _, c_k = state.settings.gains(step)
    theta = np.array(state.theta)
    per = state.settings.pairs_per_delta
    out = []
    for j in range(count):
        delta = rademacher(state.seed, step, j // per, n)
        u = uniforms(state.seed, step, j // per, n)
        out.append(
            SpsaPair(
                to_config(state.base, keys, np.clip(theta + c_k * delta, 0.0, 1.0), u),
                to_config(state.base, keys, np.clip(theta - c_k * delta, 0.0, 1.0), u),
                tuple(int(d) for d in delta),
            )
        )
    return out


def apply_batch(state: SpsaState, scores: Sequence[float]) -> SpsaState:
    """The state after step ``state.k + 1``; ``scores[j]`` is pair ``j``'s of ``plan_batch``
    (in [-1, 1], θ+'s view). Any number >= 1 of pairs: the first ``len(scores)`` of the plan."""
    if len(scores) < 1:
        raise ValueError("need the score of at least one pair")
    bad = [s for s in scores if not (math.isfinite(s) and -1.0 <= s <= 1.0)]
    if bad:
        raise ValueError(f"pair scores must be in [-1, 1], got {bad[:3]}")
    n, step = len(state.theta), state.k + 1
    a_k, c_k = state.settings.gains(step)
    theta, per = np.array(state.theta), state.settings.pairs_per_delta
    for j, score in enumerate(scores):
        delta = rademacher(state.seed, step, j // per, n)
        theta = np.clip(theta + (a_k / c_k) * score * delta, 0, 1)
    new = tuple(float(t) for t in theta)
    row = tuple(round(t, HISTORY_DECIMALS) for t in new)
    return replace(
        state, theta=new, k=step, pairs=state.pairs + len(scores), history=(*state.history, row)
    )


@dataclass(frozen=True)
class SpsaAdvisor(Advisor):
    """Proposes the run's θ (rounded) for verification against the incumbent; its untuned
    keys are the run's base config's (the incumbent when the run started)."""

    state: SpsaState
    name: str = "spsa"

    def propose(
        self,
        best: Config,
        history: Sequence[LogEntry],
        k: int,
        rng: np.random.Generator,
    ) -> list[Proposal]:
        """At most one proposal, θ as a config (none if it equals ``best`` or ``k`` is 0);
        ``history`` and ``rng`` are unused."""
        if k < 0:
            raise ValueError(f"k must be >= 0, got {k}")
        candidate = self.state.config()
        if k == 0 or candidate == best:
            return []
        s = self.state
        reason = (
            f"SPSA θ after {s.k}/{s.settings.steps} steps, {s.pairs} pairs ({2 * s.pairs} "
            f"games) tuning {len(s.settings.keys)} keys: {_moved(best, candidate)}"
        )
        return [Proposal.between(best, candidate, self.name, reason)]


def _moved(best: Config, candidate: Config, most: int = 5) -> str:
    """``weights.space 20 -> 23.4, ...`` for the largest few moves (share of the range)."""

    space = best.space

    def share(key: str) -> float:
        p = space[key]
        return abs(p.to_unit(candidate[key]) - p.to_unit(best[key]))

    moved = sorted((k for k in space.keys if best[k] != candidate[k]), key=share, reverse=True)
    text = ", ".join(f"{k} {_show(best[k])} -> {_show(candidate[k])}" for k in moved[:most])
    return text + (f" and {len(moved) - most} more" if len(moved) > most else "")


def _show(value: Value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
