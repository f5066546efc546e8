"""record: the iteration's log line (once, even across crashes) and its Prefect artifacts."""

from __future__ import annotations

from typing import Any

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from snaketrain.trainlog import LogEntry, TrainingLog, stagnation_warning


@task(name="record", cache_policy=NO_CACHE)
def record(log_path: str, entry: dict[str, Any], stagnation_limit: int) -> bool:
    """Append the line unless this iteration already has one; publish the artifacts."""
    log = TrainingLog(log_path)
    written = log.append(LogEntry.from_dict(entry))
    create_table_artifact(
        [{k: v for k, v in entry.items() if k != "changes"} | {"changes": len(entry["changes"])}],
        key="training-log",
        description=f"iteration {entry['iteration']}",
    )
    warning = stagnation_warning(log.iterations_since_improvement(), stagnation_limit)
    if warning:
        get_run_logger().warning(warning)
        create_markdown_artifact(f"**Stagnation.** {warning}", key="stagnation")
    return written
