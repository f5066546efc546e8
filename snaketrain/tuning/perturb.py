"""Random perturbation: move a few randomly chosen parameters by a fixed share of their range.

The advisor of the system this replaces, made valid and reproducible:

- each proposal moves ``min_params``..``max_params`` distinct parameters (uniformly chosen);
- a float moves by ``±fraction`` of its range, an int by ``±max(1, round(fraction · range))``;
  on a log-scale parameter (``Param.log``) the range is the log range, so the step is a
  factor rather than an offset (``search.max_nodes`` 1024 -> ~2000, not +9,800);
- a bool flips and a choice moves to another choice (these are 2 of the ~36 parameters, so
  that happens occasionally);
- the direction is random, except at a bound, where the only direction that changes the value
  is taken; the result is clipped to the bounds and rounded like ``from_vector`` (floats to
  ``FLOAT_DECIMALS``), so every proposal is a valid ``Config`` and differs from the best one.

The step adapts to stagnation through :func:`perturbation_scale` and :meth:`scaled`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from snaketrain.snake.space import BUILTIN, Config, Param, Space, Value
from snaketrain.trainlog import LogEntry
from snaketrain.tuning.advisor import Advisor, Proposal

#: Largest factor :func:`perturbation_scale` returns (1.5³: three growth steps).
MAX_SCALE = 1.5**3
#: Largest share of a range one step may take, whatever the scale.
MAX_FRACTION = 0.5
_GROWTH = 1.5
_ATTEMPTS = 100


def perturbation_scale(iterations_since_improvement: int, stagnation_limit: int) -> float:
    """Factor on the perturbation step after this many iterations without an improvement.

    The step grows ×1.5 after every ``stagnation_limit / 2`` iterations without an
    improvement (at least 1 iteration), capped at ``MAX_SCALE`` (×3.375), and returns to 1
    on the next improvement. With the default limit of 100: iterations 0-49 ×1, 50-99 ×1.5,
    100-149 ×2.25, from 150 on ×3.375. Small steps refine around a good config; when they
    stop finding anything, larger steps look further away.
    """
    if iterations_since_improvement < 0 or stagnation_limit < 1:
        raise ValueError(
            "need iterations_since_improvement >= 0 and stagnation_limit >= 1, got "
            f"{iterations_since_improvement}, {stagnation_limit}"
        )
    period = max(1, stagnation_limit // 2)
    return min(_GROWTH ** (iterations_since_improvement // period), MAX_SCALE)


def _step(p: Param, value: Value, fraction: float, up: bool) -> Value:
    """Numeric ``value`` moved one step up or down (clipped: may equal ``value`` at a bound)."""
    sign = 1 if up else -1
    if p.kind == "int" and not p.log:
        delta = max(1, round(fraction * (p.high - p.low)))
        return int(min(max(int(value) + sign * delta, p.low), p.high))
    moved = p.from_unit(p.to_unit(value) + sign * fraction)
    if p.kind == "int" and moved == value:  # a log-scale int whose step rounds to nothing
        moved = int(min(max(int(value) + sign, p.low), p.high))
    return moved


def _move(p: Param, value: Value, fraction: float, rng: np.random.Generator) -> Value:
    """A different valid value one random step away (the other direction at a bound)."""
    if p.kind == "bool":
        return not value
    if p.kind == "choice":
        others = [c for c in p.choices if c != value]
        return others[int(rng.integers(len(others)))]
    up = bool(rng.integers(2))
    new = _step(p, value, fraction, up)
    return new if new != value else _step(p, value, fraction, not up)


@dataclass(frozen=True)
class RandomPerturbation(Advisor):
    """Moves ``min_params``..``max_params`` random parameters by ``fraction`` of their range.

    ``keys`` restricts the parameters that may move (default: every parameter of the best
    config's space). The counts are checked against ``space``; a best config of a space with
    fewer movable parameters than ``max_params`` moves at most all of them.
    """

    fraction: float = 0.15
    min_params: int = 3
    max_params: int = 5
    keys: tuple[str, ...] | None = None
    name: str = "random"
    space: Space = BUILTIN

    def __post_init__(self) -> None:
        if not 0.0 < self.fraction <= MAX_FRACTION:
            raise ValueError(f"fraction must be in (0, {MAX_FRACTION}], got {self.fraction}")
        pool = self._pool(self.space)
        if not 1 <= self.min_params <= self.max_params <= len(pool):
            raise ValueError(
                f"need 1 <= min_params <= max_params <= {len(pool)} (movable parameters), "
                f"got {self.min_params}, {self.max_params}"
            )

    def _pool(self, space: Space) -> tuple[Param, ...]:
        if self.keys is None:
            return space.params
        unknown = [k for k in self.keys if k not in space]
        if unknown or not self.keys:
            raise ValueError(f"keys must be parameters of the space, got unknown {unknown}")
        return tuple(p for p in space if p.key in set(self.keys))

    def scaled(self, factor: float) -> RandomPerturbation:
        """The same advisor with its step ×``factor`` (capped at ``MAX_FRACTION`` of a range)."""
        if not factor > 0.0 or not math.isfinite(factor):
            raise ValueError(f"factor must be a positive number, got {factor}")
        return replace(self, fraction=min(self.fraction * factor, MAX_FRACTION))

    def perturb(self, best: Config, rng: np.random.Generator) -> Proposal:
        """One proposal: a random subset of parameters (of ``best``'s space), each moved one
        step."""
        pool = self._pool(best.space)
        most = min(self.max_params, len(pool))
        n = int(rng.integers(min(self.min_params, most), most + 1))
        chosen = sorted(rng.choice(len(pool), size=n, replace=False))
        changes = {
            pool[i].key: _move(pool[i], best[pool[i].key], self.fraction, rng) for i in chosen
        }
        candidate = best.replace(changes)
        moved = ", ".join(f"{key} {_arrow(best[key], new)}" for key, new in changes.items())
        return Proposal.between(
            best, candidate, self.name, f"random ±{self.fraction:.0%} of range: {moved}"
        )

    def propose(
        self,
        best: Config,
        history: Sequence[LogEntry],
        k: int,
        rng: np.random.Generator,
    ) -> list[Proposal]:
        """``k`` distinct proposals, each different from ``best``; ``history`` is unused."""
        if k < 0:
            raise ValueError(f"k must be >= 0, got {k}")
        out: list[Proposal] = []
        seen = {best}
        for _ in range(_ATTEMPTS * max(k, 1)):
            if len(out) == k:
                break
            proposal = self.perturb(best, rng)
            if proposal.config not in seen:
                seen.add(proposal.config)
                out.append(proposal)
        if len(out) < k:
            raise RuntimeError(f"found only {len(out)} distinct proposals of {k} requested")
        return out


def _arrow(old: Value, new: Value) -> str:
    if isinstance(new, bool):
        return f"-> {'true' if new else 'false'}"
    if isinstance(new, str):
        return f"-> {new}"
    return "up" if new > old else "down"  # type: ignore[operator]
