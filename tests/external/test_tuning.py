"""SPSA over HTTP: its batching defaults, and a tune file that sets its own."""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from snaketrain.arena.pairs import MatchSetup
from snaketrain.external.spec import SnakeSpec
from snaketrain.external.training import CALLS_LOG
from snaketrain.external.tuning import HTTP_DEFAULTS, cma_step, http_settings, pair_scores
from snaketrain.snake.space import default_config
from snaketrain.training.tune import start_tuner
from snaketrain.tuning.cma import CmaState
from tests.external.externalkit import EXAMPLE


def test_http_runs_group_pairs_unless_the_tune_file_says_otherwise(tmp_path) -> None:
    s = http_settings(None)
    assert (s.pairs_per_batch, s.pairs_per_delta) == (32, 8) == tuple(HTTP_DEFAULTS.values())
    tune = tmp_path / "tune.yaml"
    tune.write_text("pairs_per_delta: 4\nkeys: [weights.food]\n")
    s = http_settings(str(tune))
    assert (s.keys, s.pairs_per_batch, s.pairs_per_delta) == (("weights.food",), 32, 4)


def test_start_tuner_batches_for_http_only_with_an_external_snake() -> None:
    here = start_tuner("spsa", default_config(), None, 0)
    http = start_tuner("spsa", default_config(), None, 0, snake="snake.yaml")
    assert here.settings.pairs_per_delta == 1 and http.settings.pairs_per_delta == 8


def example_spec(tmp_path: Path) -> SnakeSpec:
    """The stdlib example snake (config.json, one instance) as a tuned snake."""
    repo = tmp_path / "repo"
    shutil.copytree(EXAMPLE, repo)
    start = f"{sys.executable} snake.py --port {{port}} --config {{config}}"
    return SnakeSpec(repo=repo, start=start, config="config.json", move_timeout_ms=10_000)


TINY = MatchSetup(players=2, size=7, master_seed=3, max_turns=100)


def test_pair_scores_are_the_first_configs_points_pair_by_pair(tmp_path: Path) -> None:
    """θ+ against θ− over HTTP: a score in [-1, 1] per pair, in the order asked; a side whose
    build fails loses every pair, the message logged."""
    spec = example_spec(tmp_path)
    weak = default_config().replace({"weights.food": 0.0, "weights.space": 0.0})
    scores = pair_scores(spec, default_config(), weak, [2, 0], TINY, tmp_path, ("a+", "a-"))
    assert scores == [1.0, 1.0]  # food and space weights beat none, in both seats
    broken = replace(spec, build="grep -q '\"food\": 0.0' $SNAKE_CONFIG || exit 3")
    assert pair_scores(broken, default_config(), weak, [0], TINY, tmp_path, ("b+", "b-")) == [-1.0]
    lines = [json.loads(x) for x in (tmp_path / CALLS_LOG).read_text().splitlines()]
    assert [x["key"] for x in lines] == ["a+", "b+"] and "exit 3" in lines[1]["failed"]["b+"]


@pytest.mark.slow  # a generation of 2 candidates, each started beside the incumbent
@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # cmaes on a population of 2
def test_a_cmaes_generation_over_http_is_told(tmp_path: Path) -> None:
    spec = example_spec(tmp_path)
    snake = tmp_path / "snake.yaml"
    snake.write_text(
        f"repo: repo\nconfig: config.json\nstart: {json.dumps(spec.start)}\n"
        "move_timeout_ms: 10000\n"
    )
    keys = ("weights.space", "weights.food")
    state = CmaState.start(default_config(), keys=keys, population_size=2, seed=1)
    after = cma_step(state, default_config(), TINY, str(snake), tmp_path, pairs_each=1)
    assert (after.generation, after.evaluations) == (1, 2)
    lines = [json.loads(x) for x in (tmp_path / CALLS_LOG).read_text().splitlines()]
    assert [x["key"] for x in lines] == ["cmaes-1.0", "cmaes-1.1"]


def test_an_spsa_step_over_http_in_the_snakes_own_space(tmp_path: Path) -> None:
    """The example snake of its own space: θ± written as its config.json (its own keys),
    started, played over HTTP and applied."""
    from snaketrain.external.spec import load_snake
    from snaketrain.external.tuning import spsa_step
    from snaketrain.snake.space import load_config

    repo = tmp_path / "repo"
    shutil.copytree(EXAMPLE.parent / "own-space-snake", repo)
    snake = repo / "snake.yaml"
    text = snake.read_text().replace("instances: 2", "instances: 1")
    text = text.replace("move_timeout_ms: 500", "move_timeout_ms: 10000")
    snake.write_text(text.replace("python3 snake.py", f"{sys.executable} snake.py"))
    tune = tmp_path / "tune.yaml"
    tune.write_text("steps: 2\npairs_per_batch: 2\npairs_per_delta: 2\nkeys: [caution.room]\n")
    space = load_snake(snake).config_space()
    best = load_config(repo / "config.json", space)
    state = start_tuner("spsa", best, str(tune), 0, snake=str(snake))
    after = spsa_step(state, TINY, str(snake), tmp_path)
    assert (after.k, after.pairs, after.base.space) == (1, 2, space)
    written = sorted((tmp_path / "external" / "tune").iterdir())
    assert len(written) == 2  # θ+ and θ−, each its own config.json
    for path in written:
        config = load_config(path, space)  # JSON in the snake's own keys
        assert set(json.loads(path.read_text())) == {"greed", "caution", "style"}
        assert config["greed.apple"] == best["greed.apple"]  # only caution.room is tuned
