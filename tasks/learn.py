"""learn: the change history on disk and the NN advisor's steps (fit once per iteration,
then screen cheap proposals into one slot); see ``snaketrain.learn``."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import numpy as np
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.exceptions import MissingContextError

from snaketrain import training
from snaketrain.learn import mixing, surrogate
from snaketrain.learn.history import ATTEMPTS_NAME, AttemptFile, ChangeHistory
from snaketrain.rules import rng
from snaketrain.snake.space import config_hash
from snaketrain.tuning.advisor import Proposal
from snaketrain.tuning.perturb import perturbation_scale

_FILES: dict[str, AttemptFile] = {}


def attempt_file(results_dir: str | Path) -> AttemptFile:
    """The results folder's ``attempts.jsonl``, one reader per process (read incrementally)."""
    path = str((Path(results_dir) / ATTEMPTS_NAME).resolve())
    if path not in _FILES:
        _FILES[path] = AttemptFile(path)
    return _FILES[path]


def run_logger() -> logging.Logger | logging.LoggerAdapter[Any]:
    """The Prefect run's logger inside a run, else the module's (a task's ``.fn`` in tests)."""
    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger(__name__)


@task(name="learn-fit", cache_policy=NO_CACHE)
def fit(
    results_dir: str,
    iteration: int,
    run_seed: int,
    device: str,
    keys: tuple[str, ...] = surrogate.KEYS,
) -> surrogate.Fit | None:
    """Train the surrogate (over the space of ``keys``) on every measured candidate so far,
    at most once per iteration (a re-run loads it); its fit, or None while there are too few
    points."""
    t0 = time.perf_counter()
    attempts = attempt_file(results_dir).read()
    model, trained = surrogate.fit_or_load(
        results_dir, iteration, attempts, seed=run_seed, device=device, keys=keys
    )
    if model is None:
        run_logger().info("nn: %d measured candidates, too few to train on", len(attempts))
        return None
    how = f"trained in {time.perf_counter() - t0:.1f} s" if trained else "loaded"
    run_logger().info("nn: %s (%s on %s)", model.fit.line(), how, device)
    return model.fit


def _propose_key(_ctx: Any, p: dict[str, Any]) -> str:
    b: training.IterationStart = p["begin"]
    fitted: surrogate.Fit | None = p["fitted"]
    return "learn-propose-" + training.digest(
        str(Path(p["results_dir"]).resolve()),
        b.iteration,
        b.seed,
        b.best_hash,
        [config_hash(x.config) for x in p["main"]],
        p["k"],
        p["stagnation_limit"],
        p["window"],
        p["tolerance"],
        None if fitted is None else fitted.trained_iteration,
    )


@task(name="learn-propose", persist_result=True, cache_key_fn=_propose_key)
def propose(
    begin: training.IterationStart,
    main: list[Proposal],
    fitted: surrogate.Fit | None,
    k: int,
    stagnation_limit: int,
    window: int,
    tolerance: float,
    results_dir: str,
    device: str,
) -> list[Proposal]:
    """The iteration's proposals: ``main`` with the NN's screened proposal in its slot."""
    keys = begin.best.space.keys
    model = surrogate.load(results_dir, device, keys) if fitted is not None else None
    history = ChangeHistory(begin.attempts, window, tolerance)
    gen = np.random.default_rng(rng.game_seed(begin.seed ^ 0x4E4E, 0))
    scale = perturbation_scale(begin.since_improvement, stagnation_limit)
    mine = mixing.screen(
        begin.best, model, history, begin.iteration, gen, exclude=[p.config for p in main],
        scale=scale,
    )  # fmt: skip
    if mine is None:
        run_logger().warning("nn: every screened proposal was blocked or taken; no NN slot")
    else:
        run_logger().info("%s", mine.reason)
    return mixing.share_slots(main, mine, k, begin.iteration)


def with_nn(
    begin: training.IterationStart, main: list[Proposal], settings: Any, results_dir: str
) -> list[Proposal]:
    """``main`` (the main advisor's proposals) with the NN's slot (``mixing.share_slots``)."""
    fitted = fit(
        results_dir, begin.iteration, settings.seed, settings.device, begin.best.space.keys
    )
    return propose(
        begin,
        main,
        fitted,
        settings.parallel_configs,
        settings.stagnation_limit,
        settings.history_window,
        settings.history_tolerance,
        results_dir,
        settings.device,
    )
