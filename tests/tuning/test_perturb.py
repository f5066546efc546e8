"""Random perturbation: 3-5 parameters move, every proposal valid and new, the same seed gives
the same proposals, and the step grows while nothing improves."""

from __future__ import annotations

import numpy as np
import pytest

from snaketrain.snake.space import PARAMS, SPACE, Config, default_config, diff
from snaketrain.tuning import MAX_SCALE, Advisor, RandomPerturbation, perturbation_scale


def propose(advisor: RandomPerturbation, best: Config, k: int, seed: int) -> list:
    return advisor.propose(best, [], k, np.random.default_rng(seed))


def test_each_proposal_moves_three_to_five_parameters_within_bounds() -> None:
    best = default_config()
    counts = set()
    for proposal in propose(RandomPerturbation(), best, 200, seed=0):
        changes = diff(best, proposal.config)
        counts.add(len(changes))
        assert 3 <= len(changes) <= 5
        assert list(proposal.changes) == changes
        assert proposal.advisor == "random" and proposal.reason
        Config(proposal.config.to_dict())  # valid: validation raises otherwise
        for key, old, new in changes:
            p = PARAMS[key]
            if p.kind in ("float", "int"):
                assert p.low <= new <= p.high
                assert type(new) is type(old)
    assert counts == {3, 4, 5}


def test_numeric_steps_are_the_fraction_of_the_range() -> None:
    keys = ("weights.head_collision", "food_urgency.low_health")  # float 0..500, int 0..100
    advisor = RandomPerturbation(fraction=0.1, min_params=2, max_params=2, keys=keys)
    for proposal in propose(advisor, default_config(), 4, seed=3):  # all 4 sign combinations
        moved = {k: abs(new - old) for k, old, new in proposal.changes}
        assert moved == {"weights.head_collision": 50.0, "food_urgency.low_health": 10}


def test_at_a_bound_the_step_goes_the_other_way() -> None:
    best = default_config().replace({"weights.space": 100.0, "search.depth": 0})
    advisor = RandomPerturbation(min_params=2, max_params=2, keys=("weights.space", "search.depth"))
    for proposal in propose(advisor, best, 1, seed=5) + propose(advisor, best, 1, seed=6):
        assert proposal.config["weights.space"] == 85.0
        assert proposal.config["search.depth"] == 1


def test_bools_flip_and_choices_change() -> None:
    keys = ("hybrid.enabled", "search.reply_model")
    advisor = RandomPerturbation(min_params=2, max_params=2, keys=keys)
    best = default_config()
    (proposal,) = propose(advisor, best, 1, seed=0)
    assert proposal.config["hybrid.enabled"] is (not best["hybrid.enabled"])
    assert proposal.config["search.reply_model"] != best["search.reply_model"]


def test_proposals_are_distinct_and_never_the_best_config() -> None:
    best = default_config()
    proposals = propose(RandomPerturbation(), best, 50, seed=1)
    configs = [p.config for p in proposals]
    assert best not in configs and len(set(configs)) == 50


def test_the_same_seed_gives_the_same_proposals() -> None:
    a = propose(RandomPerturbation(), default_config(), 10, seed=42)
    b = propose(RandomPerturbation(), default_config(), 10, seed=42)
    c = propose(RandomPerturbation(), default_config(), 10, seed=43)
    assert a == b and a != c


def test_scale_grows_every_half_limit_without_improvement_and_is_capped() -> None:
    scales = [perturbation_scale(n, 100) for n in (0, 49, 50, 99, 100, 149, 150, 10_000)]
    assert scales == [1.0, 1.0, 1.5, 1.5, 2.25, 2.25, MAX_SCALE, MAX_SCALE]
    assert perturbation_scale(3, 1) == MAX_SCALE  # a limit of 1 still grows, one per iteration


def test_scaled_advisor_takes_larger_steps() -> None:
    key = ("weights.head_collision",)
    base = RandomPerturbation(fraction=0.1, min_params=1, max_params=1, keys=key)
    bigger = base.scaled(perturbation_scale(100, 100))
    assert bigger.fraction == pytest.approx(0.225)
    (proposal,) = propose(bigger, default_config(), 1, seed=0)
    ((_, old, new),) = proposal.changes
    assert abs(new - old) == pytest.approx(112.5)
    assert base.scaled(100.0).fraction == 0.5  # capped


def test_is_an_advisor_and_rejects_bad_settings() -> None:
    assert isinstance(RandomPerturbation(), Advisor)
    with pytest.raises(ValueError, match="min_params"):
        RandomPerturbation(min_params=6, max_params=5)
    with pytest.raises(ValueError, match="max_params"):
        RandomPerturbation(max_params=len(SPACE) + 1)
    with pytest.raises(ValueError, match="unknown"):
        RandomPerturbation(keys=("weights.nope",), min_params=1, max_params=1)
    with pytest.raises(ValueError, match="fraction"):
        RandomPerturbation(fraction=0.0)
