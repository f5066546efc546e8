"""The benchmark flow: shards of game pairs, run as a deployment on a work pool.

Deployed once per device (`benchmark/gpu-0` ... `benchmark/gpu-7` in prefect.yaml, each on its
own work pool whose worker sees one GPU through CUDA_VISIBLE_DEVICES), so the shards of an
iteration run on as many devices at once. Results are written as JSON into the results folder
(shared by trainer and workers) and read back by the trainer's `remote-benchmark` task.

The trainer starts one flow run per deployment with a ``queue`` (named ``shards-<queue>``) and
sends it every shard through that queue (``tasks.remote``); a run with a ``spec`` instead
plays that one shard (named ``shard-<key>``).
"""

from __future__ import annotations

from typing import Any

from prefect import flow
from prefect.runtime import flow_run

from snaketrain.training import ShardSpec
from tasks.benchmark import benchmark
from tasks.remote import IDLE_S
from tasks.shard_file import serve_shards, write_shard_file
from tasks.storage import results_storage


def _run_name() -> str:
    params = flow_run.parameters
    if params.get("queue"):
        return f"shards-{params['queue']}"
    return f"shard-{ShardSpec.from_dict(params['spec']).key.removeprefix('benchmark-')[:12]}"


@flow(name="benchmark", flow_run_name=_run_name)
def benchmark_shard(
    spec: dict[str, Any] | None = None,
    results_dir: str = "nn_training_results",
    queue: str | None = None,
    idle_s: float = IDLE_S,
) -> str | int:
    """Serve the shards of ``queue`` (returns how many it played), or play the one shard
    ``spec`` (cached by content like any benchmark task; returns its JSON path)."""
    if queue is not None:
        return serve_shards(results_dir, queue, idle_s)
    if spec is None:
        raise ValueError("the benchmark flow needs a shard (spec) or a queue to serve")
    shard = ShardSpec.from_dict(spec)
    play = benchmark.with_options(result_storage=results_storage(results_dir))  # tasks.storage
    result = play(shard, 1, results_dir, record_here=True)
    return write_shard_file(shard, result, results_dir)
