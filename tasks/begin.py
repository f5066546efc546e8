"""begin: the iteration's inputs (best config, seed, history), fixed once per iteration."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from snaketrain import training
from snaketrain.external.spec import space_of
from snaketrain.snake.space import load_config
from snaketrain.training.iteration import HISTORY
from snaketrain.trainlog import LOG_NAME, TrainingLog
from tasks.learn import attempt_file


def _key(_ctx: Any, p: dict[str, Any]) -> str:
    where = (str(Path(p["results_dir"]).resolve()), str(Path(p["config_path"]).resolve()))
    snake = [p["snake"]] if p.get("snake") else []  # its space file decides the keys
    return "begin-" + training.digest(*where, p["run_seed"], p["iteration"], *snake)


@task(name="begin", persist_result=True, cache_key_fn=_key)
def begin(
    iteration: int, run_seed: int, config_path: str, results_dir: str, snake: str | None = None
) -> training.IterationStart:
    """Read config.yaml and the log once. Cached by iteration: a crashed iteration that runs
    again starts from exactly these inputs (see ``snaketrain.training.iteration``).
    ``snake``: an external snake's snake.yaml, whose space the config is read in."""
    log = TrainingLog(Path(results_dir) / LOG_NAME, repair=False)
    history = log.tail(HISTORY)  # the log's tail and its index, never all of it
    attempts = attempt_file(results_dir).read()
    best = load_config(config_path, space_of(snake))
    return training.start(iteration, run_seed, best, history, attempts, log.summary())


@task(name="plan-run", cache_policy=NO_CACHE)
def plan_run(
    results_dir: str, max_iterations: int | None, parameters: dict[str, Any] | None = None
) -> training.RunPlan:
    """Also where the log is repaired, once per run (a torn line is a crash's aftermath);
    the steps of the run then read it without re-scanning it for damage. ``parameters``
    (the run's resolved settings and target) are kept in run.json."""
    last = TrainingLog(Path(results_dir) / LOG_NAME).last_iteration() or 0
    return training.plan_run(results_dir, last + 1, max_iterations, parameters)


@task(name="finish-run", cache_policy=NO_CACHE)
def finish_run(results_dir: str, plan: training.RunPlan) -> None:
    training.finish_run(results_dir, plan)
