"""A full training iteration end to end in a temporary git repo (Prefect test harness)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from trainkit import git

from blocks.training import GitTarget, TrainingSettings
from snaketrain import training
from snaketrain.snake.space import PARAMS, Config, default_config, dump_config, load_config
from snaketrain.tuning.advisor import Proposal

WEAK = {  # every weight at its lowest: a snake that only avoids dying at once
    key: p.low
    for key, p in PARAMS.items()
    if p.kind == "float" and key.startswith(("weights.", "traps.", "pursuit.", "trapping."))
}


def weak_config() -> Config:
    return default_config().replace({**WEAK, "search.depth": 0, "hybrid.enabled": False})


def settings(**over: object) -> TrainingSettings:
    base = dict(
        advisor="random",
        sprt_elo0=0.0,
        sprt_elo1=100.0,
        batch_pairs=8,
        max_pairs=64,
        opponents=["random-safe"],
        remeasure_pairs=4,
        shards=2,
        size=7,
        max_turns=150,
        batch_size=64,
    )
    return TrainingSettings(**(base | over))


def run_one(
    repo: Path, results: Path, candidate: Config, monkeypatch: pytest.MonkeyPatch, **over: object
) -> training.Strength:
    from flows.training import training_iteration

    def propose(begin: training.IterationStart, k: int, _limit: int) -> list[Proposal]:
        return [Proposal.between(begin.best, candidate, "fixed", "test candidate")] * k

    monkeypatch.setattr(training, "propose", propose)
    s = settings(**over)
    target = GitTarget(repo_path=str(repo))
    return training_iteration(1, s, target, str(results))


def log_lines(results: Path) -> list[dict]:
    return [json.loads(x) for x in (results / "training_log.jsonl").read_text().splitlines()]


def test_better_candidate_makes_exactly_one_commit(
    prefect_api: None, repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "config.yaml").write_text(dump_config(weak_config()))
    git(repo, "commit", "-qam", "a weak incumbent")
    (repo / "notes.txt").write_text("user's unrelated work\n")
    before = int(git(repo, "rev-list", "--count", "HEAD"))
    results = tmp_path / "results"

    after = run_one(repo, results, default_config(), monkeypatch)

    assert int(git(repo, "rev-list", "--count", "HEAD")) == before + 1
    title = git(repo, "log", "-1", "--format=%s")
    assert re.fullmatch(
        r"Automated training improvement: \d+\.\d\d% win rate \([+-]\d+\.\d\d%\)", title
    )
    body = git(repo, "log", "-1", "--format=%b")
    for needle in (
        "Iteration: 1",
        "Total games tested:",
        "Total improvements: 1",
        "Elo:",
        "LLR:",
        "weights.space: 0.0 → 20.0",
    ):
        assert needle in body, body
    assert git(repo, "show", "--name-only", "--format=", "HEAD") == "config.yaml"
    assert load_config(repo / "config.yaml") == default_config()
    assert "notes.txt" in git(repo, "status", "--porcelain")  # untouched, uncommitted
    [entry] = log_lines(results)
    assert entry["accepted"] is True and entry["iteration"] == 1
    assert entry["best_win_rate"] == pytest.approx(after.win_rate)
    assert f"{100 * after.win_rate:.2f}% win rate" in title


def test_worse_candidate_makes_no_commit(
    prefect_api: None, repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = git(repo, "rev-parse", "HEAD")
    results = tmp_path / "results"
    run_one(repo, results, weak_config(), monkeypatch)
    assert git(repo, "rev-parse", "HEAD") == before
    assert load_config(repo / "config.yaml") == default_config()
    [entry] = log_lines(results)
    assert entry["accepted"] is False
    assert entry["improvement"] == 0.0
    assert entry["changes"] and entry["games"] > 0


def test_parallel_candidates_accept_at_most_one(
    prefect_api: None, repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "config.yaml").write_text(dump_config(weak_config()))
    git(repo, "commit", "-qam", "a weak incumbent")
    before = int(git(repo, "rev-list", "--count", "HEAD"))
    run_one(repo, tmp_path / "results", default_config(), monkeypatch, parallel_configs=3)
    assert int(git(repo, "rev-list", "--count", "HEAD")) == before + 1
