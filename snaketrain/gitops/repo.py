"""The git plumbing: find the repository, read ``config.yaml`` as HEAD and the index have
it, tell a user's change from the trainer's, commit that one file with the right identity,
push without ever prompting."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import git

BOT_NAME = "Automated Training Bot"
BOT_EMAIL = "training-bot@battlesnake.local"
PUSH_TIMEOUT_S = 120.0

Status = Literal["committed", "skipped", "error"]


@dataclass(frozen=True)
class CommitOutcome:
    """What became of an improvement in git, in one line a user can act on (``message``).

    ``committed``: ``sha`` is the new commit. ``skipped``: nothing to commit, or something
    (local changes, a detached HEAD, no repository) stands in the way. ``error``: git failed.
    ``pending_commit`` / ``pending_push``: kept in the pending file and retried later.
    """

    status: Status
    message: str
    sha: str | None = None
    pushed: bool = False
    pending_commit: bool = False
    pending_push: bool = False


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def open_repo(repo_path: str | Path) -> git.Repo | None:
    """The repository at or above ``repo_path``, None if there is none."""
    try:
        return git.Repo(repo_path, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None


def detached_head(repo: git.Repo) -> str | None:
    """``HEAD is detached (at <sha>): check out a branch``, None when a branch is checked out."""
    if not repo.head.is_detached:
        return None
    return f"HEAD is detached (at {repo.head.commit.hexsha[:12]}): check out a branch"


def _relpath(repo: git.Repo, config_path: str | Path) -> str:
    root = Path(repo.working_tree_dir or ".").resolve()
    path = Path(config_path).resolve()
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        raise ValueError(f"{config_path} is not inside the repository {root}") from None


def _head_bytes(repo: git.Repo, rel: str) -> bytes | None:
    """The file as HEAD has it (None: no commit yet, or not in HEAD)."""
    try:
        return (repo.head.commit.tree / rel).data_stream.read()
    except (ValueError, KeyError):
        return None


def _index_bytes(repo: git.Repo, rel: str) -> bytes | None:
    entry = repo.index.entries.get((rel, 0))
    return None if entry is None else repo.odb.stream(entry.binsha).read()


def check_config_clean(
    repo: git.Repo, config_path: str | Path, ours: Collection[str | None] = ()
) -> str | None:
    """None if the trainer may overwrite ``config.yaml``, else why not.

    May overwrite: the working copy and the staged copy are each absent, as HEAD has them,
    or content of the trainer's (sha256 in ``ours``: what it last wrote, what it is about to
    write). Anything else is a user's change.
    """
    rel = _relpath(repo, config_path)
    head = _head_bytes(repo, rel)

    def ours_or_head(data: bytes | None) -> bool:
        return data is None or data == head or sha256(data) in ours

    try:
        working: bytes | None = Path(config_path).read_bytes()
    except FileNotFoundError:
        working = None
    if not ours_or_head(working):
        return f"{rel} has local changes"
    if not ours_or_head(_index_bytes(repo, rel)):
        return f"{rel} has staged changes"
    return None


def _configured(repo: git.Repo, key: str) -> bool:
    try:
        return bool(repo.git.config("--get", key).strip())
    except git.GitCommandError:
        return False


def identity_env(repo: git.Repo) -> dict[str, str]:
    """Author/committer variables for the bot, only for what neither git config nor the
    environment provides (a configured ``user.name`` / ``user.email`` is always used)."""
    env: dict[str, str] = {}
    for key, value, role_vars in (
        ("user.name", BOT_NAME, ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME")),
        ("user.email", BOT_EMAIL, ("GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL")),
    ):
        if _configured(repo, key):
            continue
        env.update({var: value for var in role_vars if not os.environ.get(var)})
    return env


def _push_target(repo: git.Repo, branch: str, remote: str | None) -> tuple[str, str] | None:
    """``(remote, remote branch)`` to push ``branch`` to, None if there is no such remote."""
    names = [r.name for r in repo.remotes]
    tracking = repo.heads[branch].tracking_branch() if branch in repo.heads else None
    if remote is None:
        remote = tracking.remote_name if tracking else ("origin" if "origin" in names else None)
    if remote is None or remote not in names:
        return None
    if tracking is not None and tracking.remote_name == remote:
        return remote, tracking.remote_head
    return remote, branch


def push_branch(repo: git.Repo, branch: str, remote: str | None) -> tuple[bool | None, str]:
    """Push ``branch``: ``(True, text)`` pushed, ``(False, text)`` failed, ``(None, text)``
    no remote to push to."""
    target = _push_target(repo, branch, remote)
    if target is None:
        return None, f"not pushed: no remote {remote or 'origin'!r}"
    name, remote_branch = target
    env = {"GIT_TERMINAL_PROMPT": "0"}
    if not os.environ.get("GIT_SSH_COMMAND"):
        env["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes"
    try:
        repo.git.push(
            name,
            f"refs/heads/{branch}:refs/heads/{remote_branch}",
            env=env,
            kill_after_timeout=PUSH_TIMEOUT_S,
        )
    except git.GitCommandError as e:
        why = (e.stderr or str(e)).strip().splitlines()
        return False, f"push to {name} failed ({why[-1] if why else 'no output'})"
    return True, f"pushed to {name}/{remote_branch}"


def commit_config(
    repo_path: str | Path,
    config_path: str | Path,
    message: str,
    push: bool,
    remote: str | None = None,
) -> CommitOutcome:
    """Commit ``config_path`` as it is on disk, alone, then push if ``push`` and a remote exists.

    Other files, staged or not, stay untouched. A detached HEAD is skipped (no commit), a
    file equal to HEAD's is skipped (nothing to commit), a git failure is an ``error``; a
    failed push leaves the commit in place with ``pending_push``.
    """
    repo = open_repo(repo_path)
    if repo is None:
        return CommitOutcome("skipped", f"{repo_path} is not a git repository: no commit")
    try:
        rel = _relpath(repo, config_path)
    except ValueError as e:
        return CommitOutcome("error", str(e))
    detached = detached_head(repo)
    if detached is not None:
        return CommitOutcome("skipped", f"{detached}; no commit")
    try:
        on_disk = Path(config_path).read_bytes()
    except OSError as e:
        return CommitOutcome("error", f"cannot read {config_path}: {e}")
    if _head_bytes(repo, rel) == on_disk:
        return CommitOutcome("skipped", f"{rel} is unchanged: nothing to commit")
    try:
        repo.git.add("--", rel)
        repo.git.commit("-m", message, "--", rel, env=identity_env(repo))
    except git.GitCommandError as e:
        why = (e.stderr or str(e)).strip().splitlines()
        return CommitOutcome("error", f"git commit failed: {why[-1] if why else e}")
    sha = repo.head.commit.hexsha
    text = f"committed {rel} as {sha[:12]}"
    if not push:
        return CommitOutcome("committed", text, sha=sha)
    pushed, push_text = push_branch(repo, repo.active_branch.name, remote)
    return CommitOutcome(
        "committed",
        f"{text}; {push_text}" + ("; the push is retried later" if pushed is False else ""),
        sha=sha,
        pushed=bool(pushed),
        pending_push=pushed is False,
    )
