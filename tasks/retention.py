"""Retention: finished flow runs of snaketrain's flows (their task runs go with them) and their
artifacts deleted from the server once older than N days; the results folder compacted."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

from prefect import get_client, task
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    FlowFilter,
    FlowFilterName,
    FlowRunFilter,
    FlowRunFilterEndTime,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import StateType

from snaketrain import retention

#: The flows whose old runs are deleted (a server may hold other projects' runs).
FLOWS = ("continuous-training", "training-iteration", "measure-strength", "benchmark", "retention")
FINISHED = [StateType.COMPLETED, StateType.FAILED, StateType.CANCELLED, StateType.CRASHED]
_BATCH = 200


@task(name="delete-old-runs", cache_policy=NO_CACHE, persist_result=False)
def delete_old_runs(days: float, now: datetime | None = None) -> dict[str, int]:
    """Delete the finished runs of ``FLOWS`` that ended more than ``days`` ago, and their
    artifacts; returns {"flow_runs": n, "artifacts": m}."""
    before = (now or datetime.now(UTC)) - timedelta(days=days)
    runs_filter = FlowRunFilter(
        state=FlowRunFilterState(type=FlowRunFilterStateType(any_=FINISHED)),
        end_time=FlowRunFilterEndTime(before_=before),
    )
    flows_filter = FlowFilter(name=FlowFilterName(any_=list(FLOWS)))
    runs = artifacts = 0
    with get_client(sync_client=True) as client:
        while True:
            batch = client.read_flow_runs(
                flow_filter=flows_filter, flow_run_filter=runs_filter, limit=_BATCH
            )
            if not batch:
                break
            ids = [r.id for r in batch]
            while True:
                found = client.read_artifacts(
                    artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=ids)),
                    limit=_BATCH,
                )
                if not found:
                    break
                for artifact in found:
                    client.delete_artifact(artifact.id)
                artifacts += len(found)
            for run_id in ids:
                client.delete_flow_run(run_id)
            runs += len(ids)
    return {"flow_runs": runs, "artifacts": artifacts}


@task(name="compact-results", cache_policy=NO_CACHE, persist_result=False)
def compact_results(results_dir: str, days: float) -> dict[str, Any]:
    """Old result and shard files deleted, old candidates archived (snaketrain.retention)."""
    return asdict(retention.compact(results_dir, days))
