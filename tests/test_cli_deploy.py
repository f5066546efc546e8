"""`snaketrain deploy` and prefect.yaml: a CPU-only deploy needs one pool; GPUs come by flag."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from snaketrain.cli import main
from snaketrain.cli.deploy import project_with_gpus

ROOT = Path(__file__).resolve().parents[1]


def project() -> dict:
    return yaml.safe_load((ROOT / "prefect.yaml").read_text())


def test_prefect_yaml_needs_only_the_training_pool_and_starts_nothing_by_itself() -> None:
    deployments = {d["name"]: d for d in project()["deployments"]}
    assert {d["work_pool"]["name"] for d in deployments.values()} == {"training"}
    training = deployments["continuous-training"]
    assert "schedules" not in training
    assert training["concurrency_limit"] == {"limit": 1, "collision_strategy": "ENQUEUE"}
    assert training["work_pool"]["job_variables"]["command"] == "prefect flow-run execute"
    env = training["work_pool"]["job_variables"]["env"]
    assert env["PREFECT_FLOW_RUN_EXECUTE_SIGTERM_BEHAVIOR"] == "reschedule"
    assert env["PREFECT_FLOWS_HEARTBEAT_FREQUENCY"] == "30"  # the zombie automation's input
    assert (
        deployments["retention"]["schedules"]
        and deployments["retention"]["parameters"]["days"] == 14
    )


def test_gpus_add_one_benchmark_deployment_per_pool_each_seeing_its_device() -> None:
    with_gpus = project_with_gpus(project(), 3)
    gpu = [d for d in with_gpus["deployments"] if d["name"].startswith("gpu-")]
    assert [d["work_pool"]["name"] for d in gpu] == ["gpu-0", "gpu-1", "gpu-2"]
    assert [d["work_pool"]["job_variables"]["env"]["CUDA_VISIBLE_DEVICES"] for d in gpu] == [
        "0",
        "1",
        "2",
    ]
    assert {d["entrypoint"] for d in gpu} == {"flows/benchmark.py:benchmark_shard"}
    assert project_with_gpus(with_gpus, 1)["deployments"][-1]["name"] == "gpu-0"  # no repeats


def test_deploy_without_a_server_says_what_to_set(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    assert main(["deploy"]) == 2
    assert "PREFECT_API_URL is not set" in capsys.readouterr().err
    assert main(["deploy", "--gpus", "-1"]) == 2


def test_deploy_refuses_a_crash_window_not_longer_than_the_heartbeat(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    assert main(["deploy", "--crash-after", "30"]) == 2
    assert "--crash-after must be 31..86400, got '30'" in capsys.readouterr().err
