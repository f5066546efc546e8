"""SPSA and CMA-ES steps on real games: deterministic, split-independent, resumable."""

from __future__ import annotations

from pathlib import Path

import pytest

from snaketrain.arena.pairs import MatchSetup, play_pairs
from snaketrain.snake.heuristic import HeuristicPolicy
from snaketrain.snake.space import default_config
from snaketrain.training import tune
from snaketrain.tuning.spsa import SpsaState, plan_batch
from snaketrain.tuning.spsa_settings import SpsaSettings

SETUP = MatchSetup(size=7, master_seed=11, max_turns=80, batch_size=64)


def base():
    return default_config().replace({"search.depth": 0, "hybrid.enabled": False})


def spsa(pairs: int = 6) -> SpsaState:
    return SpsaState.start(base(), SpsaSettings.default(steps=10, pairs_per_batch=pairs), 3)


def test_spsa_scores_are_the_games_each_pair_plays_alone() -> None:
    pairs = plan_batch(spsa(3))
    scores = tune.spsa_scores(pairs, 40, SETUP)
    for j, p in enumerate(pairs):
        alone = play_pairs(HeuristicPolicy(p.plus), [HeuristicPolicy(p.minus)], SETUP, [40 + j])
        assert scores[j] == pytest.approx(2 * alone.total.win_rate().score - 1)
        assert -1.0 <= scores[j] <= 1.0


def test_spsa_step_is_the_same_in_one_process_or_two() -> None:
    one = tune.spsa_step(spsa(), SETUP, processes=1)
    two = tune.spsa_step(spsa(), SETUP, processes=2)
    assert one.theta == two.theta and one.k == 1 and one.pairs == 6
    assert one.theta != spsa().theta  # the games moved θ


def test_cma_generation_scores_every_candidate_on_common_seeds() -> None:
    state = tune.start_tuner("cmaes", base(), None, seed=2)
    after = tune.cma_step(state, base(), SETUP, processes=1)
    assert after.generation == 1 and after.evaluations == state.population_size
    assert tune.pairs_per_step(state) == state.population_size * tune.CMA_PAIRS


def test_the_tuner_survives_a_restart_and_other_advisors_start_afresh(tmp_path: Path) -> None:
    state = tune.spsa_step(spsa(), SETUP)
    tune.save_tuner(tmp_path, state)
    back = tune.load_tuner(tmp_path, "spsa", base(), None, run_seed=0)
    assert isinstance(back, SpsaState) and back.theta == state.theta and back.k == state.k
    fresh = tune.load_tuner(tmp_path, "cmaes", base(), None, run_seed=0)
    assert fresh.generation == 0
    (tmp_path / tune.TUNER_FILE).write_text("{torn")
    with pytest.raises(ValueError, match="not a tuner state"):
        tune.load_tuner(tmp_path, "spsa", base(), None, run_seed=0)


def test_the_tuned_config_is_proposed_with_its_cost() -> None:
    state = tune.spsa_step(spsa(), SETUP)
    [p] = tune.tuned_proposal(state, base(), games=12)
    assert p.advisor == "spsa" and p.tuning_games == 12 and p.changes
    assert tune.tuned_proposal(spsa(), base(), games=0) == []  # θ not moved yet: nothing new
