"""Committing an improved ``config.yaml`` to git: only that file, never over a user's edits.

- :func:`commit_message` writes the message: the title ``Automated training improvement:
  XX.XX% win rate (+Y.YY%)`` and a body with the evidence and the changed parameters.
- :func:`commit_config` commits ``config.yaml`` as it is on disk, alone (``git commit --
  config.yaml``: other staged or modified files of the user stay as they are), with the
  repository's identity, or ``Automated Training Bot`` where none is configured; then pushes
  when asked and a remote exists.
- :func:`publish_config` is the trainer's entry point: it records the improvement in the
  pending file (``pending_commits.json`` in the results folder) first, then writes
  ``config.yaml`` atomically and commits it, unless something stands in the way: a
  ``config.yaml`` with changes the trainer did not make, a detached HEAD, a failed commit or
  push. Then the outcome says what and why, nothing of the user's is overwritten, and
  :func:`retry_pending` (called once per iteration) tries again until it succeeds.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import git
import numpy as np

from snaketrain.configio import write_text_atomic
from snaketrain.trainlog import utc_timestamp

log = logging.getLogger(__name__)

BOT_NAME = "Automated Training Bot"
BOT_EMAIL = "training-bot@battlesnake.local"
PENDING_NAME = "pending_commits.json"
PUSH_TIMEOUT_S = 120.0
TITLE_PREFIX = "Automated training improvement"

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


# --- the message -------------------------------------------------------------------------


def format_value(value: object) -> str:
    """A config value as config.yaml writes it: ``true``, ``12.5``, ``worst``."""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, float):
        return np.format_float_positional(value, unique=True, trim="0")
    return str(value)


def _change_triples(changes: Sequence[Any]) -> list[tuple[str, object, object]]:
    return [
        (c["key"], c["old"], c["new"]) if isinstance(c, Mapping) else (c[0], c[1], c[2])
        for c in changes
    ]


def commit_message(
    iteration: int,
    win_rate: float,
    prev_win_rate: float,
    total_games: int,
    total_improvements: int,
    timestamp: datetime | str,
    elo: float,
    elo_ci: Sequence[float],
    llr: float,
    changes: Sequence[Any],
) -> str:
    """The commit message of an accepted improvement.

    Rates are fractions (0.5234 -> ``52.34%``), the delta in percentage points.
    ``elo_ci`` is ``[low, high]``: the body shows ``Elo: +12.3 ± 8.1`` (centre ± half width)
    and the interval. ``changes`` are ``(key, old, new)`` triples or ``{"key", "old", "new"}``.
    """
    when = timestamp if isinstance(timestamp, str) else utc_timestamp(timestamp)
    low, high = elo_ci
    delta = 100.0 * (win_rate - prev_win_rate)
    lines = [
        f"{TITLE_PREFIX}: {100.0 * win_rate:.2f}% win rate ({delta:+.2f}%)",
        "",
        f"Iteration: {iteration}",
        f"Total games tested: {total_games}",
        f"Total improvements: {total_improvements}",
        f"Timestamp: {when}",
        f"Elo: {elo:+.1f} ± {(high - low) / 2.0:.1f} (interval {low:+.1f} .. {high:+.1f})",
        f"LLR: {llr:.2f}",
        "",
        "Changed parameters:",
    ]
    lines += [
        f"  {k}: {format_value(old)} → {format_value(new)}"
        for k, old, new in _change_triples(changes)
    ]
    return "\n".join(lines) + "\n"


# --- pending work --------------------------------------------------------------------------


@dataclass(frozen=True)
class PendingState:
    """What is still to do. ``config_text`` + ``messages``: an improvement (the latest wins;
    earlier messages are kept for the commit). ``push_branch``: a commit still to push.
    ``written_sha256``: the config.yaml the trainer last wrote (its own change, not a user's)."""

    config_text: str | None = None
    messages: list[str] = field(default_factory=list)
    push_branch: str | None = None
    written_sha256: str | None = None


class PendingCommits:
    """The pending file (``pending_commits.json``), written atomically."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def load(self) -> PendingState:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return PendingState()
        except (OSError, ValueError) as e:
            raise ValueError(f"{self.path}: cannot read the pending commits: {e}") from None
        return PendingState(
            config_text=data.get("config_text"),
            messages=list(data.get("messages", [])),
            push_branch=data.get("push_branch"),
            written_sha256=data.get("written_sha256"),
        )

    def save(self, state: PendingState) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(self.path, json.dumps(asdict(state), indent=2) + "\n")


# --- git -----------------------------------------------------------------------------------


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def open_repo(repo_path: str | Path) -> git.Repo | None:
    """The repository at or above ``repo_path``, None if there is none."""
    try:
        return git.Repo(repo_path, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None


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
        return data is None or data == head or _sha256(data) in ours

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
    if repo.head.is_detached:
        return CommitOutcome(
            "skipped",
            f"HEAD is detached (at {repo.head.commit.hexsha[:12]}): check out a branch; no commit",
        )
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


def _combined_message(messages: Sequence[str]) -> str:
    """The latest message, plus the titles of earlier improvements it also contains."""
    if not messages:
        return f"{TITLE_PREFIX}\n"
    latest = messages[-1]
    earlier = [m.splitlines()[0] for m in messages[:-1]]
    if not earlier:
        return latest
    return (
        latest.rstrip("\n")
        + f"\n\nAlso contains {len(earlier)} earlier improvement(s) not committed then:\n"
        + "".join(f"  {t}\n" for t in earlier)
    )


def _flush(
    repo_path: str | Path,
    config_path: str | Path,
    pending: PendingCommits,
    push: bool,
    remote: str | None,
) -> CommitOutcome | None:
    state = pending.load()
    where = f"the improvement is kept in {pending.path} and committed later"
    outcome: CommitOutcome | None = None
    if state.config_text is not None:
        data = state.config_text.encode("utf-8")
        repo = open_repo(repo_path)
        if repo is None:  # no git: write config.yaml unless a user changed it
            try:
                current = Path(config_path).read_bytes()
            except FileNotFoundError:
                current = None
            ours = {state.written_sha256, _sha256(data)}
            if current is not None and state.written_sha256 and _sha256(current) not in ours:
                return CommitOutcome(
                    "skipped", f"{config_path} has local changes; {where}", pending_commit=True
                )
            pending.save(replace(state, written_sha256=_sha256(data)))
            write_text_atomic(config_path, state.config_text)
            pending.save(PendingState(written_sha256=_sha256(data)))
            return CommitOutcome("skipped", f"{repo_path} is not a git repository: no commit")
        if repo.head.is_detached:
            return CommitOutcome(
                "skipped",
                f"HEAD is detached (at {repo.head.commit.hexsha[:12]}): check out a branch; "
                f"{where}",
                pending_commit=True,
            )
        dirty = check_config_clean(repo, config_path, {state.written_sha256, _sha256(data)})
        if dirty is not None:
            return CommitOutcome(
                "skipped",
                f"{dirty}: commit or stash them; {where}",
                pending_commit=True,
            )
        state = replace(state, written_sha256=_sha256(data))
        pending.save(state)  # before writing: a crash in between leaves our file, known as ours
        write_text_atomic(config_path, state.config_text)
        outcome = commit_config(
            repo_path, config_path, _combined_message(state.messages), push=False
        )
        if outcome.status == "error":
            return replace(outcome, message=f"{outcome.message}; {where}", pending_commit=True)
        branch = repo.active_branch.name
        state = replace(
            state,
            config_text=None,
            messages=[],
            push_branch=branch if push and outcome.status == "committed" else state.push_branch,
        )
        pending.save(state)
    if state.push_branch is None or not push:
        return outcome
    repo = open_repo(repo_path)
    if repo is None:
        return outcome
    pushed, push_text = push_branch(repo, state.push_branch, remote)
    if pushed is not False:
        pending.save(replace(state, push_branch=None))
    else:
        push_text += "; the commit stays local and the push is retried later"
    if outcome is None:
        return CommitOutcome(
            "skipped", push_text, pushed=bool(pushed), pending_push=pushed is False
        )
    return replace(
        outcome,
        message=f"{outcome.message}; {push_text}",
        pushed=bool(pushed),
        pending_push=pushed is False,
    )


def publish_config(
    repo_path: str | Path,
    config_path: str | Path,
    config_text: str,
    message: str,
    *,
    pending_path: str | Path,
    push: bool = False,
    remote: str | None = None,
) -> CommitOutcome:
    """Write an accepted config (``dump_config`` text) to ``config_path`` and commit it.

    The improvement goes into the pending file first, so a crash, a user's local change to
    ``config.yaml``, a detached HEAD or a git failure loses nothing: the outcome says what
    stood in the way, and :func:`retry_pending` commits it once that is resolved.
    """
    store = PendingCommits(pending_path)
    try:
        state = store.load()
    except ValueError as e:  # unreadable: keep it for a look, start afresh
        aside = store.path.with_name(store.path.name + ".corrupt")
        os.replace(store.path, aside)
        log.warning("%s; moved to %s", e, aside)
        state = PendingState()
    store.save(replace(state, config_text=config_text, messages=[*state.messages, message]))
    outcome = _safe_flush(repo_path, config_path, store, push, remote)
    assert outcome is not None  # a config was pending
    level = (
        logging.INFO
        if outcome.status == "committed" and not outcome.pending_push
        else logging.WARNING
    )
    log.log(level, "%s", outcome.message)
    return outcome


def retry_pending(
    repo_path: str | Path,
    config_path: str | Path,
    *,
    pending_path: str | Path,
    push: bool = False,
    remote: str | None = None,
) -> CommitOutcome | None:
    """Retry a pending commit or push; None when nothing is pending."""
    store = PendingCommits(pending_path)
    state = store.load()
    if state.config_text is None and (state.push_branch is None or not push):
        return None
    return _safe_flush(repo_path, config_path, store, push, remote)


def _safe_flush(
    repo_path: str | Path,
    config_path: str | Path,
    pending: PendingCommits,
    push: bool,
    remote: str | None,
) -> CommitOutcome | None:
    """``_flush``, with file system and git failures as an ``error`` outcome (the pending
    file already holds the work, so training goes on and the next iteration retries)."""
    try:
        return _flush(repo_path, config_path, pending, push, remote)
    except (OSError, git.GitError, ValueError) as e:
        return CommitOutcome(
            "error",
            f"cannot commit the improvement ({type(e).__name__}: {e}); "
            f"it is kept in {pending.path} and retried later",
            pending_commit=True,
        )


def has_pending(pending_path: str | Path) -> bool:
    """True if an improvement or a push waits in the pending file."""
    state = PendingCommits(pending_path).load()
    return state.config_text is not None or state.push_branch is not None
