"""The training DAG with an external snake (the stdlib example, not snaketrain): candidates
written in the snake's own format and built, instances started per shard, games refereed over
HTTP, SPRT, and only the snake repo's config file committed. A build that fails rejects its
candidate with the build's output; nothing else is lost."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from external.externalkit import served_url
from taskkit import artifacts, flow_run_id, tiny_settings, weak_config
from trainkit import git

from blocks.training import GitTarget, TrainingSettings
from snaketrain import training
from snaketrain.external.training import CALLS_LOG
from snaketrain.snake.space import Config, default_config, parse_config
from snaketrain.tuning.advisor import Proposal

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "python-snake"


def snake_repo(
    tmp_path: Path, incumbent: Config, build: str | None = None, start: str | None = None
) -> Path:
    """A git repo holding the example snake with ``incumbent`` as its config.json; returns
    its snake.yaml."""
    repo = tmp_path / "my-snake"
    repo.mkdir()
    shutil.copy(EXAMPLE / "snake.py", repo / "snake.py")
    (repo / "config.json").write_text(json.dumps(incumbent.as_nested(), indent=2) + "\n")
    git(repo, "init", "-q")
    git(repo, "config", "user.email", "t@example.com")
    git(repo, "config", "user.name", "t")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "my snake")
    lines = [
        "repo: my-snake",
        "config: config.json",
        "start: "
        + json.dumps(start or f"{sys.executable} snake.py --port {{port}} --config {{config}}"),
        "instances: 2",
        "ready_timeout_s: 20",
        "move_timeout_ms: 5000",  # a busy test machine must not decide the games
    ]
    if build:
        lines.append(f"build: {json.dumps(build)}")
    path = tmp_path / "snake.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def run_one(
    snake: Path, tmp_path: Path, candidate: Config, monkeypatch, **over: object
) -> tuple[Path, dict]:
    """Iteration 1 (``over``: other settings); the results folder and the flow's artifacts."""
    from flows.training import training_iteration

    def propose(begin, k, _limit):
        return [Proposal.between(begin.best, candidate, "fixed", "test candidate")] * k

    monkeypatch.setattr(training, "propose", propose)
    settings: TrainingSettings = tiny_settings(
        snake=str(snake), max_turns=60, batch_pairs=4, **over
    )
    target = GitTarget(repo_path=str(snake.parent / "my-snake"), config_path="config.json")
    results = tmp_path / "results"
    state = training_iteration(1, settings, target, str(results), return_state=True)
    assert state.is_completed()
    return results, artifacts(flow_run_id(state))


FOOD_AND_SPACE_OFF = {"weights.food": 0.0, "weights.space": 0.0}


def test_an_external_snake_is_tuned_and_only_its_config_committed(
    prefect_storage: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    snake = snake_repo(tmp_path, default_config().replace(FOOD_AND_SPACE_OFF))
    repo = snake.parent / "my-snake"
    (repo / "notes.txt").write_text("the user's own work\n")
    before = int(git(repo, "rev-list", "--count", "HEAD"))

    results, found = run_one(snake, tmp_path, default_config(), monkeypatch)

    assert int(git(repo, "rev-list", "--count", "HEAD")) == before + 1
    assert git(repo, "show", "--name-only", "--format=", "HEAD") == "config.json"
    committed = json.loads((repo / "config.json").read_text())
    assert parse_config(committed) == default_config()  # JSON, as the snake reads it
    assert "notes.txt" in git(repo, "status", "--porcelain")
    [entry] = [json.loads(x) for x in (results / "training_log.jsonl").read_text().splitlines()]
    assert entry["accepted"] is True
    shards = [json.loads(x) for x in (results / CALLS_LOG).read_text().splitlines()]
    snakes = [s for line in shards for s in line["snakes"]]
    assert snakes and all(s["moves"] > 0 and s["errors"] == s["invalid"] == 0 for s in snakes)
    assert all(s["p99_ms"] >= s["p50_ms"] > 0 for s in snakes)
    assert "p99_ms" in found["http-calls"] and "timeouts" in found["http-calls"]


def test_a_build_failure_rejects_the_candidate_with_its_output(
    prefect_storage: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build = "grep -q '\"food\": 0.0' $SNAKE_CONFIG || (echo 'main.go:7: syntax error'; exit 1)"
    snake = snake_repo(tmp_path, default_config().replace(FOOD_AND_SPACE_OFF), build=build)
    repo = snake.parent / "my-snake"
    head = git(repo, "rev-parse", "HEAD")
    candidate = weak_config().replace({"weights.food": 5.0})
    results, found = run_one(snake, tmp_path, candidate, monkeypatch)
    assert "| 0 | rejected | 0 |" in found["iteration-report"]  # 0 games: never played
    assert git(repo, "rev-parse", "HEAD") == head
    [entry] = [json.loads(x) for x in (results / "training_log.jsonl").read_text().splitlines()]
    assert entry["accepted"] is False and entry["games"] == 0


def test_a_candidate_the_snake_never_starts_with_is_rejected(
    prefect_storage: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = (
        "grep -q '\"food\": 0.0' $SNAKE_CONFIG && exec "
        f"{sys.executable} snake.py --port $SNAKE_PORT --config $SNAKE_CONFIG"
        " || (echo 'panic: bad weights'; sleep 600)"
    )
    snake = snake_repo(tmp_path, default_config().replace(FOOD_AND_SPACE_OFF), start=start)
    repo = snake.parent / "my-snake"
    head = git(repo, "rev-parse", "HEAD")
    candidate = default_config().replace({"weights.space": 0.0})
    results, found = run_one(snake, tmp_path, candidate, monkeypatch)
    assert git(repo, "rev-parse", "HEAD") == head
    [entry] = [json.loads(x) for x in (results / "training_log.jsonl").read_text().splitlines()]
    assert entry["accepted"] is False and entry["games"] == 0
    assert "| 0 | rejected | 0 |" in found["iteration-report"]  # 0 games: never played


def url_calls(results: Path, url: str) -> list[dict]:
    lines = [json.loads(x) for x in (results / CALLS_LOG).read_text().splitlines()]
    return [s for line in lines for s in line["snakes"] if s["snake"] == url]


def test_an_external_snake_is_measured_against_a_url_opponent(
    prefect_storage: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    snake = snake_repo(tmp_path, default_config().replace(FOOD_AND_SPACE_OFF))
    with served_url(tmp_path) as url:
        results, _ = run_one(
            snake, tmp_path, default_config(), monkeypatch, opponents=[url], remeasure_pairs=2
        )
    [entry] = [json.loads(x) for x in (results / "training_log.jsonl").read_text().splitlines()]
    assert entry["iteration"] == 1
    calls = url_calls(results, url)  # the strength games: the snake against the URL
    assert calls and all(c["moves"] > 0 and c["errors"] == c["invalid"] == 0 for c in calls)


def test_the_built_in_snake_is_measured_against_a_url_opponent(
    prefect_storage: Path, repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.training import training_iteration

    def propose(begin, k, _limit):
        return [Proposal.between(begin.best, weak_config(), "fixed", "test candidate")] * k

    monkeypatch.setattr(training, "propose", propose)
    results = tmp_path / "results"
    with served_url(tmp_path) as url:
        settings = tiny_settings(opponents=[url], remeasure_pairs=2, max_turns=60)
        state = training_iteration(
            1, settings, GitTarget(repo_path=str(repo)), str(results), return_state=True
        )
    assert state.is_completed()
    assert [json.loads(x) for x in (results / "training_log.jsonl").read_text().splitlines()]
    calls = url_calls(results, url)  # only the URL snake is asked over HTTP
    assert calls and all(c["moves"] > 0 and c["errors"] == c["invalid"] == 0 for c in calls)
    assert {
        c["snake"]
        for line in (results / CALLS_LOG).read_text().splitlines()
        for c in json.loads(line)["snakes"]
    } == {url}


@pytest.mark.slow  # ~1 min on the shared 2-core box: snakes started per SPSA group
def test_spsa_tunes_an_external_snake_over_http_then_verifies(
    prefect_storage: Path, tmp_path: Path
) -> None:
    """SPSA over HTTP: one step of 4 pairs in 2 groups (each group θ+ and θ− started once),
    tuner.json written, θ verified by the SPRT over HTTP, and a commit of config.json only
    if it passes."""
    from flows.training import training_iteration

    weak = default_config().replace(FOOD_AND_SPACE_OFF)
    snake = snake_repo(tmp_path, weak)
    repo = snake.parent / "my-snake"
    (repo / "notes.txt").write_text("the user's own work\n")
    head = git(repo, "rev-parse", "HEAD")
    tune = tmp_path / "tune.yaml"
    tune.write_text(
        "steps: 10\npairs_per_batch: 4\npairs_per_delta: 2\nr_end: 5.0\n"
        "keys: [weights.food, weights.space]\n"
    )
    settings = tiny_settings(
        snake=str(snake), advisor="spsa", tune_file=str(tune), tune_pairs=4, max_turns=60
    )
    target = GitTarget(repo_path=str(repo), config_path="config.json")
    results = tmp_path / "results"
    state = training_iteration(1, settings, target, str(results), return_state=True)
    assert state.is_completed()

    tuner = json.loads((results / "tuner.json").read_text())
    assert tuner["advisor"] == "spsa" and tuner["state"]["k"] == 1
    assert tuner["state"]["pairs"] == 4 and tuner["state"]["settings"]["pairs_per_delta"] == 2
    calls = [json.loads(x) for x in (results / CALLS_LOG).read_text().splitlines()]
    tuning = [c for c in calls if c["key"].startswith("tune-1.")]
    assert sorted(c["key"] for c in tuning) == ["tune-1.0+", "tune-1.1+"]  # one line a group
    for line in tuning:  # θ+ and θ− of the group, both over HTTP
        assert len(line["snakes"]) == 2 and all(s["moves"] > 0 for s in line["snakes"])
    configs = {p.name for p in (results / "external" / "tune").iterdir()}
    assert len(configs) == 4  # two groups, two configs each, each written once

    [entry] = [json.loads(x) for x in (results / "training_log.jsonl").read_text().splitlines()]
    assert entry["advisor"] == "spsa" and entry["games"] > 0  # θ verified by the SPRT
    assert entry["tuning_games"] == 8  # the step's 4 pairs
    assert {c["key"] for c in entry["changes"]} <= {"weights.food", "weights.space"}
    if entry["accepted"]:
        assert git(repo, "rev-list", "--count", f"{head}..HEAD") == "1"
        assert git(repo, "show", "--name-only", "--format=", "HEAD") == "config.json"
    else:
        assert git(repo, "rev-parse", "HEAD") == head
    assert "notes.txt" in git(repo, "status", "--porcelain")
