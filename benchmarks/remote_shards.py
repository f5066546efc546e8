"""Overhead of a remote benchmark batch: shards on two process workers of a real local
Prefect server, one long-lived flow run per deployment (today's path) against a fresh flow
run per shard (the old path); then how fast the workers stop on SIGTERM.

    python benchmarks/remote_shards.py [--batches 8] [--old-batches 2] [--pairs 64]

Starts `prefect server start` on a free loopback port (PREFECT_HOME in a scratch folder),
creates the work pools gpu-0 and gpu-1, deploys `benchmark/gpu-0` and `benchmark/gpu-1` from
prefect.yaml and starts one process worker per pool, all on this machine. A driver flow then
plays batches of ``--pairs`` game pairs (the default SPRT batch: 64 pairs, 2 shards of 64
games; 11x11 unless ``--size``; config.yaml against baseline) through the trainer's
`remote-benchmark` task.
Per batch: wall time in the trainer, and play time (the slower shard's seconds, as its server
logged them in benchmark_runs.jsonl); overhead = wall - play.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PREFECT = [sys.executable, "-m", "prefect"]
POOLS = ("gpu-0", "gpu-1")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_stack(work: Path) -> tuple[dict[str, str], list[subprocess.Popen]]:
    port = free_port()
    env = os.environ | {
        "PREFECT_HOME": str(work / "prefect-home"),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_UI_ENABLED": "false",
        "PYTHONPATH": str(ROOT),
    }
    server = subprocess.Popen(
        [*PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 180
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2):
                break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    for pool in POOLS:
        run([*PREFECT, "work-pool", "create", pool, "--type", "process"], env)
    names = [x for pool in POOLS for x in ("--name", pool)]
    run([*PREFECT, "--no-prompt", "deploy", *names], env)
    workers = [
        subprocess.Popen(
            [*PREFECT, "worker", "start", "--pool", pool, "--limit", "1"],
            env=env | {"CUDA_VISIBLE_DEVICES": ""},
            cwd=ROOT,
            stdout=open(work / f"worker-{pool}.log", "w"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for pool in POOLS
    ]
    return env, [server, *workers]


def run(cmd: list[str], env: dict[str, str]) -> None:
    subprocess.run(cmd, env=env, cwd=ROOT, check=True, capture_output=True, timeout=300)


def descendants(pid: int) -> set[int]:
    """Every process started by ``pid`` (at any depth), from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    found, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, pp in parents.items() if pp in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] == "Z")


DRIVER = r"""
import json, sys, time
from pathlib import Path
from prefect import flow
from blocks.training import TrainingSettings
from snaketrain import training
from snaketrain.training import SnakeRef
from snaketrain.snake.space import load_config
from tasks.benchmark import play_batch, remote_benchmark, match_setup

mode, results, batches, pairs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
settings = TrainingSettings(
    shards=2,
    benchmark_deployments=["benchmark/gpu-0", "benchmark/gpu-1"],
    opponents=["baseline"],
    size=int(sys.argv[5]),
)
me = training.build(results, load_config("config.yaml"))
snakes = (me, SnakeRef.builtin("baseline"))

def old_path(pairs_):
    from prefect.deployments import run_deployment
    specs = training.shard_specs(snakes, match_setup(settings, 7), list(pairs_), 2)
    futures = [one.submit(f"benchmark/gpu-{s.shard}", s) for s in specs]
    return [f.result() for f in futures]

from prefect import task
@task
def one(deployment, spec):
    from prefect.deployments import run_deployment
    run_deployment(deployment, parameters={"spec": spec.to_dict(), "results_dir": results},
                   timeout=None, as_subflow=True)

@flow
def drive():
    play = play_batch([(snakes, 7)], settings, results)
    walls = []
    base = 0 if mode == "queue" else 10_000
    for b in range(batches):
        pr = range(base + b * pairs, base + (b + 1) * pairs)
        t0 = time.perf_counter()
        if mode != "old":
            play([(0, pr)])
        else:
            old_path(pr)
        walls.append(time.perf_counter() - t0)
    return walls

print(json.dumps(drive()), flush=True)
if mode == "leave":  # exit without stopping the shard servers (as a killed trainer would)
    import os
    os._exit(0)
"""


def batch_plays(results: Path, skip: int) -> list[float]:
    """The slower shard's seconds of each batch (2 shards a batch), in logged order."""
    lines = [json.loads(x) for x in (results / "benchmark_runs.jsonl").read_text().splitlines()]
    secs = [x["seconds"] for x in lines[skip:]]
    return [max(secs[i : i + 2]) for i in range(0, len(secs), 2)]


def drive(
    env: dict[str, str], mode: str, results: Path, batches: int, pairs: int, size: int
) -> list[float]:
    out = subprocess.run(
        [sys.executable, "-c", DRIVER, mode, str(results), str(batches), str(pairs), str(size)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if out.returncode:
        raise SystemExit(out.stdout[-3000:] + out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def report(name: str, walls: list[float], plays: list[float]) -> None:
    over = [w - p for w, p in zip(walls, plays, strict=True)]
    print(f"{name}: {len(walls)} batches")
    for i, (w, p) in enumerate(zip(walls, plays, strict=True)):
        print(f"  batch {i}: wall {w:6.2f} s  play {p:6.2f} s  overhead {w - p:6.2f} s")
    if len(walls) > 1:
        steady = statistics.mean(over[1:])
        print(
            f"  after the first: overhead {steady:.2f} s per batch = "
            f"{100 * steady / statistics.mean(plays[1:]):.1f}% of play"
        )
    print(
        f"  all batches: overhead {statistics.mean(over):.2f} s per batch = "
        f"{100 * sum(over) / sum(plays):.1f}% of play (first batch {over[0]:.2f} s)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batches", type=int, default=8)
    ap.add_argument("--old-batches", type=int, default=2)
    ap.add_argument("--pairs", type=int, default=64, help="pairs per batch (SPRT default 64)")
    ap.add_argument("--size", type=int, default=11, help="board size (7, 11, 19)")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="snaketrain-remote-"))
    results = work / "results"
    print(f"scratch folder {work}; load {os.getloadavg()[0]:.1f}; {os.cpu_count()} cores")
    env, procs = start_stack(work)
    try:
        walls = drive(env, "queue", results, args.batches, args.pairs, args.size)
        report("one long-lived flow run per deployment", walls, batch_plays(results, 0))
        if args.old_batches:
            done = len((results / "benchmark_runs.jsonl").read_text().splitlines())
            walls = drive(env, "old", results, args.old_batches, args.pairs, args.size)
            report("a flow run per shard (old)", walls, batch_plays(results, done))
        # Shutdown with a shard server idle on each worker (left by a trainer that exited
        # without stopping its queues).
        drive(env, "leave", results, 1, 2, args.size)
        time.sleep(1.0)
        for p in procs[1:]:
            kids = descendants(p.pid)
            t0 = time.monotonic()
            os.killpg(p.pid, signal.SIGTERM)
            while alive(p.pid) or any(alive(k) for k in kids):
                if time.monotonic() - t0 > 60:
                    break
                time.sleep(0.05)
            print(f"worker {p.args[-3]}: SIGTERM -> all gone in {time.monotonic() - t0:.2f} s")
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
        for p in procs:
            p.wait(timeout=30)


if __name__ == "__main__":
    main()
