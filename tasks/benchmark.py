"""benchmark: shards of game pairs as tasks, and the deciding/measuring drivers over them.

``benchmark`` plays one shard here (or in this process's worker pool); ``remote_benchmark``
sends it to a benchmark deployment's long-lived flow run on a work pool (``tasks.remote``).
``play_batch`` submits every shard of a batch at once and merges them; ``decide`` and
``measure`` hand it to the library's one SPRT loop, fixed-N test and re-measurement
(``snaketrain.arena.decide``), so the flow calls steps, never statistics.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from prefect import get_run_logger, task
from prefect.artifacts import create_progress_artifact, update_progress_artifact
from prefect.futures import PrefectFuture
from prefect.tasks import exponential_backoff

from snaketrain import training
from snaketrain.arena.decide import SprtRun, fixed_match, remeasure, run_sprts
from snaketrain.arena.pairs import MatchSetup
from snaketrain.arena.result import MatchResult, Verdict
from snaketrain.arena.shutdown import exiting
from snaketrain.rules.types import Settings
from snaketrain.training import ShardSpec, SnakeRef


def _key(_ctx: Any, p: dict[str, Any]) -> str:
    return p["spec"].key


# Seconds each shard played here took, by shard key, until ``_merge`` logs the shard (the
# task returns only its result, which is what is persisted and cached).
_took: dict[str, float] = {}


def _unless_exiting(*_args: Any) -> bool:
    """Retry a failed shard, except in a process that is exiting (its flow run was stopped):
    its task threads must end, not play the shard again."""
    return not exiting()


@task(
    name="benchmark",
    persist_result=True,
    cache_key_fn=_key,
    retries=2,
    retry_delay_seconds=exponential_backoff(backoff_factor=2),
    retry_condition_fn=_unless_exiting,
)
def benchmark(
    spec: ShardSpec, processes: int, results_dir: str, record_here: bool = False
) -> MatchResult:
    """The trainer's flow logs each shard it saw played (not cached) in
    ``benchmark_runs.jsonl``; a remote worker, the only one that knows, logs it here."""
    t0 = time.perf_counter()
    if spec.external:  # refereed over HTTP, its snakes started for the shard
        from snaketrain.external.training import play_shard

        result = play_shard(spec, results_dir)
    else:
        result = training.play_shard(spec, processes)
    seconds = time.perf_counter() - t0
    if record_here:
        training.record_run(results_dir, spec.key, result.games, seconds)
    else:
        _took[spec.key] = seconds
    return result


@task(
    name="remote-benchmark",
    persist_result=True,
    cache_key_fn=lambda _c, p: "remote-" + p["spec"].key,
    retries=2,
    retry_delay_seconds=exponential_backoff(backoff_factor=2),
    retry_condition_fn=_unless_exiting,
)
def remote_benchmark(deployment: str, spec: ShardSpec, results_dir: str) -> MatchResult:
    """Play one shard on the benchmark deployment ``deployment``: sent to the one long-lived
    flow run that serves this trainer's shards there (``tasks.remote``), its result read
    back from the shared results folder."""
    from tasks.remote import servers

    return servers.play(deployment, spec, results_dir)


def match_setup(settings: Any, master_seed: int) -> MatchSetup:
    """The games of a training run (TrainingSettings) with this master seed."""
    return MatchSetup(
        players=settings.players,
        size=settings.size,
        master_seed=master_seed,
        max_turns=settings.max_turns,
        settings=Settings(),
        batch_size=settings.batch_size,
        device=settings.device,
    )


Submitted = tuple[PrefectFuture[MatchResult], ShardSpec | None]
"""A submitted shard and, when it plays in this process, its spec (to log it once played)."""


def _submit(
    snakes: Sequence[SnakeRef], master_seed: int, pairs: Sequence[int], settings: Any, results: str
) -> list[Submitted]:
    specs = training.shard_specs(snakes, match_setup(settings, master_seed), pairs, settings.shards)
    pools = settings.benchmark_deployments
    if pools:  # remote workers log what they play
        return [
            (remote_benchmark.submit(pools[s.shard % len(pools)], s, results), None) for s in specs
        ]
    processes = settings.shards if settings.device == "cpu" else 1
    return [(benchmark.submit(s, processes, results), s) for s in specs]


def _merge(shards: list[Submitted], results_dir: str) -> MatchResult:
    """All shards of a batch (raises if one failed). A shard played here, not taken from the
    cache, gets its line in ``benchmark_runs.jsonl`` once its result is persisted, so a crash
    can never log a shard twice."""
    parts = []
    for future, spec in shards:
        part = future.result()
        if spec is not None and future.state.name != "Cached":
            training.record_run(results_dir, spec.key, part.games, _took.pop(spec.key, None))
        parts.append(part)
    return MatchResult.merge(parts)


Lane = tuple[Sequence[SnakeRef], int]
"""One match being decided: its snakes (candidate first) and its master seed."""


def play_batch(
    lanes: Sequence[Lane], settings: Any, results_dir: str
) -> Callable[[list[tuple[int, range]]], list[MatchResult]]:
    """The library's ``play_batch`` for these lanes: every shard of every live lane submitted
    at once (in parallel), then merged per lane."""

    def play(batch: list[tuple[int, range]]) -> list[MatchResult]:
        submitted = [
            _submit(lanes[k][0], lanes[k][1], list(pairs), settings, results_dir)
            for k, pairs in batch
        ]
        return [_merge(s, results_dir) for s in submitted]

    return play


def decide(
    candidates: Sequence[SnakeRef], incumbent: SnakeRef, seed: int, settings: Any, results: str
) -> list[Verdict]:
    """Every candidate against the incumbent on the same seeds: SPRTs in lockstep (their
    batches played together), or the fixed-N test when ``settings.games`` is set."""
    logger = get_run_logger()
    lanes = [((c, incumbent), seed) for c in candidates]
    play = play_batch(lanes, settings, results)
    if settings.games is not None:
        pairs = range(settings.games // 2)
        merged = play([(k, pairs) for k in range(len(lanes))])
        return [
            fixed_match(lambda _p, r=r: r, settings.games, settings.min_improvement) for r in merged
        ]
    sprt = training.sprt_for(
        settings.sprt_elo0, settings.sprt_elo1, settings.alpha, settings.beta, len(candidates)
    )
    runs = [SprtRun(sprt, settings.batch_pairs, settings.max_pairs) for _ in candidates]
    progress = create_progress_artifact(
        progress=0.0, key="sprt-progress", description="pairs played / pair cap"
    )
    cap = len(runs) * settings.max_pairs

    def on_batch(k: int, run: SprtRun) -> None:
        assert run.result is not None
        logger.info("%s: %s", candidates[k].label, run.result.summary_line(sprt))
        played = sum(r.batches[-1] if r.batches else 0 for r in runs)
        update_progress_artifact(progress, 100.0 * played / cap)

    verdicts = run_sprts(runs, play, on_batch)
    update_progress_artifact(progress, 100.0)
    return verdicts


def measure(
    snake: SnakeRef, opponents: Sequence[SnakeRef], settings: Any, results: str
) -> training.Strength:
    """A config's strength against the reference opponents on fresh seeds (labelled by its
    full hash, which the Strength carries)."""
    seed = training.strength_seed(settings.seed)
    me = replace(snake, label=snake.ident)
    play = play_batch([((me, *opponents), seed)], settings, results)
    result = remeasure(lambda pairs: play([(0, pairs)])[0], settings.remeasure_pairs)
    return training.Strength.of(result)
