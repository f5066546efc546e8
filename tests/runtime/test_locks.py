"""One trainer per results folder: the command fails at once, a deployed run waits."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from snaketrain.runtime.locks import TrainingBusy, exclusive, held, repo_lock, results_lock

HOLD = """
import sys
from pathlib import Path
from snaketrain.runtime.locks import exclusive
with exclusive(Path(sys.argv[1]), Path(sys.argv[2])):
    print("held", flush=True)
    sys.stdin.readline()
"""


@pytest.fixture
def other_trainer(tmp_path: Path, repo: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the results folder ``tmp_path/results`` and ``repo`` until
    a line is written to its stdin."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(tmp_path / "results"), str(repo)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "held\n"
        yield proc
    finally:
        proc.kill()
        proc.wait()


def release(proc: subprocess.Popen[str]) -> None:
    assert proc.stdin is not None
    proc.stdin.write("\n")
    proc.stdin.flush()
    proc.wait(timeout=60)


def test_the_command_fails_at_once_on_a_folder_another_process_holds(
    tmp_path: Path, repo: Path, other_trainer: subprocess.Popen[str]
) -> None:
    busy = pytest.raises(TrainingBusy, match="another snaketrain is training into")
    with busy, exclusive(tmp_path / "results", repo):
        pass
    busy = pytest.raises(TrainingBusy, match=f"another snaketrain is committing to {repo}")
    with busy, repo_lock(repo, tmp_path / "other"):
        pass


@pytest.mark.parametrize("lock", ["results", "repo"])
def test_a_waiting_run_starts_only_once_the_other_has_stopped(
    tmp_path: Path, repo: Path, other_trainer: subprocess.Popen[str], lock: str
) -> None:
    results = tmp_path / "results"
    told: list[str] = []
    waiting, entered = threading.Event(), threading.Event()

    def wait(message: str) -> None:
        told.append(message)
        waiting.set()

    def second_run() -> None:
        hold = results_lock(results, wait) if lock == "results" else repo_lock(repo, results, wait)
        with hold:
            entered.set()

    thread = threading.Thread(target=second_run)
    thread.start()
    assert waiting.wait(60)
    assert not entered.is_set()  # told to wait, and waiting: not in while the other holds it
    release(other_trainer)
    thread.join(60)
    assert entered.is_set()
    assert len(told) == 1 and told[0].startswith("another snaketrain is")
    assert "waiting until it stops" in told[0]


def test_held_tells_the_flow_that_the_command_holds_the_folder(tmp_path: Path) -> None:
    assert not held(tmp_path)
    with exclusive(tmp_path):
        assert held(tmp_path) and held(str(tmp_path / "."))
    assert not held(tmp_path)
