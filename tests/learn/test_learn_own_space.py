"""The change history, the NN and its patterns in a space of the user's own."""

from __future__ import annotations

import numpy as np
from spacekit import OWN
from taskkit import match_result

from snaketrain.arena.result import Verdict
from snaketrain.learn import mixing, patterns, surrogate
from snaketrain.learn.history import Attempt, ChangeHistory, attempts_of, steps_of, unit_vector
from snaketrain.snake.space import default_config
from snaketrain.tuning.advisor import Proposal

BEST = default_config(OWN)


def planted(n: int, seed: int) -> list[Attempt]:
    """Attempts of OWN configs whose Elo is 300 x the step of greed.apple (± noise)."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        x = rng.uniform(0, 1, len(OWN))
        step = float(rng.uniform(-0.2, 0.2))
        steps = (("greed.apple", step), ("caution.room", float(rng.uniform(-0.2, 0.2))))
        elo = 300 * step + rng.normal(0, 5)
        verdict = "accept" if i % 10 == 0 else "reject"
        out.append(Attempt(i, "random", "", steps, verdict, elo, elo - 20, elo + 20, 100, tuple(x)))
    return out


def test_steps_and_vectors_are_in_the_configs_space() -> None:
    better = BEST.replace({"greed.apple": 4.0, "style.straight": True})
    p = Proposal.between(BEST, better, "random", "test")
    assert steps_of(p.changes, OWN) == (("greed.apple", 0.2), ("style.straight", 1.0))
    assert steps_of(p.changes) == ()  # keys the built-in space does not know are left out
    assert len(unit_vector(better)) == 4
    history = ChangeHistory(attempts_of(3, [p], [_rejected()]))
    assert "repeats the change rejected in iteration 3" in (history.blocks(p, 4) or "")


def _rejected() -> Verdict:
    return Verdict(mode="sprt", status="reject", result=match_result([2, 0, 0, 0, 0]))


def test_the_nn_trains_screens_and_persists_in_the_space(tmp_path) -> None:
    attempts = planted(120, seed=1)
    model, trained = surrogate.fit_or_load(tmp_path, 2, attempts, keys=OWN.keys)
    assert model is not None and trained and model.fit.points == 120
    assert surrogate.read_fit(tmp_path) is None  # not a model of the built-in space
    again = surrogate.load(tmp_path, keys=OWN.keys)
    assert again is not None and again.fit == model.fit
    pick = mixing.screen(BEST, model, ChangeHistory(()), 5, np.random.default_rng(0), n=64)
    assert pick is not None and pick.config.space == OWN and pick.reason.startswith("nn: predicted")
    moved = dict(steps_of(pick.changes, OWN))
    assert moved.get("greed.apple", 0.0) > 0  # the planted effect: apple up
    lines = patterns.lines_of(attempts, model.fit, space=OWN)
    assert any(line.startswith("greed.apple up goes with gains") for line in lines), lines
