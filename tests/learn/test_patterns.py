"""Pattern lines: stable keys across winners, directions that go with gains, the fit."""

from __future__ import annotations

import numpy as np
from learnkit import synthetic

from snaketrain.learn import patterns, surrogate
from snaketrain.learn.history import Attempt
from snaketrain.learn.surrogate import KEYS
from snaketrain.snake.space import PARAMS

CRIT = KEYS.index("traps.critical")


def test_directions_that_go_with_gains() -> None:
    lines = patterns.lines_of(synthetic(60, seed=3))
    joined = "\n".join(lines)
    assert "weights.space up goes with gains" in joined
    assert "weights.food down goes with gains" in joined
    assert all("weights.territory" not in line for line in lines)  # no planted effect


def test_a_key_stable_across_winners_is_named_with_its_value() -> None:
    rng = np.random.default_rng(0)
    out = []
    for i in range(12):
        x = rng.uniform(0, 1, len(KEYS))
        won = i % 2 == 0
        if won:
            x[CRIT] = 0.6 + rng.normal(0, 0.005)
        verdict = "accept" if won else "reject"
        out.append(Attempt(i, "random", "", (), verdict, 5.0, 0, 10, 100, tuple(x)))
    [line] = [x for x in patterns.lines_of(out) if x.startswith("traps.critical")]
    assert PARAMS["traps.critical"].from_unit(0.6) == 600
    assert line.startswith("traps.critical ~599 in wins (6 winners, spread 0% of range, ")


def test_pattern_lines_from_a_results_folder(tmp_path) -> None:
    assert patterns.pattern_lines(tmp_path) == []
    X, y, w = surrogate.dataset(synthetic(20, seed=4))
    surrogate.save(surrogate.train(X, y, w, iteration=3, epochs=20), tmp_path)
    [line] = patterns.pattern_lines(tmp_path)
    assert line.startswith("surrogate: 5 MLPs on 20 points, held-out RMSE")
