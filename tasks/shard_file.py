"""shard-file: a remote shard's result, left as JSON in the shared results folder."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from snaketrain.arena.result import MatchResult
from snaketrain.configio import write_text_atomic
from snaketrain.training import ShardSpec


@task(name="shard-file", cache_policy=NO_CACHE)
def write_shard_file(spec: ShardSpec, result: MatchResult, results_dir: str) -> str:
    path = spec.file(results_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, result.to_json())
    return str(path)
