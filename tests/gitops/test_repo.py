"""The git plumbing: config.yaml is committed alone, with the repository's identity or the
bot's; a detached HEAD, an unchanged file and a file outside the repository are reported."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from gitkit import TITLE, git, improved, make_repo, publish

from snaketrain.gitops import BOT_EMAIL, BOT_NAME, check_config_clean, commit_config, open_repo


def test_without_an_identity_the_bot_commits(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, identity=False)
    outcome = publish(repo, improved())
    assert outcome.status == "committed", outcome.message
    assert git(repo, "log", "-1", "--format=%an <%ae>|%cn <%ce>") == (
        f"{BOT_NAME} <{BOT_EMAIL}>|{BOT_NAME} <{BOT_EMAIL}>"
    )
    assert re.fullmatch(TITLE, git(repo, "log", "-1", "--format=%s"))


def test_a_global_identity_is_used(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, identity=False)
    git(repo, "config", "--global", "user.name", "Grace Hopper")
    git(repo, "config", "--global", "user.email", "grace@example.org")
    assert publish(repo, improved()).status == "committed"
    assert git(repo, "log", "-1", "--format=%an <%ae>") == "Grace Hopper <grace@example.org>"


def test_commit_config_commits_the_file_alone_as_it_is_on_disk(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    (repo / "config.yaml").write_text(improved())
    (repo / "snake.py").write_text("print('mine')\n")
    outcome = commit_config(repo, repo / "config.yaml", "tuned\n", push=False)
    assert outcome.status == "committed" and outcome.sha == git(repo, "rev-parse", "HEAD")
    assert outcome.message == f"committed config.yaml as {outcome.sha[:12]}"
    assert git(repo, "show", "--name-only", "--format=", "HEAD") == "config.yaml"
    assert git(repo, "status", "--porcelain") == " M snake.py"
    again = commit_config(repo, repo / "config.yaml", "tuned\n", push=False)
    assert again.status == "skipped"
    assert again.message == "config.yaml is unchanged: nothing to commit"


def test_a_file_outside_the_repository_or_no_repository_is_reported(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    outside = commit_config(repo, tmp_path / "config.yaml", "x\n", push=False)
    assert outside.status == "error" and "is not inside the repository" in outside.message
    plain = tmp_path / "plain"
    plain.mkdir()
    assert open_repo(plain) is None
    none = commit_config(plain, plain / "config.yaml", "x\n", push=False)
    assert none.status == "skipped" and none.message.endswith("is not a git repository: no commit")


def test_local_and_staged_changes_are_told_from_the_trainers_own(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    git_repo = open_repo(repo)
    assert git_repo is not None
    config = repo / "config.yaml"
    head_text = config.read_text()
    assert check_config_clean(git_repo, config) is None
    config.write_text(improved())
    assert check_config_clean(git_repo, config) == "config.yaml has local changes"
    ours = hashlib.sha256(improved().encode()).hexdigest()
    assert check_config_clean(git_repo, config, {ours}) is None  # the trainer wrote it
    config.write_text(improved(50.0))
    git(repo, "add", "config.yaml")
    config.write_text(head_text)  # the work tree as HEAD has it, the index not
    assert check_config_clean(git_repo, config, {ours}) == "config.yaml has staged changes"
