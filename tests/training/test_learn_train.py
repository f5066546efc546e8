"""`snaketrain train --use-neural-net`, run as a user runs it (a subprocess, tiny settings):
the NN is trained on the measured candidates in the results folder and takes a slot, and
every candidate joins the change history."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from learnkit import synthetic
from test_resume import lines, start

from snaketrain.learn import surrogate
from snaketrain.learn.history import ATTEMPTS_NAME, AttemptFile


@pytest.mark.slow
def test_train_with_the_neural_net(
    tmp_path: Path, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")  # busy CI
    results = tmp_path / "results"
    earlier = [replace(a, iteration=0) for a in synthetic(12, seed=1)]  # an earlier run's
    AttemptFile(results / ATTEMPTS_NAME).append(earlier)
    flags = ("--use-neural-net", "--parallel-configs", "2", "--shards", "1")
    proc = start(tmp_path, repo, *flags, "--max-iterations", "1")
    out, _ = proc.communicate(timeout=900)
    assert proc.returncode == 0, out
    assert len(lines(results / "training_log.jsonl")) == 1
    attempts = [json.loads(x) for x in lines(results / ATTEMPTS_NAME)][len(earlier) :]
    assert [(a["iteration"], a["advisor"]) for a in attempts] == [(1, "random"), (1, "nn")]
    assert all(a["games"] > 0 and len(a["x"]) == len(surrogate.KEYS) for a in attempts)
    fit = surrogate.read_fit(results)
    assert fit is not None and fit.trained_iteration == 1 and fit.points == len(earlier)
    assert "nn: surrogate: 5 MLPs on 12 points" in out and "nn: predicted" in out
    assert "advisors: random 0/1" in out or "advisors: random 1/1" in out
