"""Crashes and interrupts of `snaketrain train`, run as a user runs it (a subprocess)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from gatekit import Gated

from snaketrain.snake.space import default_config, load_config
from snaketrain.trainlog import TrainingLog

# A terminal's Python has the default SIGINT handler; a child of a non-interactive shell may
# have SIGINT ignored, so the driver restores it as a terminal would have it.
DRIVER = """
import json, signal, sys
if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.default_int_handler)
    from blocks.training import TrainingSettings
    TrainingSettings(**json.loads(sys.argv[1])).save("tiny", overwrite=True)
    from snaketrain.cli import main
    sys.exit(main(sys.argv[2:]))
"""

TINY = {
    "advisor": "random",
    "batch_pairs": 4,
    "max_pairs": 16,
    "remeasure_pairs": 4,
    "max_turns": 120,
    "batch_size": 32,
    "size": 7,
    "shards": 2,
    "opponents": ["random-safe"],
}


def long(gated: Gated) -> dict[str, object]:
    """SPRT(0,5) up to 64 pairs against the gated opponent: an iteration of many slow benchmark
    batches, so a kill after the first few lands mid-benchmark even on a fast, idle machine (16
    pairs of a built-in opponent finished in a fraction of a second there, before the kill).
    Open the gate after the kill."""
    return TINY | {"sprt_elo0": 0.0, "sprt_elo1": 5.0, "max_pairs": 64, "opponents": [gated.url]}


def start(
    tmp: Path, repo: Path, *flags: str, settings: dict[str, object] = TINY
) -> subprocess.Popen[str]:
    driver = tmp / "driver.py"
    driver.write_text(DRIVER)
    env = os.environ | {
        "PREFECT_HOME": str(tmp / "prefect-home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
    }
    return subprocess.Popen(
        [
            sys.executable,
            str(driver),
            json.dumps(settings),
            "train",
            "--settings-block",
            "tiny",
            "--repo",
            str(repo),
            "--results",
            str(tmp / "results"),
            *flags,
        ],
        cwd=tmp,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def wait_for(predicate, proc: subprocess.Popen[str], timeout: float = 240) -> None:
    end = time.monotonic() + timeout
    while not predicate():
        if proc.poll() is not None:
            raise AssertionError(f"trainer exited early ({proc.returncode}):\n{proc.stdout.read()}")
        if time.monotonic() > end:
            os.killpg(proc.pid, signal.SIGKILL)
            raise AssertionError("timed out waiting for the trainer")
        time.sleep(0.2)


@pytest.mark.slow
def test_kill_9_mid_benchmark_replays_no_finished_shard(
    tmp_path: Path, repo: Path, gated: Gated
) -> None:
    runs = tmp_path / "results" / "benchmark_runs.jsonl"
    log = tmp_path / "results" / "training_log.jsonl"
    proc = start(tmp_path, repo, "--max-iterations", "1", settings=long(gated))
    wait_for(lambda: len(lines(runs)) >= 5, proc)  # strength shards + some SPRT batches
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    gated.open()
    assert not lines(log), "the kill came after the iteration finished; nothing was tested"
    played_before = len(lines(runs))

    again = start(tmp_path, repo, "--max-iterations", "1", settings=long(gated))
    out, _ = again.communicate(timeout=600)
    assert again.returncode == 0, out
    keys = Counter(json.loads(x)["key"] for x in lines(runs))
    assert max(keys.values()) == 1, f"shards played twice: {keys.most_common(3)}"
    assert len(lines(runs)) > played_before
    entries = TrainingLog(log).entries()
    assert [e.iteration for e in entries] == [1]


@pytest.mark.slow
def test_sigint_exits_0_consistent_and_resumes(tmp_path: Path, repo: Path) -> None:
    log = tmp_path / "results" / "training_log.jsonl"
    proc = start(tmp_path, repo)  # forever
    wait_for(lambda: len(lines(log)) >= 1, proc)
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl+C in a terminal does
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0, out
    assert "run the same command to resume" in out
    entries = TrainingLog(log).entries()
    assert [e.iteration for e in entries] == list(range(1, len(entries) + 1))
    load_config(repo / "config.yaml")  # whole and valid
    assert not list((repo).glob("*.tmp*"))

    again = start(tmp_path, repo, "--max-iterations", "1")
    out, _ = again.communicate(timeout=600)
    assert again.returncode == 0, out
    after = TrainingLog(log).entries()
    assert [e.iteration for e in after] == list(range(1, len(entries) + 2))


def test_bad_config_fails_before_any_game(tmp_path: Path, repo: Path) -> None:
    (repo / "config.yaml").write_text("weights:\n  space: lots\n")
    proc = start(tmp_path, repo, "--max-iterations", "1")
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 2, out
    assert "weights.space" in out and "expected a float" in out
    assert not (tmp_path / "results" / "benchmark_runs.jsonl").exists()


def test_bad_flags_fail_before_any_game(tmp_path: Path, repo: Path) -> None:
    for flags, needle in [
        (["--sprt", "10,0"], "ELO0 < ELO1"),
        (["--opponents", "nobody"], "unknown snake 'nobody'"),
        (["--games", "7"], "games must be even"),
    ]:
        proc = start(tmp_path, repo, *flags)
        out, _ = proc.communicate(timeout=300)
        assert proc.returncode == 2, out
        assert needle in out
    assert not (tmp_path / "results" / "benchmark_runs.jsonl").exists()
    assert load_config(repo / "config.yaml") == default_config()
