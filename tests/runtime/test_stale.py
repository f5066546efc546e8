"""Runs a killed trainer left behind are marked Crashed by the next start, and only those."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_client, task
from prefect.states import AwaitingRetry, Completed, Pending, Running

from snaketrain.runtime.stale import crash_stale_runs


@flow
def trainer_flow(results_dir: str) -> None:
    pass


@task
def shard() -> None:
    pass


def test_left_runs_of_this_folder_and_all_their_unfinished_tasks_are_crashed(
    prefect_api: None, tmp_path: Path
) -> None:
    ours, other = tmp_path / "results", tmp_path / "other-results"
    with get_client(sync_client=True) as client:
        left = client.create_flow_run(
            trainer_flow, parameters={"results_dir": str(ours)}, state=Running()
        )
        done = client.create_flow_run(
            trainer_flow, parameters={"results_dir": str(ours)}, state=Completed()
        )
        alive = client.create_flow_run(
            trainer_flow, parameters={"results_dir": str(other)}, state=Running()
        )
        states = {"running": Running(), "pending": Pending(), "retry": AwaitingRetry()}
        tasks = {
            name: client.create_task_run(shard, left.id, name, state=state)
            for name, state in [*states.items(), ("finished", Completed())]
        }

        assert crash_stale_runs(ours) == 1
        assert client.read_flow_run(left.id).state_type.value == "CRASHED"
        assert client.read_flow_run(done.id).state_type.value == "COMPLETED"
        assert client.read_flow_run(alive.id).state_type.value == "RUNNING"  # another folder
        after = {name: client.read_task_run(t.id).state for name, t in tasks.items()}
        assert {n: s.type.value for n, s in after.items()} == {
            "running": "CRASHED",
            "pending": "CRASHED",
            "retry": "CRASHED",  # a task waiting for its retry never gets it
            "finished": "COMPLETED",
        }
        assert crash_stale_runs(ours) == 0  # nothing left to mark
