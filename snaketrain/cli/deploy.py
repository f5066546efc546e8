"""``snaketrain deploy``: the Prefect side of a server in one go, from the project root.

Registers the block types, creates the ``training`` work pool and deploys ``prefect.yaml``
(continuous-training, retention); with ``--gpus N`` also one process pool per GPU (``gpu-0``
... ``gpu-N-1``, concurrency limit 1: one shard at a time per device) and a ``benchmark/gpu-k``
deployment on each, whose runs see only their GPU (``CUDA_VISIBLE_DEVICES=k``); then the two
automations that mark a silent continuous-training run Crashed and run the deployment again on
its results folder (snaketrain/runtime/automations.py). Running it again changes nothing that
exists (the automations are updated in place). It drives the ``prefect`` command and that
module in subprocesses (this module imports no Prefect), so what it does is what the README's
manual commands do.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from snaketrain.cli.args import UsageError, int_in

PROJECT_FILE = "prefect.yaml"
TRAINING_POOL = "training"


def add_deploy_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--gpus",
        type=int_in(0, 64, "--gpus"),
        default=0,
        help="GPUs with a benchmark pool and deployment each (default 0: CPU only)",
    )
    p.add_argument(
        "--crash-after",
        type=int_in(31, 86400, "--crash-after"),
        default=90,
        help="seconds without a heartbeat before a training run is Crashed and rerun "
        "(heartbeats every 30 s; default 90)",
    )


def gpu_deployment(k: int) -> dict[str, Any]:
    return {
        "name": f"gpu-{k}",
        "entrypoint": "flows/benchmark.py:benchmark_shard",
        "description": f"One shard of benchmark game pairs on GPU {k}.",
        "work_pool": {
            "name": f"gpu-{k}",
            "job_variables": {"env": {"CUDA_VISIBLE_DEVICES": str(k)}},
        },
    }


def project_with_gpus(project: dict[str, Any], gpus: int) -> dict[str, Any]:
    """prefect.yaml's content with the benchmark deployments of ``gpus`` GPUs added."""
    deployments = [d for d in project.get("deployments", []) if d.get("name", "")[:4] != "gpu-"]
    return project | {"deployments": deployments + [gpu_deployment(k) for k in range(gpus)]}


def _prefect(*args: str) -> subprocess.CompletedProcess[str]:
    return _python("prefect", *args)


def _python(module: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", module, *args], capture_output=True, text=True, check=False
    )


def _check(done: subprocess.CompletedProcess[str], what: str) -> None:
    if done.returncode != 0:
        tail = (done.stdout + done.stderr).strip().splitlines()[-5:]
        raise RuntimeError(f"{what} failed (exit {done.returncode}): " + " | ".join(tail))


def _pool(name: str, limit: int | None) -> str:
    if _prefect("work-pool", "inspect", name).returncode == 0:
        state = "exists"
    else:
        _check(_prefect("work-pool", "create", name, "--type", "process"), f"creating {name}")
        state = "created"
    if limit is not None:
        _check(
            _prefect("work-pool", "set-concurrency-limit", name, str(limit)),
            f"setting the concurrency limit of {name}",
        )
    return state


def run_deploy(args: argparse.Namespace) -> int:
    import yaml

    if not os.environ.get("PREFECT_API_URL"):
        raise UsageError(
            "snaketrain deploy: error: PREFECT_API_URL is not set; point it at the server, "
            "e.g. export PREFECT_API_URL=http://127.0.0.1:4200/api"
        )
    project_file = Path(PROJECT_FILE)
    if not project_file.is_file():
        raise UsageError(
            f"snaketrain deploy: error: no {PROJECT_FILE} here; run it from the project root"
        )
    project = project_with_gpus(yaml.safe_load(project_file.read_text()), args.gpus)
    pools = [(TRAINING_POOL, None)] + [(f"gpu-{k}", 1) for k in range(args.gpus)]
    try:
        _check(_prefect("block", "register", "--module", "blocks"), "registering the blocks")
        for name, limit in pools:
            print(f"work pool {name}: {_pool(name, limit)}")
        with tempfile.TemporaryDirectory() as tmp:
            generated = Path(tmp) / PROJECT_FILE
            generated.write_text(yaml.safe_dump(project, sort_keys=False))
            _check(
                _prefect("--no-prompt", "deploy", "--all", "--prefect-file", str(generated)),
                "prefect deploy",
            )
        automations = _python(
            "snaketrain.runtime.automations", "--crash-after", str(args.crash_after)
        )
        _check(automations, "creating the automations")
        print(automations.stdout.strip())
    except RuntimeError as err:
        print(f"snaketrain deploy: {err}", file=sys.stderr)
        return 1
    names = ", ".join(d["name"] for d in project["deployments"])
    print(f"deployed: {names}")
    print("start one worker per pool:")
    print(f"  prefect worker start --pool {TRAINING_POOL} --limit 2 &")
    for name, _ in pools[1:]:
        print(f"  prefect worker start --pool {name} --limit 1 &")
    return 0
