"""The training DAG end to end in a temporary git repo (Prefect test harness): one iteration
commits a better candidate exactly once, and a candidate travels from advise to commit as a
value (each step once, config.yaml parsed once)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from taskkit import flow_run_id, quick_config, task_runs, tiny_settings, weak_config
from trainkit import git

from blocks.training import GitTarget, TrainingSettings
from snaketrain import training
from snaketrain.snake.space import Config, default_config, dump_config, load_config
from snaketrain.tuning.advisor import Proposal


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


def propose_only(candidate: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    """The advisor proposes ``candidate`` (k times)."""

    def propose(begin: training.IterationStart, k: int, _limit: int) -> list[Proposal]:
        return [Proposal.between(begin.best, candidate, "fixed", "test candidate")] * k

    monkeypatch.setattr(training, "propose", propose)


def run_one(
    repo: Path, results: Path, candidate: Config, monkeypatch: pytest.MonkeyPatch, **over: object
) -> training.Strength:
    from flows.training import training_iteration

    propose_only(candidate, monkeypatch)
    s = settings(**over)
    target = GitTarget(repo_path=str(repo))
    return training_iteration(1, s, target, str(results))


def log_lines(results: Path) -> list[dict]:
    return [json.loads(x) for x in (results / "training_log.jsonl").read_text().splitlines()]


def test_better_candidate_makes_exactly_one_commit(
    prefect_storage: Path, repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
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
    prefect_storage: Path, repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
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
    prefect_storage: Path, repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "config.yaml").write_text(dump_config(weak_config()))
    git(repo, "commit", "-qam", "a weak incumbent")
    before = int(git(repo, "rev-list", "--count", "HEAD"))
    run_one(repo, tmp_path / "results", default_config(), monkeypatch, parallel_configs=3)
    assert int(git(repo, "rev-list", "--count", "HEAD")) == before + 1


class YamlCounts:
    """Config YAML parsed (any loader: every ``yaml.load`` ends in ``get_single_data``) and
    written (``dump_config`` lays a config out by ``Config.as_nested``), wherever called."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.parsed = 0
        self.dumped = 0
        load = yaml.constructor.BaseConstructor.get_single_data
        nested = Config.as_nested

        def counting_load(loader: yaml.constructor.BaseConstructor) -> object:
            data = load(loader)
            if isinstance(data, dict) and "weights" in data:  # a snake's config, not other YAML
                self.parsed += 1
            return data

        def counting_nested(config: Config) -> dict:
            self.dumped += 1
            return nested(config)

        monkeypatch.setattr(yaml.constructor.BaseConstructor, "get_single_data", counting_load)
        monkeypatch.setattr(Config, "as_nested", counting_nested)


def test_a_candidate_travels_from_advise_to_commit_as_a_value(
    prefect_storage: Path, repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.training import training_iteration

    (repo / "config.yaml").write_text(dump_config(weak_config()))
    git(repo, "commit", "-qam", "a weak incumbent")
    results = tmp_path / "results"
    propose_only(quick_config(), monkeypatch)
    s = tiny_settings()  # one shard: every step runs in this process, where it is counted
    counts = YamlCounts(monkeypatch)
    assert load_config(repo / "config.yaml") == weak_config()
    dump_config(weak_config())
    assert (counts.parsed, counts.dumped) == (1, 1)  # the counters see the library's calls
    counts.parsed = counts.dumped = 0

    target = GitTarget(repo_path=str(repo))
    state = training_iteration(1, s, target, str(results), return_state=True)

    # parsed: config.yaml once, by begin; nothing after it reads YAML (the candidate travels
    #   as a Config from advise through perturb, build, benchmark, select to commit).
    # dumped: the incumbent's and the candidate's files at build (candidates/<hash>.yaml),
    #   config.yaml at commit.
    assert (counts.parsed, counts.dumped) == (1, 3)
    assert state.is_completed()
    [entry] = log_lines(results)
    assert entry["accepted"] and load_config(repo / "config.yaml") == quick_config()
    deciding = entry["games"] // (2 * s.batch_pairs)  # SPRT batches, 1 shard each
    assert task_runs(flow_run_id(state)) == {
        "retry-pending-commit": 1,
        "begin": 1,
        "opponents": 1,
        "build": 2,  # the incumbent, the candidate
        "advise": 1,
        "perturb": 1,
        "measure-strength": 2,  # the subflow: the strength before, and after the winner
        "benchmark": deciding + 2,  # the SPRT's batches, one re-measurement per strength
        "select": 1,
        "report": 1,
        "commit": 1,
        "record": 1,
    }


def test_continuous_training_runs_the_planned_iterations_playing_nothing_twice(
    prefect_storage: Path, repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.training import continuous_training

    (repo / "config.yaml").write_text(dump_config(quick_config()))
    git(repo, "commit", "-qam", "a quick incumbent")
    head = git(repo, "rev-parse", "HEAD")
    results = tmp_path / "results"
    propose_only(weak_config(), monkeypatch)  # rejected every time

    done = continuous_training(tiny_settings(), GitTarget(repo_path=str(repo)), str(results), 2)

    assert done == 2
    assert [e["iteration"] for e in log_lines(results)] == [1, 2]
    assert not any(e["accepted"] for e in log_lines(results))
    assert git(repo, "rev-parse", "HEAD") == head
    assert json.loads((results / training.RUN_FILE).read_text()) == {
        "first": 1,
        "max_iterations": 2,
        "finished": True,
    }
    runs = (results / training.BENCHMARK_RUNS).read_text().splitlines()
    keys = [json.loads(x)["key"] for x in runs]
    assert len(keys) == len(set(keys))  # the incumbent's strength was measured once


def test_a_fixed_n_winner_that_re_measures_worse_is_not_committed(
    prefect_storage: Path, repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from taskkit import verdict

    import flows.training

    def lucky(candidates: list, *_args: object) -> list:  # 8 games that happened to go well
        return [verdict("accept", None) for _ in candidates]

    monkeypatch.setattr(flows.training, "decide", lucky)
    before = git(repo, "rev-parse", "HEAD")
    results = tmp_path / "results"
    run_one(repo, results, weak_config(), monkeypatch, games=8, remeasure_pairs=8)
    assert git(repo, "rev-parse", "HEAD") == before
    assert load_config(repo / "config.yaml") == default_config()
    [entry] = log_lines(results)
    assert (entry["accepted"], entry["verdict"], entry["improvement"]) == (
        False,
        "unconfirmed",
        0.0,
    )


def test_only_a_fixed_n_acceptance_needs_the_re_measurement_to_confirm_it() -> None:
    from taskkit import verdict

    weaker = training.Strength("c", 0.45, 0.3, 0.6, 16)
    best = training.Strength("b", 0.5, 0.35, 0.65, 16)
    assert not training.confirmed(verdict("accept", None), best, weaker)
    assert training.confirmed(verdict("accept", None), best, best)
    assert training.confirmed(verdict("accept", 3.0), best, weaker)  # an SPRT's stands
    assert training.unconfirmed(verdict("accept", None)).accepted is False


def test_a_fixed_n_commit_message_names_its_rule_not_an_llr() -> None:
    from taskkit import verdict

    start = training.start(4, 0, default_config(), [])
    p = Proposal.between(start.best, quick_config(), "random", "r")
    best = training.Strength("b", 0.5, 0.35, 0.65, 16)
    text = training.commit_text(start, p, verdict("accept", None), best, best, 8, "now")
    assert "LLR" not in text and "nan" not in text
    assert "Test: fixed N games, the whole 95% Elo interval at or above +0" in text
