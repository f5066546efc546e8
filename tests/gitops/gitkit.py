"""Helpers of the git tests: a tmp repository, an improved config, the documented message."""

from __future__ import annotations

import subprocess
from pathlib import Path

from snaketrain.gitops import CommitOutcome, commit_message, publish_config
from snaketrain.snake.space import default_config, dump_config

TITLE = r"Automated training improvement: \d+\.\d{2}% win rate \([+-]\d+\.\d{2}%\)"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout.strip("\n")


def make_repo(tmp_path: Path, identity: bool = True) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    if identity:
        git(repo, "config", "user.name", "Ada Lovelace")
        git(repo, "config", "user.email", "ada@example.org")
    (repo / "config.yaml").write_text(dump_config(default_config()))
    (repo / "snake.py").write_text("print('hi')\n")
    (repo / "notes.txt").write_text("notes\n")
    env = ["-c", "user.name=Setup", "-c", "user.email=setup@example.org"]
    git(repo, "add", ".")
    git(repo, *env, "commit", "-q", "-m", "initial")
    return repo


def improved(space: float = 33.0) -> str:
    return dump_config(default_config().replace({"weights.space": space}))


def message(win: float = 0.5234, prev: float = 0.5114) -> str:
    return commit_message(
        iteration=17,
        win_rate=win,
        prev_win_rate=prev,
        total_games=6800,
        total_improvements=3,
        timestamp="2026-11-24T13:00:00Z",
        elo=12.34,
        elo_ci=[4.2, 20.4],
        llr=2.971,
        changes=[
            ("weights.space", 20.0, 33.0),
            {"key": "hybrid.enabled", "old": True, "new": False},
        ],
    )


def publish(repo: Path, text: str, **kw: object) -> CommitOutcome:
    return publish_config(
        repo,
        repo / "config.yaml",
        text,
        message(),
        pending_path=repo.parent / "pending.json",
        **kw,  # type: ignore[arg-type]
    )
