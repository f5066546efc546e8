"""Runs a killed trainer left behind: marked Crashed when the next trainer starts.

A trainer killed with SIGKILL cannot report its end, so its flow and task runs stay RUNNING
in the Prefect database forever (and a concurrency limit could be held by a ghost). The next
trainer on the same results folder holds that folder's lock, so no run of that folder can
still be alive: every RUNNING or PENDING flow run whose ``results_dir`` parameter names the
folder, and every unfinished task run of those (a task waiting for its retry, too: Scheduled
as AwaitingRetry), is set to Crashed.
"""

from __future__ import annotations

from pathlib import Path


def _ours(parameters: dict[str, object], results_dir: Path) -> bool:
    value = parameters.get("results_dir")
    return isinstance(value, str) and Path(value).resolve() == results_dir.resolve()


def crash_stale_runs(results_dir: Path, keep: frozenset[str] = frozenset()) -> int:
    """Mark the left-behind runs of ``results_dir`` Crashed (flow runs whose id is in ``keep``
    are left alone). Returns the number of flow runs marked."""
    from prefect import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterId,
        FlowRunFilterState,
        FlowRunFilterStateType,
        TaskRunFilter,
        TaskRunFilterState,
        TaskRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.states import Crashed

    unfinished = [StateType.RUNNING, StateType.PENDING]
    # a dead flow run's tasks never finish, whatever they were doing (AwaitingRetry: SCHEDULED)
    tasks_unfinished = [*unfinished, StateType.SCHEDULED, StateType.PAUSED, StateType.CANCELLING]
    message = "left RUNNING by a snaketrain that was killed; marked by the next start"
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=unfinished))
            )
        )
        stale = [r for r in runs if str(r.id) not in keep and _ours(r.parameters, results_dir)]
        if not stale:
            return 0
        tasks = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[r.id for r in stale])),
            task_run_filter=TaskRunFilter(
                state=TaskRunFilterState(type=TaskRunFilterStateType(any_=tasks_unfinished))
            ),
        )
        for task in tasks:
            client.set_task_run_state(task.id, Crashed(message=message), force=True)
        for run in stale:
            client.set_flow_run_state(run.id, Crashed(message=message), force=True)
    return len(stale)
