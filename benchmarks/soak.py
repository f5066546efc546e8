"""Growth of the Prefect database and the results folder over many tiny iterations, without
and with the retention flow.

    python benchmarks/soak.py [--iterations 20] [--chunk 5] [--long]

Runs tiny fixed-N iterations (7x7, 2 games per candidate) against a real Prefect server
(uvicorn serving Prefect's API on loopback, SQLite under a scratch PREFECT_HOME), in chunks of
``--chunk`` iterations. The first half runs without retention; then the retention flow runs
(``days=0``: everything finished goes) and the second half runs with it after every chunk.
Prints, per chunk, the database size and row counts and the results folder's files and bytes,
and the growth per iteration of both halves. The default (20 iterations) takes ~5 minutes on
a busy 2-core machine; ``--long``: 600 iterations in chunks of 50.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sqlite3
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TABLES = ("events", "flow_run", "task_run", "artifact", "log")


def db_figures(home: Path) -> dict[str, int]:
    db = home / "prefect.db"
    size = sum(p.stat().st_size for p in home.glob("prefect.db*"))
    rows: dict[str, int] = {"db_bytes": size}
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as con:
        for table in TABLES:
            try:
                rows[table] = con.execute(f"select count(*) from {table}").fetchone()[0]
            except sqlite3.Error:
                rows[table] = -1
        pages = con.execute("pragma page_count").fetchone()[0]
        free = con.execute("pragma freelist_count").fetchone()[0]
        page = con.execute("pragma page_size").fetchone()[0]
    rows["db_used_bytes"] = (pages - free) * page
    return rows


def folder_figures(results: Path) -> dict[str, int]:
    files = [p for p in results.rglob("*") if p.is_file()]
    return {"files": len(files), "folder_bytes": sum(p.stat().st_size for p in files)}


def scratch_repo(work: Path) -> Path:
    repo = work / "repo"
    repo.mkdir()
    shutil.copy(ROOT / "config.yaml", repo / "config.yaml")
    for cmd in (
        ["init", "-q"],
        ["add", "config.yaml"],
        ["-c", "user.name=soak", "-c", "user.email=s@s", "commit", "-qm", "init"],
    ):
        subprocess.run(["git", *cmd], cwd=repo, check=True)
    return repo


def growth(a: dict[str, int], b: dict[str, int], n: int) -> str:
    keys = ("db_used_bytes", "events", "flow_run", "task_run", "artifact", "files", "folder_bytes")
    return ", ".join(f"{k} {(b[k] - a[k]) / n:+.1f}" for k in keys)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iterations", type=int, default=20, help="in all (half without retention)")
    ap.add_argument("--chunk", type=int, default=5, help="iterations per training call")
    ap.add_argument("--long", action="store_true", help="600 iterations")
    args = ap.parse_args()
    total, chunk = (600, 50) if args.long else (args.iterations, args.chunk)
    half = max(chunk, total // 2 // chunk * chunk)

    work = Path(tempfile.mkdtemp(prefix="snaketrain-soak-"))
    home = work / "prefect-home"
    os.environ["PREFECT_HOME"] = str(home)
    os.environ.pop("PREFECT_API_URL", None)
    repo, results = scratch_repo(work), work / "results"

    from flows.retention import retention
    from snaketrain import ContinuousTrainer
    from snaketrain.runtime.api import local_api

    def train(n: int) -> float:
        t0 = time.perf_counter()
        ContinuousTrainer(
            games_per_iteration=2,
            max_iterations=n,
            size=7,
            shards=1,
            opponents=["random-safe"],
            repo_path=str(repo),
            results_dir=str(results),
            extra={"advisor": "random", "remeasure_pairs": 1, "max_turns": 40, "batch_size": 8},
        ).train()
        return time.perf_counter() - t0

    def show(label: str, done: int) -> dict[str, int]:
        fig = db_figures(home) | folder_figures(results)
        print(f"{label:<22} it {done:4d}  " + "  ".join(f"{k} {v}" for k, v in fig.items()))
        return fig

    print(
        f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores; "
        f"{2 * half} tiny iterations (7x7, 2 games), chunks of {chunk}"
    )
    with local_api():
        done, seconds = 0, 0.0
        seconds += train(1)  # the server's tables and the incumbent's strength exist
        done += 1
        start = show("start", done)
        while done < 1 + half:
            seconds += train(chunk)
            done += chunk
            show("no retention", done)
        before = show("before retention", done)
        t0 = time.perf_counter()
        swept = retention(str(results), days=0)
        print(f"retention: {swept} in {time.perf_counter() - t0:.1f} s")
        after_sweep = show("after retention", done)
        while done < 1 + 2 * half:
            seconds += train(chunk)
            done += chunk
            retention(str(results), days=0)
            show("with retention", done)
        end = show("end", done)
    print(f"mean iteration: {seconds / (done):.2f} s (training calls included)")
    print(f"growth per iteration without retention: {growth(start, before, half)}")
    print(f"growth per iteration with retention:    {growth(after_sweep, end, half)}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
