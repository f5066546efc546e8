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
from dataclasses import dataclass
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


@dataclass
class Stack:
    env: dict[str, str]
    workers: list[subprocess.Popen]


@pytest.fixture
def server(stack: Stack) -> dict[str, str]:
    return stack.env


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
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
        yield Stack(env, procs[1:])
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
    # One long-lived flow run per deployment played all of its shards (stopped at exit).
    assert runs_by_deployment["gpu-0"] + runs_by_deployment["gpu-1"] < len(runs)
    assert len({r["pid"] for r in runs}) == 2


@pytest.mark.slow
def test_a_worker_and_its_shard_server_stop_at_once_on_sigterm(
    stack: Stack, tmp_path: Path
) -> None:
    from taskkit import quick_config

    from snaketrain import training
    from snaketrain.arena.pairs import MatchSetup
    from snaketrain.training import SnakeRef
    from snaketrain.training.shardqueue import ShardQueue

    results = tmp_path / "results"
    queue = ShardQueue.of(results, "shutdown")
    candidate = training.build(results, quick_config())
    setup = MatchSetup(size=7, master_seed=1, max_turns=60, batch_size=8)
    [spec] = training.shard_specs((candidate, SnakeRef.builtin("random-safe")), setup, [0], 1)
    queue.put(spec)
    params = {"results_dir": str(results), "queue": queue.name, "idle_s": 3600}
    subprocess.run(
        [*PREFECT, "deployment", "run", "benchmark/gpu-0", "--params", json.dumps(params)],
        env=stack.env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    runs = results / "benchmark_runs.jsonl"  # written just after the result: wait for both
    while queue.result(spec) is None or not runs.exists():  # the server waits for the next one
        time.sleep(0.2)
    [line] = [json.loads(x) for x in runs.read_text().splitlines()]

    worker = stack.workers[0]
    os.killpg(worker.pid, signal.SIGTERM)
    worker.wait(timeout=120)  # an idle server would otherwise hold it for an hour
    for _ in range(600):
        if not Path(f"/proc/{line['pid']}").exists():
            break
        time.sleep(0.2)
    assert not Path(f"/proc/{line['pid']}").exists()  # the shard server is gone too


def post(api: str, path: str, body: dict) -> list[dict]:
    request = urllib.request.Request(
        api + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as reply:
        return json.loads(reply.read())
