"""The NN surrogate: a planted relationship recovered, inverse-variance weights, the files,
at most one training per iteration."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from learnkit import D, synthetic

from snaketrain.learn import surrogate
from snaketrain.learn.history import Attempt


def test_the_sign_of_a_planted_linear_effect_is_predicted_on_held_out_points() -> None:
    X, y, w = surrogate.dataset(synthetic(200, seed=1))
    model = surrogate.train(X, y, w, seed=3)
    Xh, yh, _ = surrogate.dataset(synthetic(100, seed=2))
    mean, spread = model.predict(Xh)
    assert np.mean(np.sign(mean) == np.sign(yh)) >= 0.9
    assert (spread >= 0).all() and spread.mean() > 0  # the members disagree somewhat
    assert model.fit.held_out == 40 and model.fit.sign_accuracy >= 0.9  # its own report


def test_points_are_weighted_by_the_inverse_variance_of_their_measurement() -> None:
    a, b = synthetic(2, seed=4)
    wide = Attempt(b.iteration, "r", "", b.steps, "reject", b.elo, b.elo - 80, b.elo + 80, 10, b.x)
    _, _, w = surrogate.dataset([a, wide])
    assert w[0] / w[1] == pytest.approx(((80 / 1.96) ** 2 + 1) / ((20 / 1.96) ** 2 + 1))
    skipped = Attempt(9, "r", "", a.steps, "skipped", x=a.x)
    no_vector = Attempt(9, "r", "", a.steps, "reject", 1.0, 0.0, 2.0, 10)
    assert len(surrogate.dataset([skipped, no_vector])[1]) == 0


def test_the_models_round_trip_through_the_results_folder(tmp_path: Path) -> None:
    attempts = synthetic(40, seed=5)
    wins = np.random.default_rng(0).uniform(0, 1, (4, D))
    X, y, w = surrogate.dataset(attempts)
    model = surrogate.train(X, y, w, wins=wins, iteration=7, seed=1, epochs=50)
    surrogate.save(model, tmp_path)
    again = surrogate.load(tmp_path)
    assert again is not None and again.fit == model.fit
    np.testing.assert_allclose(again.predict(X)[0], model.predict(X)[0], rtol=1e-6)
    np.testing.assert_allclose(again.novelty(wins), model.novelty(wins), rtol=1e-6)
    assert surrogate.read_fit(tmp_path) == model.fit
    (tmp_path / surrogate.META_NAME).write_text("{not json")
    assert surrogate.load(tmp_path) is None  # unreadable: trained afresh, never trusted


def test_it_is_trained_at_most_once_per_iteration(tmp_path: Path) -> None:
    attempts = synthetic(30, seed=6)
    assert surrogate.fit_or_load(tmp_path, 1, attempts[:3]) == (None, False)  # too few
    first, trained = surrogate.fit_or_load(tmp_path, 2, attempts)
    assert trained and first is not None and first.fit.trained_iteration == 2
    again, trained = surrogate.fit_or_load(tmp_path, 2, attempts + synthetic(5, seed=7))
    assert not trained and again is not None and again.fit == first.fit  # the re-run loads
    later, trained = surrogate.fit_or_load(tmp_path, 3, attempts)
    assert trained and later is not None and later.fit.trained_iteration == 3
