"""kill -9 during an SPSA batch, then the same command: exactly the θ of an uninterrupted run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from trainkit import git

from snaketrain.snake.space import default_config, dump_config
from snaketrain.trainlog import TrainingLog

DRIVER = """
import json, sys
if __name__ == "__main__":
    from blocks.training import TrainingSettings
    TrainingSettings(**json.loads(sys.argv[1])).save("tiny", overwrite=True)
    from snaketrain.cli import main
    sys.exit(main(sys.argv[2:]))
"""

TINY = {
    "advisor": "spsa",
    "tune_pairs": 24,
    "batch_pairs": 8,
    "max_pairs": 32,
    "remeasure_pairs": 4,
    "max_turns": 100,
    "batch_size": 64,
    "size": 7,
    "shards": 2,
    "opponents": ["random-safe"],
}
TUNE = "steps: 40\npairs_per_batch: 4\n"


def make_repo(path: Path) -> Path:
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    config = default_config().replace({"search.depth": 0, "hybrid.enabled": False})
    (path / "config.yaml").write_text(dump_config(config))
    git(path, "add", "config.yaml")
    git(path, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init")
    return path


def start(tmp: Path) -> subprocess.Popen[str]:
    (tmp / "driver.py").write_text(DRIVER)
    (tmp / "tune.yaml").write_text(TUNE)
    env = os.environ | {
        "PREFECT_HOME": str(tmp / "prefect-home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
    }
    args = ["train", "--settings-block", "tiny", "--repo", str(tmp / "repo")]
    args += ["--results", str(tmp / "results"), "--max-iterations", "1"]
    args += ["--tune", str(tmp / "tune.yaml")]
    return subprocess.Popen(
        [sys.executable, str(tmp / "driver.py"), json.dumps(TINY), *args],
        cwd=tmp,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def tuner(tmp: Path) -> dict:
    return json.loads((tmp / "results" / "tuner.json").read_text())["state"]


@pytest.mark.slow
def test_kill_9_mid_tuning_resumes_on_the_same_trajectory(tmp_path: Path) -> None:
    straight, broken = tmp_path / "straight", tmp_path / "broken"
    for t in (straight, broken):
        make_repo(t / "repo")
    run = start(straight)
    out, _ = run.communicate(timeout=600)
    assert run.returncode == 0, out

    proc = start(broken)
    state = broken / "results" / "tuner.json"
    deadline = time.monotonic() + 400
    while not (state.exists() and tuner(broken)["k"] >= 2):  # mid-run: after 2 of 6 batches
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
        assert time.monotonic() < deadline, "tuning never got going"
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert tuner(broken)["k"] < 6, "the kill came after tuning finished"

    again = start(broken)
    out, _ = again.communicate(timeout=600)
    assert again.returncode == 0, out
    a, b = tuner(straight), tuner(broken)
    assert a["k"] == b["k"] == 6
    assert a["theta"] == b["theta"] and a["history"] == b["history"]
    [ea] = TrainingLog(straight / "results" / "training_log.jsonl").entries()
    [eb] = TrainingLog(broken / "results" / "training_log.jsonl").entries()
    assert (ea.config_hash, ea.games, ea.advisor, ea.tuning_games) == (
        eb.config_hash,
        eb.games,
        "spsa",
        48,
    )
