"""The benchmark flow: one shard of game pairs, run as a deployment on a work pool.

Deployed once per device (`benchmark/gpu-0` ... `benchmark/gpu-7` in prefect.yaml, each on its
own work pool whose worker sees one GPU through CUDA_VISIBLE_DEVICES), so the shards of an
iteration run on as many devices at once. The result is written as JSON into the results folder
(shared by trainer and workers) and read back by the trainer's `remote-benchmark` task.
"""

from __future__ import annotations

from prefect import flow

from snaketrain.arena.match import MatchSetup
from tasks.benchmark import benchmark, shard_file


@flow(name="benchmark")
def benchmark_shard(
    refs: list[str],
    ref_hashes: list[str],
    names: list[str],
    setup: MatchSetup,
    pairs: list[int],
    shard: int,
    shards: int,
    results_dir: str,
) -> str:
    """Play the shard (cached by content like any benchmark task); returns the JSON path."""
    result = benchmark(
        refs, ref_hashes, names, setup, pairs, shard, shards, 1, results_dir, record_here=True
    )
    path = shard_file(results_dir, ref_hashes, names, setup, pairs, shard, shards)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(result.to_json(), encoding="utf-8")
    tmp.replace(path)
    return str(path)
