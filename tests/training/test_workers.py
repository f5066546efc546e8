"""One iteration on a real Prefect server whose benchmark shards run on two process workers
(work pools gpu-0 and gpu-1 and their deployments made by `snaketrain deploy --gpus 2`), all
on loopback."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from snaketrain.trainlog import TrainingLog

ROOT = Path(__file__).resolve().parents[2]
PREFECT = [sys.executable, "-m", "prefect"]

DRIVER = """
import json, sys
if __name__ == "__main__":
    from snaketrain import ContinuousTrainer
    ContinuousTrainer(**json.loads(sys.argv[1])).train()
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[dict[str, str]]:
    port = free_port()
    env = os.environ | {
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_UI_ENABLED": "false",
    }
    procs = [
        subprocess.Popen(
            [*PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    ]
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        subprocess.run(  # pools gpu-0, gpu-1 and their benchmark deployments
            [sys.executable, "-m", "snaketrain", "deploy", "--gpus", "2"],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            timeout=600,
        )
        for k in (0, 1):
            procs.append(
                subprocess.Popen(
                    [*PREFECT, "worker", "start", "--pool", f"gpu-{k}", "--limit", "1"],
                    env=env | {"CUDA_VISIBLE_DEVICES": ""},
                    cwd=ROOT,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                )
            )
        yield env
    finally:
        for p in procs:
            with_group = os.getpgid(p.pid) if p.poll() is None else None
            if with_group is not None:
                os.killpg(with_group, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)


@pytest.mark.slow
def test_iteration_shards_run_on_two_workers(
    server: dict[str, str], tmp_path: Path, repo: Path
) -> None:
    results = tmp_path / "results"
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER)
    args = {
        "max_iterations": 1,
        "opponents": ["random-safe"],
        "size": 7,
        "shards": 2,
        "repo_path": str(repo),
        "results_dir": str(results),
        "extra": {
            "advisor": "random",
            "batch_pairs": 4,
            "max_pairs": 8,
            "remeasure_pairs": 4,
            "max_turns": 120,
            "batch_size": 32,
            "benchmark_deployments": ["benchmark/gpu-0", "benchmark/gpu-1"],
        },
    }
    proc = subprocess.Popen(
        [sys.executable, str(driver), json.dumps(args)],
        env=server,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    out, _ = proc.communicate(timeout=900)
    assert proc.returncode == 0, out[-5000:]
    runs = [json.loads(x) for x in (results / "benchmark_runs.jsonl").read_text().splitlines()]
    assert runs and all(r["games"] > 0 for r in runs)
    assert proc.pid not in {r["pid"] for r in runs}  # played by the workers' flow runs
    assert len(list((results / "shards").glob("*.json"))) == len(runs)
    assert [e.iteration for e in TrainingLog(results / "training_log.jsonl").entries()] == [1]

    # Each pool's deployment ran shards to completion.
    api = server["PREFECT_API_URL"]
    deployments = post(api, "/deployments/filter", {})
    runs_by_deployment = {d["name"]: 0 for d in deployments}
    for run in post(api, "/flow_runs/filter", {}):
        if run["deployment_id"] and run["state_type"] == "COMPLETED":
            name = next(d["name"] for d in deployments if d["id"] == run["deployment_id"])
            runs_by_deployment[name] += 1
    assert runs_by_deployment["gpu-0"] >= 1 and runs_by_deployment["gpu-1"] >= 1
    assert runs_by_deployment["gpu-0"] + runs_by_deployment["gpu-1"] == len(runs)


def post(api: str, path: str, body: dict) -> list[dict]:
    request = urllib.request.Request(
        api + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as reply:
        return json.loads(reply.read())
