"""Wall time of one training iteration, split by step, and Prefect's share of it.

    python benchmarks/training.py [--games 64] [any ContinuousTrainer field as --key value]

Copies config.yaml into a scratch git repo, runs the incumbent's strength measurement and one
iteration with the default settings (except ``--games``: a fixed number of games per candidate,
so the run has a known size; an SPRT iteration plays on average the number of games printed by
benchmarks/arena.py), then reads the task runs back from the Prefect API. "Prefect overhead"
is the part of the iteration's wall time during which no task body was running: scheduling,
state changes, result persistence and the flow's own bookkeeping.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import tempfile
import urllib.request
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def post(api: str, path: str, body: dict) -> list[dict]:
    request = urllib.request.Request(
        api + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as reply:
        return json.loads(reply.read())


def ts(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def union(intervals: list[tuple[float, float]]) -> float:
    total, end = 0.0, -1e300
    for a, b in sorted(intervals):
        if b <= end:
            continue
        total += b - max(a, end)
        end = b
    return total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--games", type=int, default=64, help="games per candidate (fixed-N)")
    ap.add_argument("--size", type=int, default=11)
    args = ap.parse_args()

    from snaketrain import ContinuousTrainer
    from snaketrain.runtime.api import local_api

    work = Path(tempfile.mkdtemp(prefix="snaketrain-bench-"))
    repo = work / "repo"
    repo.mkdir()
    shutil.copy(ROOT / "config.yaml", repo / "config.yaml")
    for cmd in (
        ["init", "-q"],
        ["add", "config.yaml"],
        ["-c", "user.name=bench", "-c", "user.email=b@b", "commit", "-qm", "init"],
    ):
        subprocess.run(["git", *cmd], cwd=repo, check=True)
    os.environ.setdefault("PREFECT_HOME", str(work / "prefect-home"))
    with local_api():
        from prefect.settings import PREFECT_API_URL

        api = str(PREFECT_API_URL.value())
        trainer = ContinuousTrainer(
            games_per_iteration=args.games,
            max_iterations=1,
            size=args.size,
            repo_path=str(repo),
            results_dir=str(work / "results"),
            extra={"advisor": "random"},
        )
        trainer.train()
        flows = post(api, "/flow_runs/filter", {})
        tasks = post(api, "/task_runs/filter", {})

    iteration_id = next(t["flow_run_id"] for t in tasks if t["name"].startswith("advise"))
    it = next(f for f in flows if f["id"] == iteration_id)
    wall = ts(it["end_time"]) - ts(it["start_time"])
    mine = [t for t in tasks if t["flow_run_id"] == it["id"] and t["start_time"] and t["end_time"]]
    # remeasure runs in a subflow of the iteration; count its tasks as "commit" work
    sub = [f["id"] for f in flows if f.get("parent_task_run_id") in {t["id"] for t in mine}]
    mine += [t for t in tasks if t["flow_run_id"] in sub and t["start_time"] and t["end_time"]]
    steps: dict[str, list[tuple[float, float]]] = {}
    for t in mine:
        step = t["name"].rsplit("-", 1)[0]
        steps.setdefault(step, []).append((ts(t["start_time"]), ts(t["end_time"])))
    busy = union([iv for ivs in steps.values() for iv in ivs])
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores; games per candidate "
        f"{args.games}, board {args.size}x{args.size}, default settings otherwise"
    )
    print(f"iteration wall time: {wall:.1f} s")
    for step, ivs in sorted(steps.items(), key=lambda kv: min(a for a, _ in kv[1])):
        print(f"  {step:<22} {union(ivs):7.1f} s  ({len(ivs)} task runs)")
    print(
        f"Prefect overhead (no task body running): {wall - busy:.1f} s = "
        f"{100 * (wall - busy) / wall:.1f}% of the iteration"
    )
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
