"""CMA-ES: generations of valid candidates, deterministic from the seed and across a saved and
loaded state, higher scores pull the mean, convergence on a noisy quadratic, the advisor."""

from __future__ import annotations

import numpy as np
import pytest

from snaketrain.snake.space import PARAMS, Config, default_config
from snaketrain.tuning.cma import CmaAdvisor, CmaState, plan_generation, tell_generation
from snaketrain.tuning.tunables import TuneSettingsError, default_keys, unit_vector

FIVE = ("weights.space", "weights.food", "weights.head_collision", "weights.center_control",
        "traps.moderate")  # fmt: skip
TARGET = np.array([0.6, 0.4, 0.5, 0.3, 0.7])


def quadratic(config: Config, keys: tuple[str, ...] = FIVE) -> float:
    return -float(np.sum((unit_vector(config, keys) - TARGET) ** 2))


def test_a_new_run_is_centred_on_the_base_config() -> None:
    state = CmaState.start(default_config(), seed=1)
    assert state.keys == default_keys()
    assert state.population_size == 4 + int(3 * np.log(len(default_keys())))  # 13 for 28 keys
    assert state.config() == default_config()
    assert (state.generation, state.evaluations, state.history) == (0, 0, ())
    assert CmaState.start(default_config(), FIVE, population_size=6).population_size == 6


def test_candidates_are_valid_configs_that_move_only_tuned_keys() -> None:
    keys = ("weights.space", "food_urgency.low_health", "search.depth")
    state = CmaState.start(default_config(), keys, seed=3)
    candidates = plan_generation(state)
    assert len(candidates) == state.population_size == 7
    for config in candidates:
        Config(config.to_dict())  # valid: ints are ints, everything within bounds
        assert {k for k in config if config[k] != default_config()[k]} <= set(keys)
        assert isinstance(config["search.depth"], int)
    assert len(set(candidates)) == 7


def test_generations_are_deterministic_from_the_seed() -> None:
    def run(seed: int) -> list[list[Config]]:
        state, out = CmaState.start(default_config(), FIVE, seed=seed), []
        for _ in range(3):
            out.append(plan_generation(state))
            state = tell_generation(state, [quadratic(c) for c in out[-1]])
        return out

    assert run(5) == run(5)
    assert run(5)[0] != run(6)[0]
    state = CmaState.start(default_config(), FIVE, seed=5)
    assert plan_generation(state) == plan_generation(state)  # planning changes nothing


def test_higher_scores_pull_the_mean() -> None:
    state = CmaState.start(default_config(), FIVE, seed=0)
    before = state.mean[0]
    candidates = plan_generation(state)
    state = tell_generation(state, [c["weights.space"] for c in candidates])  # more is better
    assert state.mean[0] > before
    assert (state.generation, state.evaluations, len(state.history)) == (1, 8, 1)


def test_ten_generations_equal_five_saved_loaded_and_five_more() -> None:
    def play(state: CmaState, generations: int) -> CmaState:
        for _ in range(generations):
            state = tell_generation(state, [quadratic(c) for c in plan_generation(state)])
        return state

    start = CmaState.start(default_config(), FIVE, seed=9)
    straight = play(start, 10)
    resumed = play(CmaState.from_json(play(start, 5).to_json()), 5)
    assert resumed.mean.tolist() == straight.mean.tolist()
    assert resumed.history == straight.history and resumed.evaluations == 80
    assert plan_generation(resumed) == plan_generation(straight)
    assert CmaState.from_json(straight.to_json()) == straight


def test_cma_converges_on_a_noisy_quadratic() -> None:
    """-||x - x*||^2 + N(0, 0.01^2) over 5 keys: from 0.85 away, 40 generations of 8 (320
    evaluations) bring the mean within 0.1 of x* (0.04 to 0.09 over 12 seeds)."""
    state = CmaState.start(default_config(), FIVE, seed=1)
    noise = np.random.default_rng(0)
    assert np.linalg.norm(state.mean - TARGET) == pytest.approx(0.853, abs=1e-3)
    for _ in range(40):
        candidates = plan_generation(state)
        state = tell_generation(state, [quadratic(c) + noise.normal(0, 0.01) for c in candidates])
    assert state.evaluations == 320
    assert np.linalg.norm(state.mean - TARGET) < 0.1


def test_wrong_scores_bad_settings_and_bad_files_are_refused() -> None:
    state = CmaState.start(default_config(), FIVE, seed=0)
    with pytest.raises(ValueError, match="need 8 finite scores"):
        tell_generation(state, [0.0] * 7)
    with pytest.raises(ValueError, match="need 8 finite scores"):
        tell_generation(state, [0.0] * 7 + [float("nan")])
    with pytest.raises(TuneSettingsError, match="hybrid.enabled is a bool key"):
        CmaState.start(default_config(), ["hybrid.enabled"])
    with pytest.raises(TuneSettingsError, match=r"sigma = 0.9: expected a number in \(0, 0.5\]"):
        CmaState.start(default_config(), FIVE, sigma=0.9)
    with pytest.raises(ValueError, match="^not a CMA-ES state: "):
        CmaState.from_json('{"version": 1, "optimizer": "!!"}')


def test_the_advisor_proposes_the_mean_for_verification() -> None:
    state = CmaState.start(default_config(), FIVE, seed=0)
    assert CmaAdvisor(state).propose(default_config(), [], 1, np.random.default_rng(0)) == []
    state = tell_generation(state, [quadratic(c) for c in plan_generation(state)])
    (proposal,) = CmaAdvisor(state).propose(default_config(), [], 1, np.random.default_rng(0))
    assert proposal.advisor == "cmaes" and proposal.config == state.config()
    assert {key for key, _, _ in proposal.changes} <= set(FIVE)
    assert proposal.reason.startswith("CMA-ES mean after 1 generations of 8, 8 candidates")
    assert all(PARAMS[k].low <= v <= PARAMS[k].high for k, _, v in proposal.changes)
