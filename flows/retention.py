"""The retention flow: keeps the Prefect database and the results folder from growing without
bound (deployed with a daily schedule in prefect.yaml)."""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger

from tasks.retention import compact_results, delete_old_runs


@flow(name="retention")
def retention(results_dir: str = "nn_training_results", days: float = 14) -> dict[str, Any]:
    """Delete snaketrain's finished flow runs (with their task runs and artifacts) that ended
    more than ``days`` ago, delete Prefect result and shard files older than that under
    ``results_dir`` and compact its old candidate files into a zip. Returns the counts."""
    runs = delete_old_runs(days)
    files = compact_results(results_dir, days)
    get_run_logger().info(
        "retention (%s days): %d flow runs and %d artifacts deleted; %d files (%d bytes) "
        "deleted and %d candidates archived in %s",
        days,
        runs["flow_runs"],
        runs["artifacts"],
        files["deleted_files"],
        files["deleted_bytes"],
        files["archived_candidates"],
        results_dir,
    )
    return runs | files


__all__ = ["retention"]
