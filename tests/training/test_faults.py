"""Faults a user meets: SIGTERM mid-benchmark, kill -9 mid-iteration, a second trainer on the
same repository, a read-only results folder, and what a successful run prints.

The trainer runs as a user runs it (the CLI in a subprocess, in its own session) with tiny
settings. Every process of a run carries a marker in its environment, so the ones a run
leaves behind are found wherever they were re-parented. benchmarks/faults.py does the same
at many more points of a run."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
from gatekit import Gated

MARKER = "SNAKETRAIN_TEST_RUN"
DRIVER = """
import json, signal, sys
if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal
    from dataclasses import replace
    from snaketrain.runtime.trainer import ContinuousTrainer

    tiny, settings = json.loads(sys.argv[1]), ContinuousTrainer.settings
    ContinuousTrainer.settings = lambda self: settings(replace(self, extra=tiny | self.extra))
    from snaketrain.cli import main
    sys.exit(main(sys.argv[2:]))
"""
TINY = {"batch_pairs": 4, "max_pairs": 8, "remeasure_pairs": 2, "max_turns": 120}
LONG_TINY = TINY | {"max_pairs": 64}


def long(gated: Gated) -> tuple[str, ...]:
    """For the runs stopped mid-iteration: SPRT(0, 5) cannot decide within 64 pairs (with
    LONG_TINY), so every candidate plays 16 batches, against the gated opponent (0.2 s a move
    until the gate opens): the third shard line comes long before the iteration ends (with
    TINY's 2 batches of a built-in opponent a fast machine finished the iteration before the
    signal)."""
    return ("--sprt", "0,5", "--opponents", gated.url)


FLAGS = ["--size", "7", "--shards", "2", "--opponents", "random-safe", "--sprt", "0,100"]


@dataclass
class Trainer:
    proc: subprocess.Popen[bytes]
    marker: str
    out: Path

    def output(self) -> str:
        return self.out.read_text(errors="replace")


def marked(prefix: str) -> list[psutil.Process]:
    """Live processes whose marker starts with ``prefix``."""
    found = []
    for p in psutil.process_iter():
        with contextlib.suppress(psutil.Error):
            if p.status() != psutil.STATUS_ZOMBIE and p.environ().get(MARKER, "").startswith(
                prefix
            ):
                found.append(p)
    return found


@pytest.fixture
def trainers(tmp_path: Path, repo: Path) -> Iterator[Callable[..., Trainer]]:
    """Starts ``snaketrain train`` (results folder ``results``, flags); kills what is left."""
    (tmp_path / "driver.py").write_text(DRIVER)
    prefix = f"{os.getpid()}-{tmp_path.name}-"
    started: list[Trainer] = []

    def start(*flags: str, results: str = "results", tiny: dict = TINY) -> Trainer:
        marker = f"{prefix}{len(started)}"
        env = os.environ | {
            "PREFECT_HOME": str(tmp_path / "prefect-home"),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DO_NOT_TRACK": "1",
            MARKER: marker,
        }
        out = tmp_path / f"trainer-{len(started)}.out"
        command = [sys.executable, str(tmp_path / "driver.py"), json.dumps(tiny), "train"]
        command += ["--repo", str(repo), "--results", str(tmp_path / results), *FLAGS, *flags]
        with open(out, "wb") as sink:
            proc = subprocess.Popen(
                command,
                cwd=tmp_path,
                env=env,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        started.append(Trainer(proc, marker, out))
        return started[-1]

    try:
        yield start
    finally:
        left = marked(prefix)
        for p in left:
            with contextlib.suppress(psutil.Error):
                p.kill()
        psutil.wait_procs(left, timeout=10)


def lines(path: Path) -> int:
    return len(path.read_text().splitlines()) if path.exists() else 0


def wait_for(predicate: Callable[[], bool], t: Trainer, timeout: float = 300) -> None:
    end = time.monotonic() + timeout
    while not predicate():
        if t.proc.poll() is not None:
            raise AssertionError(f"trainer exited early ({t.proc.returncode}):\n{t.output()}")
        if time.monotonic() > end:
            raise AssertionError("timed out waiting for the trainer")
        time.sleep(0.05)


def finished(t: Trainer, timeout: float = 600) -> str:
    t.proc.wait(timeout=timeout)
    out = t.output()
    assert t.proc.returncode == 0, out
    return out


def flow_runs(home: Path, results: Path) -> dict[str, str]:
    """State type of every flow run of ``results`` (read from the database file)."""
    with contextlib.closing(sqlite3.connect(home / "prefect.db")) as db:
        rows = db.execute("SELECT id, state_type, parameters FROM flow_run").fetchall()
    return {i: s for i, s, p in rows if json.loads(p or "{}").get("results_dir") == str(results)}


def unfinished_task_runs(home: Path, flow_run_ids: list[str]) -> int:
    marks = ",".join("?" * len(flow_run_ids))
    with contextlib.closing(sqlite3.connect(home / "prefect.db")) as db:
        query = (
            "SELECT COUNT(*) FROM task_run WHERE state_type IN "
            "('RUNNING', 'PENDING', 'SCHEDULED', 'PAUSED', 'CANCELLING') "
            f"AND flow_run_id IN ({marks})"
        )
        return db.execute(query, flow_run_ids).fetchone()[0]


@pytest.mark.slow
def test_sigterm_mid_benchmark_exits_0_at_once_and_leaves_no_process(
    tmp_path: Path, trainers: Callable[..., Trainer], gated: Gated
) -> None:
    t = trainers("--max-iterations", "1", *long(gated), tiny=LONG_TINY)
    wait_for(lambda: lines(tmp_path / "results" / "benchmark_runs.jsonl") >= 3, t)
    t0 = time.monotonic()
    os.kill(t.proc.pid, signal.SIGTERM)  # what `kill PID` and a supervisor send
    t.proc.wait(timeout=60)
    took = time.monotonic() - t0
    print(f"SIGTERM mid-benchmark: exit {t.proc.returncode} {took:.2f} s after the signal")
    out = t.output()
    assert t.proc.returncode == 0, out
    assert took < 15, f"{took:.1f} s from SIGTERM to exit"
    assert "run the same command to resume" in out and "Traceback" not in out, out
    assert lines(tmp_path / "results" / "training_log.jsonl") == 0, "not mid-iteration"
    time.sleep(2)
    assert not marked(t.marker), [p.cmdline() for p in marked(t.marker)]


@pytest.mark.slow
def test_kill_9_mid_iteration_leaves_runs_the_next_start_marks_crashed(
    tmp_path: Path, trainers: Callable[..., Trainer], gated: Gated
) -> None:
    home, results = tmp_path / "prefect-home", tmp_path / "results"
    t = trainers("--max-iterations", "1", *long(gated), tiny=LONG_TINY)
    wait_for(lambda: lines(results / "benchmark_runs.jsonl") >= 3, t)
    os.kill(t.proc.pid, signal.SIGKILL)  # the trainer only: its children go by themselves
    t.proc.wait()
    psutil.wait_procs(marked(t.marker), timeout=30)  # the local API too
    assert not marked(t.marker), [p.cmdline() for p in marked(t.marker)]
    left = sorted(i for i, s in flow_runs(home, results).items() if s == "RUNNING")
    assert left, "the kill left no RUNNING flow run: nothing was tested"

    gated.open()
    finished(trainers("--max-iterations", "1", *long(gated), tiny=LONG_TINY))
    states = flow_runs(home, results)
    assert [states[i] for i in left] == ["CRASHED"] * len(left)
    assert not {"RUNNING", "PENDING"} & set(states.values()), states
    assert unfinished_task_runs(home, list(states)) == 0


@pytest.mark.slow
def test_a_second_trainer_on_the_repo_exits_1_and_the_first_finishes_cleanly(
    tmp_path: Path, repo: Path, trainers: Callable[..., Trainer], gated: Gated
) -> None:
    # long: the first is still training when the second, starting up, tries the lock
    first = trainers("--max-iterations", "1", *long(gated), tiny=LONG_TINY)
    wait_for(lambda: (tmp_path / "results" / "run.json").exists(), first)  # holds the locks
    second = trainers("--max-iterations", "1", results="other-results")
    second.proc.wait(timeout=300)
    out = second.output()
    assert second.proc.returncode == 1, out
    assert f"another snaketrain is committing to {repo}" in out, out
    assert str(repo / ".git" / "snaketrain.lock") in out, out
    assert "Traceback" not in out, out

    gated.open()
    out = finished(first)  # a successful tiny run says nothing about its API going away
    assert "Error logging to API" not in out, out
    assert "Traceback" not in out, out


def writable(path: Path) -> bool:
    probe = path / ".probe"
    try:
        probe.write_text("")
    except OSError:
        return False
    probe.unlink()
    return True


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    """``path`` made read-only: by its mode, or (root ignores the mode) as immutable."""
    path.chmod(0o555)
    immutable = False
    try:
        if writable(path):  # root: chattr +i (ext4, xfs, btrfs) is refused to root as well
            done = subprocess.run(["chattr", "+i", str(path)], capture_output=True)
            immutable = done.returncode == 0
        if writable(path):
            pytest.skip("cannot make a folder read-only here (root, no chattr +i)")
        yield
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        path.chmod(0o755)


def test_read_only_results_folder_exits_2_with_one_line(tmp_path: Path, repo: Path) -> None:
    results = tmp_path / "results"
    results.mkdir()
    env = os.environ | {"PREFECT_HOME": str(tmp_path / "prefect-home")}
    command = [sys.executable, "-m", "snaketrain", "train", "--repo", str(repo)]
    command += ["--results", str(results), "--max-iterations", "1"]
    with read_only(results):
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    said = (done.stdout + done.stderr).strip().splitlines()
    assert done.returncode == 2, said
    assert len(said) == 1, said
    assert said[0].startswith("snaketrain train: error: cannot write to the results folder")
    assert str(results) in said[0] and "--results" in said[0]


CHILD = """
import signal, sys, time
def bye(*_):
    print("bye", flush=True)  # the parent starts the next one while this one is still alive
    time.sleep(0.2)
    sys.exit(0)
signal.signal(signal.SIGTERM, bye)
print("up", flush=True)
time.sleep(60)
"""
SCENARIO = """
import json, subprocess, sys, threading
from snaketrain.runtime.signals import kill_children

children = []

def child():
    p = subprocess.Popen([sys.executable, "-c", sys.argv[1]], stdout=subprocess.PIPE, text=True)
    children.append(p)
    return p.stdout.readline() == "up\\n"

def replace_each_once_it_stops():  # as a shard task does when its pool lost its workers
    while len(children) < 3 and children[-1].stdout.readline() == "bye\\n" and child():
        pass

child()
threading.Thread(target=replace_each_once_it_stops, daemon=True).start()
kill_children(grace_s=2.0)
alive = [p.pid for p in children if p.poll() is None]
print(json.dumps({"started": len(children), "alive": alive}))
for p in children:
    p.kill()
"""


def test_stopping_also_stops_children_started_while_it_stops() -> None:
    """A child started while the stop waits for the others is stopped too (in a process of
    its own: the stop ends every child of the process it runs in)."""
    done = subprocess.run(
        [sys.executable, "-c", SCENARIO, CHILD], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.splitlines()[-1])
    assert seen["started"] >= 2, "no child was started during the stop: nothing was tested"
    assert seen["alive"] == [], f"children alive after the stop: {seen}"
