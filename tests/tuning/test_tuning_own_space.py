"""Every advisor in a space of the user's own: keys, bounds, rounding and state files of it."""

from __future__ import annotations

import numpy as np
import pytest
from spacekit import OWN

from snaketrain.snake.space import Config, default_config
from snaketrain.training.tune import load_tuner, read_tuner, save_tuner, start_tuner
from snaketrain.tuning.cma import CmaState, plan_generation, tell_generation
from snaketrain.tuning.perturb import RandomPerturbation
from snaketrain.tuning.spsa import SpsaState, apply_batch, plan_batch
from snaketrain.tuning.spsa_settings import SpsaSettings, describe, parse_settings
from snaketrain.tuning.tunables import TuneSettingsError, select_keys

TUNED = ("greed.apple", "greed.hunger", "caution.room")


def test_the_tuned_keys_are_the_numeric_keys_of_the_space() -> None:
    assert select_keys(None, space=OWN) == TUNED  # no structural keys in a space of one's own
    assert select_keys(["caution.room", "greed.apple"], space=OWN) == (
        "greed.apple",
        "caution.room",
    )
    with pytest.raises(TuneSettingsError, match="'greed.aple' is not a parameter; did you mean"):
        select_keys(["greed.aple"], space=OWN)
    with pytest.raises(TuneSettingsError, match="as in space.yaml"):
        select_keys(["weights.space"], space=OWN)
    with pytest.raises(TuneSettingsError, match="style.straight is a bool key"):
        select_keys(["style.straight"], space=OWN)
    with pytest.raises(TuneSettingsError, match="'greed.apple' is not a parameter"):
        parse_settings({"keys": ["greed.apple"]})  # the built-in space has no such key


def test_spsa_steps_stay_in_the_space_and_its_state_file_keeps_it(tmp_path) -> None:
    base = default_config(OWN)
    settings = SpsaSettings.default(space=OWN, steps=4, pairs_per_batch=4)
    state = SpsaState.start(base, settings, seed=3)
    assert len(state.theta) == 3
    for _ in range(2):
        batch = plan_batch(state)
        for pair in batch:
            assert pair.plus.space == OWN and pair.minus["style.straight"] is False
            assert 0 <= pair.plus["greed.hunger"] <= 100 and isinstance(
                pair.plus["greed.hunger"], int
            )
        state = apply_batch(state, [1.0 if p.plus["greed.apple"] > p.minus["greed.apple"] else -1.0
                                    for p in batch])  # fmt: skip
    assert state.config()["greed.apple"] > 2.0 and state.config().space == OWN
    assert set(state.values()) == set(TUNED)
    again = SpsaState.from_json(state.to_json())
    assert again == state and again.base.space == OWN
    save_tuner(tmp_path, state)
    assert read_tuner(tmp_path / "tuner.json", "spsa") == state
    assert load_tuner(tmp_path, "spsa", base, None, 0) == state
    text = describe(settings, base)
    assert "caution.room" in text and "fixed: 1 keys (0 structural" in text
    with pytest.raises(ValueError, match="tune settings are for the built-in space"):
        SpsaState.start(base, SpsaSettings.default(), seed=1)


def test_a_saved_run_of_another_space_is_not_resumed(tmp_path) -> None:
    save_tuner(tmp_path, start_tuner("spsa", default_config(), None, 1))
    fresh = load_tuner(tmp_path, "spsa", default_config(OWN), None, 0)
    assert fresh.base.space == OWN and fresh.k == 0


def test_cmaes_generations_in_the_space() -> None:
    base = default_config(OWN)
    state = start_tuner("cmaes", base, None, 7)
    assert isinstance(state, CmaState) and state.keys == TUNED
    candidates = plan_generation(state)
    assert all(c.space == OWN and 0.1 <= c["caution.room"] <= 100.0 for c in candidates)
    scores = [c["greed.apple"] / 10.0 for c in candidates]
    state = tell_generation(state, scores)
    again = CmaState.from_json(state.to_json())
    assert again.base == base and plan_generation(again) == plan_generation(state)


def test_random_perturbation_moves_keys_of_the_space() -> None:
    best = default_config(OWN)
    rng = np.random.default_rng(0)
    proposals = RandomPerturbation().propose(best, (), 20, rng)
    for p in proposals:
        assert isinstance(p.config, Config) and p.config.space == OWN and p.config != best
        assert 1 <= len(p.changes) <= 4 and {k for k, _, _ in p.changes} <= set(OWN.keys)
    assert any(k == "style.straight" for p in proposals for k, _, _ in p.changes)
    only = RandomPerturbation(keys=("greed.apple",), min_params=1, max_params=1, space=OWN)
    assert {k for p in only.propose(best, (), 2, rng) for k, _, _ in p.changes} == {"greed.apple"}
    with pytest.raises(ValueError, match="keys must be parameters of the space"):
        RandomPerturbation(keys=("greed.apple",), min_params=1, max_params=1).propose(
            default_config(), (), 1, rng
        )


def test_the_trajectory_of_a_run_in_the_space_shows_its_units() -> None:
    from snaketrain.training.trajectory import moves, trajectory

    settings = SpsaSettings.default(("caution.room",), space=OWN, steps=4, pairs_per_batch=2)
    state = SpsaState.start(default_config(OWN), settings, seed=1)
    state = apply_batch(state, [1.0 if p.plus["caution.room"] > 1.0 else -1.0
                                for p in plan_batch(state)])  # fmt: skip
    [move] = moves(trajectory(state))
    assert move.key == "caution.room" and move.start == pytest.approx(1.0)  # log units undone
