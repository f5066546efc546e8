"""tune: SPSA batches or CMA-ES generations as tasks, then the tuned config to verify.

Each step is a task cached by the tuner state it starts from, so a crashed iteration replays
its finished batches from the cache and goes on with exactly the θ an uninterrupted run has;
the state after each step is also written to ``<results>/tuner.json`` (what ``status`` and
the next iteration read). The tuner an iteration starts from is fixed once per iteration
(``load-tuner``, cached by iteration like ``begin``). After the steps, ``tuning-report``
publishes θ per tuned key (start, now, change) as the markdown artifact ``tuning``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import get_run_logger, task
from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    update_progress_artifact,
)
from prefect.cache_policies import NO_CACHE

from snaketrain import training
from snaketrain.arena.pairs import MatchSetup
from snaketrain.learn.history import ChangeHistory
from snaketrain.snake.space import Config, config_hash
from snaketrain.training import tune as tuning
from snaketrain.training.trajectory import progress_text, theta_markdown, trajectory
from snaketrain.tuning.advisor import Proposal
from snaketrain.tuning.spsa import SpsaState
from snaketrain.tuning.spsa_settings import describe
from tasks.benchmark import match_setup


def _load_key(_ctx: Any, p: dict[str, Any]) -> str:
    b: training.IterationStart = p["begin"]
    where = str(Path(p["results_dir"]).resolve())
    extra = [p["snake"]] if p.get("snake") else []
    return "load-tuner-" + training.digest(
        where, p["advisor"], b.iteration, b.seed, b.best_hash, *extra
    )


@task(name="load-tuner", persist_result=True, cache_key_fn=_load_key)
def load_tuner(
    begin: training.IterationStart,
    advisor: str,
    tune_file: str | None,
    run_seed: int,
    results_dir: str,
    snake: str | None = None,
) -> tuning.Tuner:
    return tuning.load_tuner(results_dir, advisor, begin.best, tune_file, run_seed, snake)


def _step_key(_ctx: Any, p: dict[str, Any]) -> str:
    s: MatchSetup = p["setup"]
    how = (s.players, s.size, s.master_seed, s.max_turns, s.settings)
    extra = config_hash(p["incumbent"]) if p.get("incumbent") is not None else ""
    snake = [p["snake"]] if p.get("snake") else []  # over HTTP: another program's games
    return "tune-step-" + training.digest(p["state"].to_json(), how, extra, *snake)


@task(name="tune-step", persist_result=True, cache_key_fn=_step_key)
def tune_step(
    state: tuning.Tuner,
    setup: MatchSetup,
    processes: int,
    results_dir: str,
    incumbent: Config | None = None,
    snake: str | None = None,
) -> tuning.Tuner:
    """One SPSA batch or CMA-ES generation (against ``incumbent``), played and applied;
    ``snake``: an external snake's snake.yaml, played over HTTP (``external.tuning``)."""
    if snake is not None:
        from snaketrain.external import tuning as http

        if isinstance(state, SpsaState):
            return http.spsa_step(state, setup, snake, results_dir)
        assert incumbent is not None
        return http.cma_step(state, incumbent, setup, snake, results_dir, tuning.CMA_PAIRS)
    if isinstance(state, SpsaState):
        after: tuning.Tuner = tuning.spsa_step(state, setup, processes)
    else:
        assert incumbent is not None
        after = tuning.cma_step(state, incumbent, setup, processes)
    return after


@task(name="save-tuner", cache_policy=NO_CACHE)
def save_tuner(results_dir: str, state: tuning.Tuner) -> None:
    tuning.save_tuner(results_dir, state)


@task(name="tuning-report", cache_policy=NO_CACHE)
def tuning_report(state: tuning.Tuner) -> None:
    """The θ table of ``state`` (every tuned key: start, now, change) as the ``tuning``
    markdown artifact."""
    t = trajectory(state)
    create_markdown_artifact(
        theta_markdown(t), key="tuning", description=f"{t.advisor} θ, {progress_text(t)}"
    )


@task(name="tuned-proposal", cache_policy=NO_CACHE)
def tuned_proposal(state: tuning.Tuner, best: Config, games: int) -> list[Proposal]:
    return tuning.tuned_proposal(state, best, games)


def tune(begin: training.IterationStart, settings: Any, results_dir: str) -> list[Proposal]:
    """``settings.tune_pairs`` pairs of tuning (whole steps), then the tuned config as the
    iteration's one proposal ([] when it rounds to the best config, or when it repeats a
    change rejected in the last ``settings.history_window`` iterations: θ is kept and tuning
    goes on from it, the verification waits for an iteration where θ has moved on, and the
    flow fills the slot by random perturbation)."""
    logger = get_run_logger()
    snake = settings.snake
    state = load_tuner(
        begin, settings.advisor, settings.tune_file, settings.seed, results_dir, snake
    )
    setup = match_setup(settings, tuning.tune_seed(settings.seed))
    processes = settings.shards if settings.device == "cpu" else 1
    per_step = tuning.pairs_per_step(state)
    steps = max(1, -(-settings.tune_pairs // per_step))
    progress = create_progress_artifact(
        progress=0.0, key="tuning-progress", description=f"{settings.advisor} steps done"
    )
    incumbent = None if isinstance(state, SpsaState) else begin.best
    if isinstance(state, SpsaState) and state.k == 0:  # a new run: show what it tunes
        logger.info("SPSA settings:\n%s", describe(state.settings, state.base))
    for step in range(steps):
        state = tune_step(state, setup, processes, results_dir, incumbent, snake)
        save_tuner(results_dir, state)
        update_progress_artifact(progress, 100.0 * (step + 1) / steps)
    tuning_report(state)
    games = 2 * steps * per_step
    logger.info("%s: %d steps, %d tuning games", settings.advisor, steps, games)
    proposals = tuned_proposal(state, begin.best, games)
    history = ChangeHistory(begin.attempts, settings.history_window, settings.history_tolerance)
    kept = []
    for p in proposals:
        why = history.blocks(p, begin.iteration)
        if why is None:
            kept.append(p)
        else:
            logger.info(
                "%s: θ not verified this iteration (tuning goes on from it): it %s",
                settings.advisor,
                why,
            )
    return kept
