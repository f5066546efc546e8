"""The training DAG: one iteration (advise -> perturb -> build -> benchmark -> select ->
commit -> record) and the loop that runs iterations back to back. Flows call tasks only."""

from __future__ import annotations

import math
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, unmapped
from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    update_progress_artifact,
)
from prefect.futures import PrefectFuture
from prefect.task_runners import ThreadPoolTaskRunner

from blocks.training import GitTarget, TrainingSettings
from snaketrain import training
from snaketrain.arena.match import REMEASURE_BASE, SprtRun, fixed_match
from snaketrain.arena.result import MatchResult, Verdict
from snaketrain.gitops import PENDING_NAME, commit_message
from snaketrain.snake.space import config_hash, load_config, parse_yaml
from snaketrain.trainlog import LOG_NAME, TrainingLog, utc_timestamp
from tasks.advise import advise
from tasks.benchmark import benchmark, key_of, remote_benchmark
from tasks.build import build
from tasks.commit import commit, retry_pending
from tasks.perturb import perturb
from tasks.record import record
from tasks.select import select


def _ref_hash(ref: str) -> str:
    """Content identity of a snake reference: a config file's hash, or a built-in name."""
    return config_hash(load_config(ref)) if ref.endswith((".yaml", ".yml")) else ref


Shard = tuple[PrefectFuture[MatchResult], str | None]
"""A submitted shard and, when it plays in this process, the key it is logged under."""


def _play(
    refs: list[str],
    names: list[str],
    master_seed: int,
    pairs: list[int],
    settings: TrainingSettings,
    results_dir: str,
) -> list[Shard]:
    """Submit the shards of one batch of pairs."""
    setup = training.setup_for(
        settings.size,
        settings.players,
        master_seed,
        settings.max_turns,
        settings.batch_size,
        settings.device,
    )
    hashes = [_ref_hash(r) for r in refs]
    shards = range(settings.shards)
    if settings.benchmark_deployments:  # remote workers log what they play
        pools = settings.benchmark_deployments
        return [
            (
                remote_benchmark.submit(
                    pools[k % len(pools)],
                    refs,
                    hashes,
                    names,
                    setup,
                    pairs,
                    k,
                    settings.shards,
                    results_dir,
                ),
                None,
            )
            for k in shards
        ]
    processes = settings.shards if settings.device == "cpu" else 1
    return [
        (
            benchmark.submit(
                refs, hashes, names, setup, pairs, k, settings.shards, processes, results_dir
            ),
            key_of(hashes, names, setup, pairs, k, settings.shards),
        )
        for k in shards
    ]


def _merge(shards: list[Shard], results_dir: str) -> MatchResult:
    """All shards of a batch (raises if one failed). A shard played here, not taken from the
    cache, gets its line in ``benchmark_runs.jsonl`` once its result is persisted, so a
    crash can never log a shard twice."""
    parts = []
    for future, key in shards:
        part = future.result()
        if key is not None and future.state.name != "Cached":
            training.record_run(results_dir, key, part.games, None)
        parts.append(part)
    return MatchResult.merge(parts)


@flow(name="measure-strength", task_runner=ThreadPoolTaskRunner(max_workers=64))
def measure_strength(
    config_path: str, settings: TrainingSettings, results_dir: str
) -> training.Strength:
    """A config's score against the reference opponents on fresh seeds (cached by content)."""
    refs = [config_path, *settings.opponents]
    names = [config_hash(load_config(config_path)), *settings.opponents]
    pairs = list(range(REMEASURE_BASE, REMEASURE_BASE + settings.remeasure_pairs))
    seed = training.strength_seed(settings.seed)
    return training.Strength.of(
        _merge(_play(refs, names, seed, pairs, settings, results_dir), results_dir)
    )


def _decide(
    candidates: list[str],
    incumbent: str,
    seed: int,
    settings: TrainingSettings,
    results_dir: str,
) -> list[Verdict]:
    """Every candidate against the incumbent, batch by batch, shards mapped in parallel."""
    logger = get_run_logger()
    names = [[Path(c).stem, "incumbent"] for c in candidates]
    if settings.games is not None:
        pairs = list(range(settings.games // 2))
        futures = [
            _play([c, incumbent], n, seed, pairs, settings, results_dir)
            for c, n in zip(candidates, names, strict=True)
        ]
        merged = [_merge(f, results_dir) for f in futures]
        return [
            fixed_match(lambda _p, r=r: r, settings.games, settings.min_improvement) for r in merged
        ]
    sprt = training.sprt_for(
        settings.sprt_elo0, settings.sprt_elo1, settings.alpha, settings.beta, len(candidates)
    )
    runs = [SprtRun(sprt, settings.batch_pairs, settings.max_pairs) for _ in candidates]
    progress = create_progress_artifact(progress=0.0, description="pairs played / pair cap")
    while any(r.running for r in runs):
        live = [k for k, r in enumerate(runs) if r.running]
        futures = {
            k: _play(
                [candidates[k], incumbent],
                names[k],
                seed,
                list(runs[k].next_pairs()),
                settings,
                results_dir,
            )
            for k in live
        }
        for k in live:
            runs[k].update(_merge(futures[k], results_dir))
            r = runs[k].result
            assert r is not None
            logger.info("%s: %s", names[k][0], r.summary_line(sprt))
        played = sum(r.batches[-1] for r in runs)
        update_progress_artifact(progress, 100.0 * played / (len(runs) * settings.max_pairs))
    update_progress_artifact(progress, 100.0)
    return [r.verdict() for r in runs]


def _report(
    iteration: int, proposals: list[dict[str, Any]], verdicts: list[Verdict], winner: int | None
) -> None:
    lines = [
        f"# Iteration {iteration}",
        "",
        "| candidate | changes | games | verdict | summary |",
        "|---|---|---|---|---|",
    ]
    for i, (p, v) in enumerate(zip(proposals, verdicts, strict=True)):
        changes = ", ".join(f"{k}: {old} → {new}" for k, old, new in p["changes"])
        mark = " (winner)" if i == winner else ""
        lines.append(
            f"| {i}{mark} | {changes} | {v.result.games} | {v.status} | "
            f"{v.result.summary_line(v.test())} |"
        )
    create_markdown_artifact(
        "\n".join(lines), key="iteration-report", description=f"iteration {iteration}"
    )


@flow(name="training-iteration", task_runner=ThreadPoolTaskRunner(max_workers=64))
def training_iteration(
    iteration: int,
    settings: TrainingSettings,
    target: GitTarget,
    results_dir: str,
    best_strength: training.Strength,
) -> training.Strength:
    """One iteration; returns the best config's strength after it."""
    logger = get_run_logger()
    t0 = time.perf_counter()
    config_path = Path(target.repo_path) / target.config_path
    best_yaml = config_path.read_text(encoding="utf-8")
    best = parse_yaml(best_yaml, source=str(config_path))
    log = TrainingLog(Path(results_dir) / LOG_NAME)
    history = log.entries()
    pending = str(Path(results_dir) / PENDING_NAME)
    retried = retry_pending(target.repo_path, str(config_path), pending, target.push, target.remote)
    if retried:
        logger.info("pending commit: %s", retried)
    seed = training.iteration_seed(settings.seed, iteration)

    advice = advise(
        best_yaml,
        [asdict(h) for h in history],
        settings.parallel_configs,
        seed,
        settings.stagnation_limit,
    )
    proposals = perturb(best_yaml, advice)
    paths = [f.result() for f in build.map([p["config"] for p in proposals], unmapped(results_dir))]
    incumbent = str(training.write_candidate(results_dir, best))
    verdicts = _decide(paths, incumbent, seed, settings, results_dir)
    winner = select(verdicts)
    _report(iteration, proposals, verdicts, winner)

    after = best_strength
    shown = (
        winner
        if winner is not None
        else max(
            range(len(verdicts)),
            key=lambda i: verdicts[i].llr if verdicts[i].llr is not None else -math.inf,
        )
    )
    if winner is not None:
        after = measure_strength(paths[winner], settings, results_dir)
        v = verdicts[winner]
        elo = v.result.total.elo()
        message = commit_message(
            iteration=iteration,
            win_rate=after.win_rate,
            prev_win_rate=best_strength.win_rate,
            total_games=sum(h.games for h in history) + sum(x.result.games for x in verdicts),
            total_improvements=sum(h.accepted for h in history) + 1,
            timestamp=utc_timestamp(),
            elo=elo.elo,
            elo_ci=[elo.low, elo.high],
            llr=v.llr if v.llr is not None else math.nan,
            changes=proposals[winner]["changes"],
        )
        outcome = commit(
            proposals[winner]["config"],
            message,
            target.repo_path,
            str(config_path),
            pending,
            target.push,
            target.remote,
        )
        logger.info("commit: %s", outcome["message"])
    proposal = training.proposal_from_dict(proposals[shown])
    entry = training.log_entry(
        iteration,
        utc_timestamp(),
        proposal,
        verdicts[shown],
        best_strength,
        after,
        time.perf_counter() - t0,
    )
    record(str(Path(results_dir) / LOG_NAME), asdict(entry), settings.stagnation_limit)
    return after


@flow(name="continuous-training")
def continuous_training(
    settings: TrainingSettings,
    target: GitTarget,
    results_dir: str = "nn_training_results",
    max_iterations: int | None = None,
) -> int:
    """Iterations back to back, never two at once, forever or until ``max_iterations`` have
    run in this call. Returns the number of iterations run."""
    logger = get_run_logger()
    config_path = str(Path(target.repo_path) / target.config_path)
    log = TrainingLog(Path(results_dir) / LOG_NAME)
    strength = measure_strength(config_path, settings, results_dir)
    logger.info(
        "incumbent %s: %.2f%% [%.2f, %.2f] against %s (%d games)",
        strength.config_hash[:12],
        100 * strength.win_rate,
        100 * strength.low,
        100 * strength.high,
        ", ".join(settings.opponents),
        strength.games,
    )
    done = 0
    while max_iterations is None or done < max_iterations:
        iteration = (log.last_iteration() or 0) + 1
        strength = training_iteration(iteration, settings, target, results_dir, strength)
        done += 1  # the record task warns (log + artifact) on stagnation
    return done


__all__ = ["continuous_training", "measure_strength", "training_iteration"]
