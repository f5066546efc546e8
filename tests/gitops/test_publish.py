"""Publishing: an accepted improvement commits config.yaml alone with the documented message;
a user's edits, a detached HEAD and a failed push are reported, never clobbered, and retried
later."""

from __future__ import annotations

from pathlib import Path

from gitkit import git, improved, make_repo, message, publish

from snaketrain.gitops import commit_config, has_pending, publish_config, retry_pending
from snaketrain.snake.space import default_config, dump_config


def test_an_improvement_commits_config_yaml_alone(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    (repo / "snake.py").write_text("print('work in progress')\n")  # the user's unstaged edit
    (repo / "notes.txt").write_text("staged notes\n")
    git(repo, "add", "notes.txt")  # the user's staged edit
    outcome = publish(repo, improved())
    assert outcome.status == "committed", outcome.message
    assert git(repo, "show", "--name-only", "--format=", "HEAD") == "config.yaml"
    assert git(repo, "log", "-1", "--format=%s") == message().splitlines()[0]
    assert git(repo, "log", "-1", "--format=%an <%ae>") == "Ada Lovelace <ada@example.org>"
    assert (repo / "config.yaml").read_text() == improved()
    status = git(repo, "status", "--porcelain").splitlines()
    assert set(status) == {"M  notes.txt", " M snake.py"}  # still staged / still modified
    assert not has_pending(tmp_path / "pending.json")


def test_a_users_change_to_config_yaml_is_not_clobbered_and_retried_later(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    head = git(repo, "rev-parse", "HEAD")
    user_text = improved(space=50.0) + "# my experiment\n"
    (repo / "config.yaml").write_text(user_text)
    outcome = publish(repo, improved())
    assert outcome.status == "skipped" and outcome.pending_commit
    assert "config.yaml has local changes: commit or stash them" in outcome.message
    assert "pending.json" in outcome.message
    assert (repo / "config.yaml").read_text() == user_text  # untouched
    assert git(repo, "rev-parse", "HEAD") == head
    # Next iteration: still dirty, still pending.
    again = retry_pending(repo, repo / "config.yaml", pending_path=tmp_path / "pending.json")
    assert again is not None and again.status == "skipped" and again.pending_commit
    # The user commits their change; the retry now succeeds.
    git(repo, "commit", "-q", "-am", "my experiment")
    done = retry_pending(repo, repo / "config.yaml", pending_path=tmp_path / "pending.json")
    assert done is not None and done.status == "committed", done.message
    assert (repo / "config.yaml").read_text() == improved()
    assert git(repo, "show", "--name-only", "--format=", "HEAD") == "config.yaml"
    assert retry_pending(repo, repo / "config.yaml", pending_path=tmp_path / "pending.json") is None


def test_two_pending_improvements_become_one_commit_naming_both(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    (repo / "config.yaml").write_text("# mine\n" + dump_config(default_config()))
    publish(repo, improved(30.0))
    publish(repo, improved(40.0))
    git(repo, "checkout", "-q", "--", "config.yaml")  # the user drops the change
    done = retry_pending(repo, repo / "config.yaml", pending_path=tmp_path / "pending.json")
    assert done is not None and done.status == "committed"
    assert (repo / "config.yaml").read_text() == improved(40.0)
    assert "Also contains 1 earlier improvement" in git(repo, "log", "-1", "--format=%B")


def test_the_trainers_own_uncommitted_write_is_not_a_local_change(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    git(repo, "checkout", "-q", "--detach")
    assert publish(repo, improved()).pending_commit
    git(repo, "checkout", "-q", "main")
    # A crash after writing config.yaml but before committing: the file is the trainer's.
    (repo / "config.yaml").write_text(improved())
    done = retry_pending(repo, repo / "config.yaml", pending_path=tmp_path / "pending.json")
    assert done is not None and done.status == "committed", done.message


def test_a_detached_head_is_reported_and_nothing_is_committed(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    git(repo, "checkout", "-q", "--detach")
    head = git(repo, "rev-parse", "HEAD")
    outcome = publish(repo, improved())
    assert outcome.status == "skipped" and outcome.pending_commit
    assert "HEAD is detached" in outcome.message and "check out a branch" in outcome.message
    assert git(repo, "rev-parse", "HEAD") == head
    assert git(repo, "status", "--porcelain") == ""  # config.yaml not written either
    direct = commit_config(repo, repo / "config.yaml", "x", push=False)
    assert direct.status == "skipped" and "detached" in direct.message


def test_push_to_a_bare_remote(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    outcome = publish(repo, improved(), push=True)
    assert outcome.status == "committed" and outcome.pushed, outcome.message
    assert git(remote, "rev-parse", "main") == git(repo, "rev-parse", "HEAD")


def test_no_remote_means_no_push_and_nothing_pending(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    outcome = publish(repo, improved(), push=True)
    assert outcome.status == "committed" and not outcome.pushed and not outcome.pending_push
    assert "no remote" in outcome.message
    assert not has_pending(tmp_path / "pending.json")


def test_a_failed_push_keeps_the_commit_and_is_retried(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    remote.rename(tmp_path / "away.git")  # the remote is gone
    outcome = publish(repo, improved(), push=True)
    assert outcome.status == "committed" and outcome.pending_push and not outcome.pushed
    assert "push to origin failed" in outcome.message and "retried later" in outcome.message
    assert git(repo, "log", "-1", "--format=%s") == message().splitlines()[0]
    (tmp_path / "away.git").rename(remote)  # back again
    done = retry_pending(repo, repo / "config.yaml", pending_path=tmp_path / "pending.json",
                         push=True)  # fmt: skip
    assert done is not None and done.pushed and not done.pending_push, done.message
    assert git(remote, "rev-parse", "main") == git(repo, "rev-parse", "HEAD")
    assert not has_pending(tmp_path / "pending.json")


def test_not_a_repository_still_writes_the_config(tmp_path: Path) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    outcome = publish_config(folder, folder / "config.yaml", improved(), message(),
                             pending_path=tmp_path / "pending.json")  # fmt: skip
    assert outcome.status == "skipped" and "not a git repository" in outcome.message
    assert (folder / "config.yaml").read_text() == improved()


def test_an_unchanged_config_is_not_committed(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    head = git(repo, "rev-parse", "HEAD")
    outcome = publish(repo, dump_config(default_config()))
    assert outcome.status == "skipped" and "unchanged" in outcome.message
    assert git(repo, "rev-parse", "HEAD") == head and not has_pending(tmp_path / "pending.json")


def test_a_git_failure_is_an_error_and_the_improvement_stays_pending(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    (repo / ".git" / "index.lock").write_text("")  # another git command is running
    outcome = publish(repo, improved())
    assert outcome.status == "error" and outcome.pending_commit
    assert "git commit failed" in outcome.message and "committed later" in outcome.message
    (repo / ".git" / "index.lock").unlink()
    done = retry_pending(repo, repo / "config.yaml", pending_path=tmp_path / "pending.json")
    assert done is not None and done.status == "committed", done.message
