"""shard-file: a remote shard's result, left as JSON in the shared results folder; and
serve-shards: a benchmark deployment's flow run playing the shards of a queue."""

from __future__ import annotations

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from snaketrain import training
from snaketrain.arena.result import MatchResult
from snaketrain.configio import write_text_atomic
from snaketrain.training import ShardSpec
from snaketrain.training.shardqueue import ShardQueue, parent_alive, serve


@task(name="shard-file", cache_policy=NO_CACHE)
def write_shard_file(spec: ShardSpec, result: MatchResult, results_dir: str) -> str:
    path = spec.file(results_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, result.to_json())
    return str(path)


@task(name="serve-shards", cache_policy=NO_CACHE)
def serve_shards(results_dir: str, queue: str, idle_s: float) -> int:
    """Play the queue's shards as they come (each its result file and its line in
    ``benchmark_runs.jsonl``) until the trainer stops the queue, none came for ``idle_s``
    seconds, or the worker that started this flow run is gone. Returns the shards played."""
    logger = get_run_logger()

    def played(spec: ShardSpec, result: MatchResult) -> None:
        logger.info("shard %s: %d games (%s)", spec.key, result.games, spec.snakes[0].label)

    return serve(
        ShardQueue.of(results_dir, queue),
        lambda spec: training.play_shard(spec, 1),
        idle_s=idle_s,
        alive=parent_alive(),
        on_shard=played,
    )
