"""The training DAG: one iteration (begin -> advise (SPSA / CMA-ES: tune; the LLM: one slot)
-> perturb -> build -> benchmark -> select -> commit -> record) and the loop that runs
iterations back to back.
Flows call tasks only; every value between them is a plain object Prefect persists."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

from prefect import flow, get_run_logger, unmapped
from prefect.runtime import flow_run
from prefect.task_runners import ThreadPoolTaskRunner

from blocks.training import GitTarget, TrainingSettings
from snaketrain import training
from snaketrain.gitops import PENDING_NAME
from snaketrain.training import SnakeRef, Strength
from snaketrain.trainlog import LOG_NAME
from tasks.advise import advise
from tasks.begin import begin, finish_run, plan_run
from tasks.benchmark import decide, measure
from tasks.build import build, built_candidates, with_failed_builds
from tasks.commit import commit, retry_pending
from tasks.guard import check_rerun, holding, holding_repo
from tasks.inputs import RunInputs, run_inputs
from tasks.learn import with_nn
from tasks.llm import llm_slot, with_llm_slot
from tasks.opponents import opponents
from tasks.perturb import perturb
from tasks.record import next_iteration, record, report, report_http
from tasks.select import select
from tasks.storage import results_storage
from tasks.tune import tune


def _measure_name() -> str:
    """``measure-0042-incumbent-1a2b3c4d5e6f``: the iteration, whose strength, which config."""
    p = flow_run.parameters
    snake = p["snake"]
    ident = snake["ident"] if isinstance(snake, dict) else snake.ident
    return f"measure-{p.get('iteration', 0):04d}-{p.get('role', 'config')}-{ident[:12]}"


def _train_name() -> str:
    """``train-<repository folder>-<UTC start, YYYYMMDD-HHMM>``."""
    target = flow_run.parameters.get("target") or {}
    repo = target.get("repo_path", ".") if isinstance(target, dict) else target.repo_path
    started = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    return f"train-{Path(repo).resolve().name or 'repo'}-{started}"


@flow(
    name="measure-strength",
    flow_run_name=_measure_name,
    task_runner=ThreadPoolTaskRunner(max_workers=64),
)
def measure_strength(
    snake: SnakeRef,
    refs: list[SnakeRef],
    settings: TrainingSettings,
    results_dir: str,
    iteration: int = 0,
    role: str = "config",
) -> Strength:
    """A config's score against the reference opponents on fresh seeds (cached by content);
    ``iteration`` and ``role`` (incumbent, candidate) name the run in the UI."""
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

    start = begin(iteration, settings.seed, config_path, results_dir, settings.snake)
    refs = opponents(settings.opponents)
    incumbent = build(start.best, results_dir, "incumbent", settings.snake)
    before = measure_strength(incumbent, refs, settings, results_dir, iteration, "incumbent")
    llm = llm_slot(start, settings, dict(before.causes), results_dir)  # [] unless use_llm, due
    advice = []
    if not llm or settings.parallel_configs > 1:  # one slot: the LLM's replaces the advisor's
        advice = tune(start, settings, results_dir) if settings.advisor != "random" else []
        if not advice:  # random perturbation, or a tuned config that rounds to the best one
            advice = advise(
                start,
                settings.parallel_configs,
                settings.stagnation_limit,
                settings.history_window,
                settings.history_tolerance,
            )
    advice = with_llm_slot(advice, llm, settings.parallel_configs)
    if settings.use_neural_net:  # the NN's screened proposal takes one slot
        advice = with_nn(start, advice, settings, results_dir)
    proposals = perturb(start.best, advice)
    built = build.map(
        [p.config for p in proposals],
        unmapped(results_dir),
        unmapped(None),
        unmapped(settings.snake),
    )
    candidates, failed = built_candidates(built, logger)
    ok = [c for c in candidates if c is not None]
    verdicts = decide(ok, incumbent, start.seed, settings, results_dir) if ok else []
    verdicts = with_failed_builds(candidates, verdicts, failed, incumbent, start.seed, settings)
    winner, shown = select(verdicts)
    if settings.snake is not None:
        report_http(iteration, results_dir, [c.label for c in ok])

    after, outcome = before, None
    if winner is not None:
        measured = measure_strength(
            candidates[winner], refs, settings, results_dir, iteration, "candidate"
        )
        if not training.confirmed(verdicts[winner], before, measured):
            logger.warning(
                "not committed: the fixed-N winner re-measured %.2f%%, below the best's %.2f%%",
                100 * measured.win_rate,
                100 * before.win_rate,
            )
            verdicts[winner] = training.unconfirmed(verdicts[winner])
            winner = None
    if winner is not None:
        after = measured
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
            settings.snake,
        )
        logger.info("commit: %s", outcome["message"])
    report(
        iteration,
        proposals,
        verdicts,
        winner,
        before,
        after,
        settings.opponents,
        outcome,
        start,
        settings.history_window,
    )
    record(
        str(Path(results_dir) / LOG_NAME),
        start,
        proposals[shown],
        verdicts[shown],
        before,
        after,
        time.perf_counter() - t0,
        settings.stagnation_limit,
        proposals,
        verdicts,
    )
    return after


@flow(name="continuous-training", flow_run_name=_train_name, retries=3, retry_delay_seconds=60)
def continuous_training(
    settings: TrainingSettings | None = None,
    target: GitTarget | None = None,
    results_dir: str = "nn_training_results",
    max_iterations: int | None = None,
    settings_block: str | None = None,
    git_block: str | None = None,
    rerun_of: str | None = None,
) -> int:
    """Iterations back to back, never two at once: forever, or until the run of
    ``max_iterations`` iterations is complete (a stopped run is resumed, not restarted:
    ``snaketrain.training.runplan``). ``settings_block`` / ``git_block`` name saved blocks
    that ``settings`` / ``target`` override field by field; no parameters at all: the
    unfinished run of ``results_dir`` goes on with its own (``tasks.inputs``). Results persist
    under ``<results_dir>/prefect-results`` (``tasks.storage``). Retried 3 times a minute
    apart when it fails (a deployment; the ``snaketrain train`` command runs it without).
    The run holds the results folder and the repository: a second run on either waits for
    the first to stop (``tasks.guard``). ``rerun_of``: the crashed run this one re-runs (the
    automation sets it) continues the folder's unfinished run or does nothing; after 3 crashes
    in a row with no iteration finished, it refuses.
    Returns the number of iterations run by this call."""
    with holding(results_dir):
        check_rerun(results_dir, rerun_of)
        inputs = run_inputs(
            results_dir, max_iterations, settings, target, settings_block, git_block
        )
        if rerun_of is not None and not inputs.continued:  # never a default run by itself
            get_run_logger().info(
                "re-run of %s: %s has no unfinished run to continue; nothing to do",
                rerun_of,
                results_dir,
            )
            return 0
        with holding_repo(inputs.target.repo_path, results_dir):
            return _iterations(inputs, results_dir)


def _iterations(inputs: RunInputs, results_dir: str) -> int:
    """The run's iterations, from the next one to its planned last (continuous_training)."""
    logger = get_run_logger()
    settings, target = inputs.settings, inputs.target
    plan = plan_run(results_dir, inputs.max_iterations, inputs.parameters)
    iterate = training_iteration.with_options(result_storage=results_storage(results_dir))
    log_path = str(Path(results_dir) / LOG_NAME)
    done = 0
    while True:
        iteration = next_iteration(log_path)
        if plan.last is not None and iteration > plan.last:
            break
        after = iterate(iteration, settings, target, results_dir)
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
