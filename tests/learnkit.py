"""Helpers shared by the learning-advisor tests: proposals moved by normalised steps, attempts
with a planted linear effect."""

from __future__ import annotations

import numpy as np

from snaketrain.learn.history import Attempt, steps_of
from snaketrain.learn.surrogate import KEYS
from snaketrain.snake.space import PARAMS, default_config
from snaketrain.tuning.advisor import Proposal

BEST = default_config()
D = len(KEYS)
PLANTED = {"weights.space": 1.0, "weights.food": -1.0, "traps.critical": 0.7}


def moved(**delta: float) -> Proposal:
    """The best config with keys (``weights__space``) moved by ``delta`` (normalised units)."""
    changes = {}
    for key, d in delta.items():
        p = PARAMS[key.replace("__", ".")]
        changes[p.key] = p.from_unit(p.to_unit(BEST[p.key]) + d)
    return Proposal.between(BEST, BEST.replace(changes), "random", "test")


def rejected(iteration: int, proposal: Proposal, verdict_: str = "reject") -> Attempt:
    return Attempt(iteration, "spsa", "", steps_of(proposal.changes), verdict_, -12, -32, 8, 600)


def synthetic(n: int, seed: int, noise: float = 5.0) -> list[Attempt]:
    """Candidates moving 1-3 of the planted keys (and one other) by ±0.05..0.2; their Elo
    is 300 · (planted effect · step) + noise, each measured ±20."""
    rng = np.random.default_rng(seed)
    planted, others = list(PLANTED), [k for k in KEYS if k not in PLANTED]
    out = []
    for i in range(n):
        keys = list(rng.choice(planted, size=int(rng.integers(1, 4)), replace=False))
        keys.append(str(rng.choice(others)))
        steps = tuple((k, float(rng.choice([-1, 1]) * rng.uniform(0.05, 0.2))) for k in keys)
        elo = 300 * sum(PLANTED.get(k, 0.0) * s for k, s in steps) + rng.normal(0, noise)
        x = tuple(float(v) for v in rng.uniform(0, 1, D))
        out.append(Attempt(i, "random", "", steps, "reject", elo, elo - 20, elo + 20, 100, x))
    return out
