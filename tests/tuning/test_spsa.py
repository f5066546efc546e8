"""SPSA: the update on a worked example, seeded perturbations that a resumed run redraws,
valid and clipped pair configs, convergence on a noisy quadratic, and the advisor."""

from __future__ import annotations

import numpy as np
import pytest

from snaketrain.snake.space import Config, default_config
from snaketrain.tuning.spsa import (
    SpsaAdvisor,
    SpsaState,
    apply_batch,
    pair_score,
    plan_batch,
    rademacher,
    uniforms,
)
from snaketrain.tuning.spsa_settings import SpsaSettings
from snaketrain.tuning.tunables import unit_vector

TWO = ("weights.space", "weights.food")  # floats 0..100, defaults 20 and 12: θ0 = (0.2, 0.12)


def example_state() -> SpsaState:
    settings = SpsaSettings(TWO, (0.1, 0.1), (2.0, 2.0), steps=10, pairs_per_batch=2)
    return SpsaState.start(default_config(), settings, seed=4)


def test_worked_example_of_one_batch() -> None:
    state = example_state()
    assert state.theta == (0.2, 0.12)
    # N = 10, A = 1, alpha 0.602, gamma 0.101, c_end 0.1, r_end 2:
    #   c = 0.1 * 10^0.101 = 0.1261828 = c_1;  a_end = 2 * 0.1^2 = 0.02
    #   a = 0.02 * 11^0.602 = 0.0847127;  a_1 = a / 2^0.602 = 0.0558121;  a_1 / c_1 = 0.4423116
    (p0, p1) = plan_batch(state)
    assert (p0.delta, p1.delta) == ((1, -1), (-1, -1))  # seed 4, step 1, pairs 0 and 1
    # pair 0: θ + c_1 Δ0 = (0.3261828, -0.0061828 -> 0), θ - c_1 Δ0 = (0.0738172, 0.2461828)
    assert (p0.plus["weights.space"], p0.plus["weights.food"]) == (32.6183, 0.0)
    assert (p0.minus["weights.space"], p0.minus["weights.food"]) == (7.3817, 24.6183)
    assert (p1.plus["weights.space"], p1.minus["weights.food"]) == (7.3817, 24.6183)
    # scores 1 and -0.5, applied in pair order, θ clipped after each:
    #   pair 0: θ += 0.4423116 * 1 * (1, -1)      -> (0.6423116, -0.3223116 -> 0)
    #   pair 1: θ += 0.4423116 * -0.5 * (-1, -1)  -> (0.8634674, 0.2211558)
    after = apply_batch(state, [1.0, -0.5])
    assert after.theta == (pytest.approx(0.8634674, abs=1e-7), pytest.approx(0.2211558, abs=1e-7))
    assert (after.k, after.pairs) == (1, 2)
    assert after.history == (tuple(round(t, 6) for t in after.theta),)
    assert after.config()["weights.space"] == 86.3467
    assert after.values()["weights.food"] == pytest.approx(22.11558, abs=1e-5)


def test_perturbations_depend_only_on_seed_step_and_pair() -> None:
    assert rademacher(3, 5, 7, 28).tolist() == rademacher(3, 5, 7, 28).tolist()
    assert set(rademacher(3, 5, 7, 28).tolist()) == {-1.0, 1.0}
    others = [rademacher(3, 5, 8, 28), rademacher(3, 6, 7, 28), rademacher(4, 5, 7, 28)]
    assert all(d.tolist() != rademacher(3, 5, 7, 28).tolist() for d in others)
    signs = np.concatenate([rademacher(0, 1, j, 28) for j in range(500)])
    assert abs(signs.mean()) < 0.03  # 14,000 fair signs: sd 0.0085
    u = np.concatenate([uniforms(0, 1, j, 28) for j in range(500)])
    assert u.min() >= 0.0 and u.max() < 1.0 and abs(u.mean() - 0.5) < 0.01


def test_a_batchs_pairs_do_not_depend_on_its_size_or_a_json_round_trip() -> None:
    state = SpsaState.start(default_config(), SpsaSettings.default(), seed=11)
    ten = plan_batch(state, 10)
    assert plan_batch(state, 4) == ten[:4]
    assert plan_batch(SpsaState.from_json(state.to_json()), 10) == ten
    assert len({p.delta for p in ten}) == 10


def test_int_keys_round_probabilistically_and_deterministically_per_seed() -> None:
    keys = ("food_urgency.low_health",)  # int 0..100
    start = default_config().replace({"food_urgency.low_health": 33})
    settings = SpsaSettings(keys, (0.003,), (1.0,), steps=1)  # c_1 is floored at half a step
    state = SpsaState(settings, start, (0.333,), seed=5)  # θ between two integers: 33.3
    pairs = plan_batch(state, 2000)
    sides = [p.plus[keys[0]] for p in pairs] + [p.minus[keys[0]] for p in pairs]
    assert set(sides) == {32, 33, 34}  # 33.3 ± 0.5, rounded up or down
    assert np.mean(sides) == pytest.approx(33.3, abs=0.04)  # 2,000 draws per side
    assert plan_batch(state, 50) == pairs[:50]
    other = plan_batch(SpsaState(settings, start, (0.333,), seed=6), 50)
    assert [p.plus for p in other] != [p.plus for p in pairs[:50]]


def test_pair_configs_and_theta_stay_within_bounds() -> None:
    start = default_config().replace({"weights.space": 100.0, "weights.food": 0.0})
    settings = SpsaSettings(TWO, (0.2, 0.2), (50.0, 50.0), steps=5)
    state = SpsaState.start(start, settings, seed=0)
    for pair in plan_batch(state, 8):
        for config in (pair.plus, pair.minus):
            Config(config.to_dict())  # valid
            assert 0.0 <= config["weights.food"] <= 100.0 and config["weights.space"] <= 100.0
        assert {k for k in start if start[k] != pair.plus[k]} <= set(TWO)
    for _ in range(3):
        state = apply_batch(state, [1.0, -1.0] * 4)
        assert all(0.0 <= t <= 1.0 for t in state.theta)
    assert 0.0 in state.theta or 1.0 in state.theta  # huge steps: some coordinate clipped


def test_scores_outside_minus_one_to_one_are_refused() -> None:
    state = example_state()
    with pytest.raises(ValueError, match=r"in \[-1, 1\]"):
        apply_batch(state, [1.5])
    with pytest.raises(ValueError, match="at least one"):
        apply_batch(state, [])
    assert pair_score(1.0, 0.5) == 0.5 and pair_score(0.0, 0.0) == -1.0
    with pytest.raises(ValueError):
        pair_score(2.0, 0.0)


def test_ten_batches_equal_five_saved_loaded_and_five_more() -> None:
    def play(state: SpsaState, batches: int) -> SpsaState:
        for _ in range(batches):
            scores = [float(np.sign(35.0 - p.plus["weights.space"])) for p in plan_batch(state)]
            state = apply_batch(state, scores)
        return state

    settings = SpsaSettings.default(steps=10, pairs_per_batch=6)
    start = SpsaState.start(default_config(), settings, seed=2)
    straight = play(start, 10)
    resumed = play(SpsaState.from_json(play(start, 5).to_json()), 5)
    assert resumed.theta == straight.theta
    assert resumed == straight and resumed.k == 10 and resumed.done


def test_from_json_rejects_what_is_not_a_state() -> None:
    with pytest.raises(ValueError, match="^not an SPSA state: "):
        SpsaState.from_json('{"version": 99}')
    with pytest.raises(ValueError, match="^not an SPSA state: "):
        SpsaState.from_json("[1, 2]")


def test_spsa_converges_on_a_noisy_quadratic() -> None:
    """No games: a pair's two "games" are won by θ+ with probability sigmoid(10 (f+ - f-)),
    f = -||x - x*||^2 over 5 keys. From 0.85 away, 100 steps of 16 pairs (3,200 evaluations)
    end within 0.15 of x* (0.03 to 0.11 over 12 seeds)."""
    keys = ("weights.space", "weights.food", "weights.head_collision", "weights.center_control",
            "traps.moderate")  # fmt: skip
    target = np.array([0.6, 0.4, 0.5, 0.3, 0.7])
    settings = SpsaSettings(keys, (0.05,) * 5, (0.1,) * 5, steps=100, pairs_per_batch=16)
    state = SpsaState.start(default_config(), settings, seed=0)
    games = np.random.default_rng(0)

    def f(config: Config) -> float:
        return -float(np.sum((unit_vector(config, keys) - target) ** 2))

    assert np.linalg.norm(np.array(state.theta) - target) == pytest.approx(0.853, abs=1e-3)
    while not state.done:
        scores = []
        for pair in plan_batch(state):
            win = 1.0 / (1.0 + np.exp(-10.0 * (f(pair.plus) - f(pair.minus))))
            a, b = (games.random(2) < win).astype(float)
            scores.append(pair_score(a, b))
        state = apply_batch(state, scores)
    assert state.pairs == 1600
    assert np.linalg.norm(np.array(state.theta) - target) < 0.15


def test_the_advisor_proposes_theta_for_verification() -> None:
    best = default_config()
    state = apply_batch(example_state(), [1.0, -0.5])
    (proposal,) = SpsaAdvisor(state).propose(best, [], 1, np.random.default_rng(0))
    assert proposal.advisor == "spsa" and proposal.config == state.config()
    assert [key for key, _, _ in proposal.changes] == list(TWO)
    assert proposal.reason.startswith("SPSA θ after 1/10 steps, 2 pairs (4 games) tuning 2 keys")
    assert "weights.space 20 -> 86.3467" in proposal.reason
    assert SpsaAdvisor(example_state()).propose(best, [], 1, np.random.default_rng(0)) == []
    assert SpsaAdvisor(state).propose(best, [], 0, np.random.default_rng(0)) == []


def test_pairs_per_delta_groups_consecutive_pairs_on_one_perturbation() -> None:
    """Pairs ``2g`` and ``2g + 1`` of a grouped batch play the configs of pair ``g`` of an
    ungrouped one, and the update applies each pair's score with its group's Δ."""
    from dataclasses import replace

    single = example_state()
    settings = replace(single.settings, pairs_per_batch=4, pairs_per_delta=2)
    grouped = replace(single, settings=settings)
    ungrouped = plan_batch(single)
    assert plan_batch(grouped) == [ungrouped[0], ungrouped[0], ungrouped[1], ungrouped[1]]
    # each score applied with its group's Δ: without clipping (θ stays inside [0, 1] here)
    # that is the ungrouped step with each group's scores summed
    after = apply_batch(grouped, [0.1, 0.1, -0.1, -0.1])
    assert after.theta == pytest.approx(apply_batch(single, [0.2, -0.2]).theta)
    assert (after.k, after.pairs) == (1, 4)
    assert SpsaState.from_json(after.to_json()) == after  # pairs_per_delta persists
