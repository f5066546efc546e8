"""``snaketrain train --snake`` for a snake with a parameter space of its own (the example in
examples/own-space-snake: a stdlib program whose config.json has none of the built-in keys):
its config read and written in its own space and format, and only that file committed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from trainkit import git

from snaketrain.external.spec import load_snake
from snaketrain.snake.space import ConfigError, load_config
from snaketrain.trainlog import TrainingLog

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "own-space-snake"
KEYS = ("greed.apple", "greed.hunger", "caution.room", "caution.edge", "style.straight")

DRIVER = """
import json, sys
if __name__ == "__main__":
    from blocks.training import TrainingSettings
    TrainingSettings(**json.loads(sys.argv[1])).save("tiny", overwrite=True)
    from snaketrain import training
    from snaketrain.tuning.advisor import Proposal
    changes = json.loads(sys.argv[2])

    def propose(begin, k, _limit):  # one fixed candidate, made from the config begin read
        better = begin.best.replace(changes)
        return [Proposal.between(begin.best, better, "fixed", "test candidate")] * k

    training.propose = propose
    from snaketrain.cli import main
    sys.exit(main(sys.argv[3:]))
"""

TINY = {
    "advisor": "random",
    "sprt_elo1": 100.0,
    "batch_pairs": 4,
    "max_pairs": 16,
    "remeasure_pairs": 2,
    "max_turns": 60,
    "size": 7,
    "shards": 1,
    "opponents": ["random-safe"],
}
WEAK = {"greed.apple": 0.0, "caution.room": 0.0, "caution.edge": 0.0}  # first safe move
BETTER = {"greed.apple": 3.0, "caution.room": 5.0, "caution.edge": 0.5}


def test_the_example_declares_its_own_space() -> None:
    spec = load_snake(EXAMPLE / "snake.yaml")
    space = spec.config_space()
    assert not space.builtin and space.keys == KEYS
    config = load_config(spec.config_path, space)
    assert config.space == space and config["greed.hunger"] == 50
    try:
        load_config(spec.config_path)  # not a config of the built-in snake
    except ConfigError as err:
        assert "greed: unknown section" in str(err)
    else:
        raise AssertionError("the example's config passed as a built-in one")


def snake_repo(tmp: Path) -> Path:
    """The example in a git repo of its own, its config weakened; returns its snake.yaml."""
    repo = tmp / "my-snake"
    shutil.copytree(EXAMPLE, repo, ignore=shutil.ignore_patterns("__pycache__"))
    nested = json.loads((repo / "config.json").read_text())
    for key, value in WEAK.items():
        section, name = key.split(".")
        nested[section][name] = value
    (repo / "config.json").write_text(json.dumps(nested, indent=2) + "\n")
    spec = (repo / "snake.yaml").read_text()
    spec = spec.replace("python3 snake.py", f"{sys.executable} snake.py")
    spec = spec.replace("move_timeout_ms: 500", "move_timeout_ms: 5000")  # a busy test box
    (repo / "snake.yaml").write_text(spec)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "my snake")
    (repo / "notes.txt").write_text("the user's own work\n")
    return repo / "snake.yaml"


def test_train_tunes_a_snake_of_its_own_space_and_commits_only_its_config(tmp_path) -> None:
    snake = snake_repo(tmp_path)
    repo = snake.parent
    head = git(repo, "rev-parse", "HEAD")
    (tmp_path / "driver.py").write_text(DRIVER)
    env = os.environ | {
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "300",  # saving the block
    }
    args = ["train", "--settings-block", "tiny", "--snake", str(snake), "--max-iterations", "1"]
    args += ["--results", str(tmp_path / "results")]
    run = subprocess.run(
        [sys.executable, str(tmp_path / "driver.py"), json.dumps(TINY), json.dumps(BETTER)] + args,
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    out = run.stdout + run.stderr
    assert run.returncode == 0, out[-4000:]

    [entry] = TrainingLog(tmp_path / "results" / "training_log.jsonl").entries()
    assert entry.accepted, out[-4000:]
    assert {c["key"] for c in entry.changes} == set(BETTER)
    assert git(repo, "rev-list", "--count", f"{head}..HEAD") == "1"
    assert git(repo, "show", "--name-only", "--format=", "HEAD") == "config.json"
    message = git(repo, "log", "-1", "--format=%B")
    assert "caution.room: 0.0 → 5.0" in message, message
    committed = json.loads((repo / "config.json").read_text())  # JSON, as the snake reads it
    assert [f"{s}.{n}" for s, body in committed.items() for n in body] == list(KEYS)
    assert committed["caution"] == {"room": 5.0, "edge": 0.5} and committed["greed"]["apple"] == 3
    assert "notes.txt" in git(repo, "status", "--porcelain")  # the user's files untouched
