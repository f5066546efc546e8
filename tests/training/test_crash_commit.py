"""A kill between the commit and the log line loses nothing and commits nothing twice.

The driver plays a fixed better candidate (the default config against a weak incumbent);
with CRASH_AFTER_COMMIT set it holds still right after the commit, so the kill lands exactly
in the window the fault-injection runs found (3 of 3 trials lost the improvement there)."""

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

from snaketrain.snake.space import PARAMS, config_hash, default_config, dump_config, load_config
from snaketrain.trainlog import TrainingLog

DRIVER = """
import json, os, sys, time
if __name__ == "__main__":
    from blocks.training import TrainingSettings
    from snaketrain import gitops, training
    from snaketrain.snake.space import default_config
    from snaketrain.tuning.advisor import Proposal

    TrainingSettings(**json.loads(sys.argv[1])).save("tiny", overwrite=True)

    def propose(begin, k, _limit):
        return [Proposal.between(begin.best, default_config(), "fixed", "test")] * k

    training.propose = propose
    if os.environ.get("CRASH_AFTER_COMMIT"):
        publish = gitops.publish_config

        def publish_then_hang(*a, **kw):
            out = publish(*a, **kw)
            print("COMMITTED", flush=True)
            time.sleep(600)
            return out

        gitops.publish_config = publish_then_hang
    from snaketrain.cli import main
    sys.exit(main(sys.argv[2:]))
"""

TINY = {
    "advisor": "random",
    "sprt_elo0": 0.0,
    "sprt_elo1": 100.0,
    "batch_pairs": 8,
    "max_pairs": 64,
    "remeasure_pairs": 4,
    "max_turns": 150,
    "batch_size": 64,
    "size": 7,
    "shards": 1,
    "opponents": ["random-safe"],
}


def weak() -> str:
    low = {
        k: p.low
        for k, p in PARAMS.items()
        if p.kind == "float" and k.startswith(("weights.", "traps.", "pursuit.", "trapping."))
    }
    return dump_config(default_config().replace({**low, "search.depth": 0}))


def run(tmp: Path, repo: Path, crash: bool) -> subprocess.Popen[str]:
    driver = tmp / "driver.py"
    driver.write_text(DRIVER)
    env = os.environ | {
        "PREFECT_HOME": str(tmp / "prefect-home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
    }
    env.pop("CRASH_AFTER_COMMIT", None)
    if crash:
        env["CRASH_AFTER_COMMIT"] = "1"
    args = ["train", "--settings-block", "tiny", "--repo", str(repo)]
    args += ["--results", str(tmp / "results"), "--max-iterations", "1"]
    return subprocess.Popen(
        [sys.executable, str(driver), json.dumps(TINY), *args],
        cwd=tmp,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


@pytest.mark.slow
def test_kill_after_commit_before_log_keeps_the_improvement_once(
    tmp_path: Path, repo: Path
) -> None:
    (repo / "config.yaml").write_text(weak())
    git(repo, "commit", "-qam", "a weak incumbent")
    commits = int(git(repo, "rev-list", "--count", "HEAD"))
    log = tmp_path / "results" / "training_log.jsonl"

    proc = run(tmp_path, repo, crash=True)
    assert proc.stdout is not None
    deadline = time.monotonic() + 400
    for line in proc.stdout:  # wait for the commit, then kill at once
        if "COMMITTED" in line or time.monotonic() > deadline:
            break
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert int(git(repo, "rev-list", "--count", "HEAD")) == commits + 1, "no commit was made"
    assert not TrainingLog(log).entries(), "the log line was written before the kill"
    assert load_config(repo / "config.yaml") == default_config()  # the winner is on disk

    again = run(tmp_path, repo, crash=False)
    out, _ = again.communicate(timeout=600)
    assert again.returncode == 0, out
    assert int(git(repo, "rev-list", "--count", "HEAD")) == commits + 1  # no second commit
    [entry] = TrainingLog(log).entries()
    assert entry.iteration == 1 and entry.accepted
    assert entry.config_hash == config_hash(default_config())
    status = subprocess.run(
        [sys.executable, "-m", "snaketrain", "status", "--results", str(tmp_path / "results")],
        capture_output=True,
        text=True,
        cwd=repo,
    )
    assert "improvements: 1" in status.stdout, status.stdout
