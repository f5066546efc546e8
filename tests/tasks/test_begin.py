"""begin: an iteration's inputs read once and fixed by its number; plan-run, finish-run."""

from __future__ import annotations

from pathlib import Path

import pytest
from prefect import flow
from taskkit import weak_config, write_log

from snaketrain import training
from snaketrain.snake.space import ConfigError, config_hash, default_config, dump_config
from tasks.begin import begin, finish_run, plan_run


def key(iteration: int, config_path: Path, results: Path, run_seed: int = 0) -> str:
    params = {
        "iteration": iteration,
        "run_seed": run_seed,
        "config_path": str(config_path),
        "results_dir": str(results),
    }
    return begin.cache_key_fn(None, params)  # type: ignore[misc]


def test_reads_the_config_and_the_log(repo: Path, tmp_path: Path) -> None:
    results = tmp_path / "results"
    entries = write_log(results, [True, False, False])
    start = begin.fn(4, 7, str(repo / "config.yaml"), str(results))
    assert start.iteration == 4
    assert start.best == default_config() and start.best_hash == config_hash(default_config())
    assert start.seed == training.iteration_seed(7, 4)
    assert start.history == tuple(entries)
    assert start.games_before == sum(e.games for e in entries)
    assert start.improvements_before == 1 and start.since_improvement == 2


def test_a_broken_config_is_an_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    text = dump_config(default_config())
    path.write_text(text.replace("  space: 20.0", "  space: lots", 1))
    with pytest.raises(ConfigError) as e:
        begin.fn(1, 0, str(path), str(tmp_path / "results"))
    assert str(e.value) == f'{path}: weights.space = "lots": expected a float in [0.0, 100.0]'


def test_key_names_the_iteration_not_the_config_content(repo: Path, tmp_path: Path) -> None:
    config, results = repo / "config.yaml", tmp_path / "results"
    first = key(1, config, results)
    assert key(1, config, results) == first
    config.write_text(dump_config(weak_config()))
    assert key(1, config, results) == first  # a re-run of iteration 1 starts where it started
    assert key(2, config, results) != first
    assert key(1, config, results, run_seed=1) != first
    assert key(1, config, tmp_path / "other") != first


@flow
def start_iteration(iteration: int, config_path: str, results_dir: str) -> training.IterationStart:
    return begin(iteration, 0, config_path, results_dir)


def test_a_rerun_of_an_iteration_starts_from_its_first_best(
    prefect_storage: Path, repo: Path, tmp_path: Path
) -> None:
    """The exactly-once guarantee: iteration 1 committed its winner, crashed before its log
    line and runs again; it must start from the config it started from, not the winner."""
    config, results = str(repo / "config.yaml"), str(tmp_path / "results")
    first = start_iteration(1, config, results)
    (repo / "config.yaml").write_text(dump_config(weak_config()))  # the committed winner
    again = start_iteration(1, config, results)
    assert again.best == first.best == default_config()
    assert again.seed == first.seed
    assert start_iteration(2, config, results).best == weak_config()


def test_plan_run_starts_after_the_last_logged_iteration(tmp_path: Path) -> None:
    results = tmp_path / "results"
    assert plan_run.fn(str(results), 3) == training.RunPlan(1, 3)
    write_log(results, [False, True])
    plan = plan_run.fn(str(results), 3)
    assert plan == training.RunPlan(1, 3)  # the unfinished run of 3 goes on
    finish_run.fn(str(results), plan)
    assert plan_run.fn(str(results), 3) == training.RunPlan(3, 3)  # then a new run of 3
