"""benchmark: one shard of a batch of game pairs, candidate against its opponents."""

from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from prefect import task
from prefect.tasks import exponential_backoff

from snaketrain import training
from snaketrain.arena.match import MatchSetup
from snaketrain.arena.result import MatchResult


def key_of(
    ref_hashes: list[str],
    names: list[str],
    setup: MatchSetup,
    pairs: list[int],
    shard: int,
    shards: int,
) -> str:
    """What identifies a shard's games: the snakes by content, the match setup, the pairs."""
    parts = (
        ref_hashes,
        names,
        setup.players,
        setup.size,
        setup.master_seed,
        setup.max_turns,
        setup.settings,
        list(pairs),
        shard,
        shards,
    )
    return "benchmark-" + training.digest(*parts)


def shard_key(p: dict[str, Any]) -> str:
    """``key_of`` from a task's parameters (Prefect's cache_key_fn)."""
    return key_of(p["ref_hashes"], p["names"], p["setup"], p["pairs"], p["shard"], p["shards"])


@task(
    name="benchmark",
    persist_result=True,
    cache_key_fn=lambda _c, p: shard_key(p),
    retries=2,
    retry_delay_seconds=exponential_backoff(backoff_factor=2),
)
def benchmark(
    refs: list[str],
    ref_hashes: list[str],
    names: list[str],
    setup: MatchSetup,
    pairs: list[int],
    shard: int,
    shards: int,
    processes: int,
    results_dir: str,
    record_here: bool = False,
) -> MatchResult:
    """``ref_hashes`` identify the snakes by content (config hash or built-in name), so the
    cache survives renamed files; ``refs`` say where to load them from. The trainer's flow
    logs each shard it saw played (not cached) in ``benchmark_runs.jsonl``; a remote worker,
    the only one that knows, logs it here (``record_here``)."""
    t0 = time.perf_counter()
    result = training.play_shard(refs, names, setup, pairs, shard, shards, processes)
    if record_here:
        training.record_run(
            results_dir,
            key_of(ref_hashes, names, setup, pairs, shard, shards),
            result.games,
            time.perf_counter() - t0,
        )
    return result


def shard_file(
    results_dir: str,
    ref_hashes: list[str],
    names: list[str],
    setup: MatchSetup,
    pairs: list[int],
    shard: int,
    shards: int,
) -> Path:
    """Where a remote shard leaves its result: ``<results>/shards/<key>.json``."""
    key = key_of(ref_hashes, names, setup, pairs, shard, shards)
    return Path(results_dir) / "shards" / f"{key}.json"


@task(
    name="remote-benchmark",
    persist_result=True,
    cache_key_fn=lambda _c, p: "remote-" + shard_key(p),
    retries=2,
    retry_delay_seconds=exponential_backoff(backoff_factor=2),
)
def remote_benchmark(
    deployment: str,
    refs: list[str],
    ref_hashes: list[str],
    names: list[str],
    setup: MatchSetup,
    pairs: list[int],
    shard: int,
    shards: int,
    results_dir: str,
) -> MatchResult:
    """Run one shard as a flow run of the benchmark deployment ``deployment`` (a work pool's
    worker plays it) and read its result."""
    from prefect.deployments import run_deployment

    run = run_deployment(
        deployment,
        parameters={
            "refs": refs,
            "ref_hashes": ref_hashes,
            "names": names,
            "setup": asdict(setup),
            "pairs": pairs,
            "shard": shard,
            "shards": shards,
            "results_dir": results_dir,
        },
        timeout=None,
        as_subflow=True,
    )
    if run.state is None or not run.state.is_completed():
        raise RuntimeError(f"benchmark shard {shard} on {deployment} ended {run.state}")
    path = shard_file(results_dir, ref_hashes, names, setup, pairs, shard, shards)
    return MatchResult.from_json(path.read_text(encoding="utf-8"))
