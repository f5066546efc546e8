"""The training DAG: one iteration (begin -> advise (SPSA / CMA-ES: tune; the LLM: one slot)
-> perturb -> build -> benchmark -> select -> commit -> record) and the loop that runs
iterations back to back.
Flows call tasks only; every value between them is a plain object Prefect persists."""

from __future__ import annotations

import time
from pathlib import Path

from prefect import flow, get_run_logger, unmapped
from prefect.task_runners import ThreadPoolTaskRunner

from blocks.training import GitTarget, TrainingSettings
from snaketrain.gitops import PENDING_NAME
from snaketrain.training import SnakeRef, Strength
from snaketrain.trainlog import LOG_NAME
from tasks.advise import advise
from tasks.begin import begin, finish_run, plan_run
from tasks.benchmark import decide, measure
from tasks.build import build
from tasks.commit import commit, retry_pending
from tasks.llm import llm_slot, with_llm_slot
from tasks.opponents import opponents
from tasks.perturb import perturb
from tasks.record import next_iteration, record, report
from tasks.select import select
from tasks.tune import tune


@flow(name="measure-strength", task_runner=ThreadPoolTaskRunner(max_workers=64))
def measure_strength(
    snake: SnakeRef, refs: list[SnakeRef], settings: TrainingSettings, results_dir: str
) -> Strength:
    """A config's score against the reference opponents on fresh seeds (cached by content)."""
    return measure(snake, refs, settings, results_dir)


@flow(
    name="training-iteration",
    flow_run_name="iteration-{iteration:04d}",
    task_runner=ThreadPoolTaskRunner(max_workers=64),
)
def training_iteration(
    iteration: int, settings: TrainingSettings, target: GitTarget, results_dir: str
) -> Strength:
    """One iteration; returns the best config's strength after it."""
    logger = get_run_logger()
    t0 = time.perf_counter()
    config_path = str(Path(target.repo_path) / target.config_path)
    pending = str(Path(results_dir) / PENDING_NAME)
    retried = retry_pending(target.repo_path, config_path, pending, target.push, target.remote)
    if retried:
        logger.info("pending commit: %s", retried)

    start = begin(iteration, settings.seed, config_path, results_dir)
    refs = opponents(settings.opponents)
    incumbent = build(start.best, results_dir, "incumbent")
    before = measure_strength(incumbent, refs, settings, results_dir)
    llm = llm_slot(start, settings, dict(before.causes))  # [] unless use_llm and it is due
    advice = []
    if not llm or settings.parallel_configs > 1:  # one slot: the LLM's replaces the advisor's
        advice = tune(start, settings, results_dir) if settings.advisor != "random" else []
        if not advice:  # random perturbation, or a tuned config that rounds to the best one
            advice = advise(start, settings.parallel_configs, settings.stagnation_limit)
    proposals = perturb(start.best, with_llm_slot(advice, llm, settings.parallel_configs))
    candidates = [
        f.result() for f in build.map([p.config for p in proposals], unmapped(results_dir))
    ]
    verdicts = decide(candidates, incumbent, start.seed, settings, results_dir)
    winner, shown = select(verdicts)
    report(iteration, proposals, verdicts, winner)

    after = before
    if winner is not None:
        after = measure_strength(candidates[winner], refs, settings, results_dir)
        outcome = commit(
            start,
            proposals[winner],
            verdicts[winner],
            before,
            after,
            sum(v.result.games for v in verdicts),
            target.repo_path,
            config_path,
            pending,
            target.push,
            target.remote,
        )
        logger.info("commit: %s", outcome["message"])
    record(
        str(Path(results_dir) / LOG_NAME),
        start,
        proposals[shown],
        verdicts[shown],
        before,
        after,
        time.perf_counter() - t0,
        settings.stagnation_limit,
    )
    return after


@flow(name="continuous-training")
def continuous_training(
    settings: TrainingSettings,
    target: GitTarget,
    results_dir: str = "nn_training_results",
    max_iterations: int | None = None,
) -> int:
    """Iterations back to back, never two at once: forever, or until the run of
    ``max_iterations`` iterations is complete (a stopped run is resumed, not restarted:
    ``snaketrain.training.runplan``). Returns the number of iterations run by this call."""
    logger = get_run_logger()
    plan = plan_run(results_dir, max_iterations)
    log_path = str(Path(results_dir) / LOG_NAME)
    done = 0
    while True:
        iteration = next_iteration(log_path)
        if plan.last is not None and iteration > plan.last:
            break
        after = training_iteration(iteration, settings, target, results_dir)
        logger.info(
            "iteration %d: best %s at %.2f%% [%.2f, %.2f] against %s (%d games)",
            iteration,
            after.config_hash[:12],
            100 * after.win_rate,
            100 * after.low,
            100 * after.high,
            ", ".join(settings.opponents),
            after.games,
        )
        done += 1  # the record task warns (log + artifact) on stagnation
    finish_run(results_dir, plan)
    return done


__all__ = ["continuous_training", "measure_strength", "training_iteration"]
