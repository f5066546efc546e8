"""The retention flow on a real (test) API: old finished runs and their artifacts go."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_client
from prefect.artifacts import create_markdown_artifact

from flows.retention import retention
from tasks.retention import FLOWS


@flow(name="training-iteration")
def _finished_iteration() -> None:
    create_markdown_artifact("an old report", key="retention-test")


def test_retention_deletes_finished_runs_and_their_artifacts(
    prefect_api: None, tmp_path: Path
) -> None:
    _finished_iteration()
    with get_client(sync_client=True) as client:
        ours = {f.id for f in client.read_flows() if f.name in FLOWS}  # other tests' flows stay
        before = {
            r.id
            for r in client.read_flow_runs()
            if r.state_type == "COMPLETED" and r.flow_id in ours
        }
        assert before
        keep = retention(str(tmp_path), days=1)  # nothing is a day old yet
        assert keep["flow_runs"] == 0
        done = retention(str(tmp_path), days=0)
        assert done["flow_runs"] >= 1 and done["artifacts"] >= 1
        assert not before & {r.id for r in client.read_flow_runs()}
