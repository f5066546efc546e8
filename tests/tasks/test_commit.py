"""commit: the winner -> config.yaml written and committed, exactly once; retry-pending."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from taskkit import quick_config, strength, verdict
from trainkit import git

from snaketrain import training
from snaketrain.gitops import has_pending
from snaketrain.snake.space import default_config, load_config
from snaketrain.tuning.advisor import Proposal
from tasks.commit import commit, retry_pending


def commit_winner(repo: Path, results: Path) -> dict[str, Any]:
    """Iteration 1's winner (the default snake without look-ahead) over the default one."""
    start = training.start(1, 0, load_config(repo / "config.yaml"), [])
    proposal = Proposal.between(start.best, quick_config(), "random", "no look-ahead")
    return commit.fn(
        start,
        proposal,
        verdict("accept", 3.2),
        strength(start.best, 0.40),
        strength(quick_config(), 0.45),
        16,
        str(repo),
        str(repo / "config.yaml"),
        str(results / "pending_commits.json"),
        False,
        None,
    )


def commits(repo: Path) -> int:
    return int(git(repo, "rev-list", "--count", "HEAD"))


def test_the_winner_is_committed_once(repo: Path, tmp_path: Path) -> None:
    before = commits(repo)
    outcome = commit_winner(repo, tmp_path)
    assert outcome["status"] == "committed"
    assert outcome["sha"] == git(repo, "rev-parse", "HEAD") and commits(repo) == before + 1
    assert outcome["message"] == f"committed config.yaml as {outcome['sha'][:12]}"
    assert load_config(repo / "config.yaml") == quick_config()
    assert git(repo, "show", "--name-only", "--format=", "HEAD") == "config.yaml"
    title, _, body = git(repo, "log", "-1", "--format=%B").partition("\n")
    assert title == "Automated training improvement: 45.00% win rate (+5.00%)"
    for needle in ("Iteration: 1", "Total games tested: 16", "Total improvements: 1"):
        assert needle in body
    assert "\nLLR: 3.20\n" in body and body.endswith("Changed parameters:\n  search.depth: 1 → 0")
    assert not has_pending(tmp_path / "pending_commits.json")


def test_running_it_again_after_the_commit_commits_nothing(repo: Path, tmp_path: Path) -> None:
    """A crash after the commit and before the log line: the iteration runs again."""
    first = commit_winner(repo, tmp_path)
    again = commit_winner(repo, tmp_path)
    assert again["status"] == "skipped" and again["sha"] is None
    assert again["message"] == "config.yaml is unchanged: nothing to commit"
    assert git(repo, "rev-parse", "HEAD") == first["sha"]
    assert load_config(repo / "config.yaml") == quick_config()
    assert not has_pending(tmp_path / "pending_commits.json")


def test_a_user_s_edit_holds_the_commit_until_retried(repo: Path, tmp_path: Path) -> None:
    pending = str(tmp_path / "pending_commits.json")
    before, count = git(repo, "rev-parse", "HEAD"), commits(repo)
    edited = (repo / "config.yaml").read_text() + "# mine\n"
    (repo / "config.yaml").write_text(edited)
    held = commit_winner(repo, tmp_path)
    assert held["status"] == "skipped" and "config.yaml has local changes" in held["message"]
    assert (repo / "config.yaml").read_text() == edited and git(repo, "rev-parse", "HEAD") == before
    git(repo, "checkout", "--", "config.yaml")  # the user drops the edit
    message = retry_pending.fn(str(repo), str(repo / "config.yaml"), pending, False, None)
    assert message is not None and message.startswith("committed config.yaml as ")
    assert load_config(repo / "config.yaml") == quick_config()
    assert commits(repo) == count + 1
    assert retry_pending.fn(str(repo), str(repo / "config.yaml"), pending, False, None) is None


def test_nothing_pending_nothing_done(repo: Path, tmp_path: Path) -> None:
    pending = str(tmp_path / "pending_commits.json")
    assert retry_pending.fn(str(repo), str(repo / "config.yaml"), pending, False, None) is None
    assert load_config(repo / "config.yaml") == default_config()
