"""The benchmark flow: one shard of game pairs, run as a deployment on a work pool.

Deployed once per device (`benchmark/gpu-0` ... `benchmark/gpu-7` in prefect.yaml, each on its
own work pool whose worker sees one GPU through CUDA_VISIBLE_DEVICES), so the shards of an
iteration run on as many devices at once. The result is written as JSON into the results folder
(shared by trainer and workers) and read back by the trainer's `remote-benchmark` task.
"""

from __future__ import annotations

from typing import Any

from prefect import flow

from snaketrain.training import ShardSpec
from tasks.benchmark import benchmark
from tasks.shard_file import write_shard_file
from tasks.storage import results_storage


@flow(name="benchmark")
def benchmark_shard(spec: dict[str, Any], results_dir: str) -> str:
    """Play the shard (cached by content like any benchmark task); returns the JSON path."""
    shard = ShardSpec.from_dict(spec)
    play = benchmark.with_options(result_storage=results_storage(results_dir))  # tasks.storage
    result = play(shard, 1, results_dir, record_here=True)
    return write_shard_file(shard, result, results_dir)
