"""The results folder is self-contained: a run killed mid-benchmark resumes from it under a
fresh PREFECT_HOME (a new machine, a wiped ~/.prefect) and replays no finished shard."""

from __future__ import annotations

import json
import os
import signal
from collections import Counter
from pathlib import Path

import pytest
from gatekit import Gated
from test_resume import lines, long, start, wait_for

from snaketrain.trainlog import TrainingLog


@pytest.mark.slow
def test_a_killed_run_resumes_with_a_fresh_prefect_home(
    tmp_path: Path, repo: Path, monkeypatch: pytest.MonkeyPatch, gated: Gated
) -> None:
    # the driver saves its block through an ephemeral API: give it time on a busy machine
    monkeypatch.setenv("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    runs = tmp_path / "results" / "benchmark_runs.jsonl"
    log = tmp_path / "results" / "training_log.jsonl"
    proc = start(tmp_path, repo, "--max-iterations", "1", settings=long(gated))
    wait_for(lambda: len(lines(runs)) >= 5, proc)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    gated.open()
    assert not lines(log), "the kill came after the iteration finished; nothing was tested"
    (tmp_path / "prefect-home").rename(tmp_path / "old-prefect-home")  # its database too

    again = start(tmp_path, repo, "--max-iterations", "1", settings=long(gated))
    out, _ = again.communicate(timeout=600)
    assert again.returncode == 0, out
    keys = Counter(json.loads(x)["key"] for x in lines(runs))
    assert max(keys.values()) == 1, f"shards played twice: {keys.most_common(3)}"
    assert [e.iteration for e in TrainingLog(log).entries()] == [1]
    assert not list((tmp_path / "prefect-home").rglob("storage/*"))  # nothing outside results
    assert list((tmp_path / "results" / "prefect-results").iterdir())
