"""Helpers shared by the tuning-watch tests: a tuner state from made-up scores, no games."""

from __future__ import annotations

from dataclasses import replace

from snaketrain.snake.space import default_config
from snaketrain.tuning.spsa import SpsaState, apply_batch, plan_batch
from snaketrain.tuning.spsa_settings import SpsaSettings


def spsa_run(steps: int, pairs: int = 4) -> SpsaState:
    """``steps`` of an SPSA run (10 planned, ``pairs`` per batch, every default key) in which
    more ``weights.space`` wins every pair: it climbs, the other keys wander."""
    settings = SpsaSettings.default(steps=10, pairs_per_batch=pairs)
    settings = replace(settings, r_end=(0.1,) * len(settings.keys))  # moves big enough to see
    state = SpsaState.start(default_config(), settings, seed=5)
    for _ in range(steps):
        batch = plan_batch(state)
        scores = [1.0 if p.plus["weights.space"] > p.minus["weights.space"] else -1.0
                  for p in batch]  # fmt: skip
        state = apply_batch(state, scores)
    return state
