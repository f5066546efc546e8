"""Publishing an accepted config: record it in the pending file first, then write
``config.yaml`` and commit it (and push), unless something stands in the way; whatever stays
pending is retried once per iteration until it succeeds.

What stands in the way: a ``config.yaml`` with changes the trainer did not make, a detached
HEAD, a failed commit or push. Then the outcome says what and why, nothing of the user's is
overwritten, and :func:`retry_pending` tries again later.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import git

from snaketrain.configio import write_text_atomic
from snaketrain.gitops.message import combined_message
from snaketrain.gitops.pending import PendingCommits, PendingState
from snaketrain.gitops.repo import (
    CommitOutcome,
    check_config_clean,
    commit_config,
    detached_head,
    open_repo,
    push_branch,
    sha256,
)

log = logging.getLogger(__name__)


def _kept(pending: PendingCommits) -> str:
    return f"the improvement is kept in {pending.path} and committed later"


def _write_without_git(
    repo_path: str | Path, config_path: str | Path, pending: PendingCommits, state: PendingState
) -> CommitOutcome:
    """No repository: write config.yaml unless a user changed what the trainer last wrote."""
    assert state.config_text is not None
    data = state.config_text.encode("utf-8")
    try:
        current: bytes | None = Path(config_path).read_bytes()
    except FileNotFoundError:
        current = None
    ours = {state.written_sha256, sha256(data)}
    if current is not None and state.written_sha256 and sha256(current) not in ours:
        return CommitOutcome(
            "skipped", f"{config_path} has local changes; {_kept(pending)}", pending_commit=True
        )
    pending.save(replace(state, written_sha256=sha256(data)))
    write_text_atomic(config_path, state.config_text)
    pending.save(PendingState(written_sha256=sha256(data)))
    return CommitOutcome("skipped", f"{repo_path} is not a git repository: no commit")


def _in_the_way(
    repo: git.Repo, config_path: str | Path, pending: PendingCommits, state: PendingState
) -> CommitOutcome | None:
    """A detached HEAD or a user's change to config.yaml, as a pending ``skipped`` outcome."""
    assert state.config_text is not None
    detached = detached_head(repo)
    if detached is not None:
        return CommitOutcome("skipped", f"{detached}; {_kept(pending)}", pending_commit=True)
    ours = {state.written_sha256, sha256(state.config_text.encode("utf-8"))}
    dirty = check_config_clean(repo, config_path, ours)
    if dirty is not None:
        return CommitOutcome(
            "skipped", f"{dirty}: commit or stash them; {_kept(pending)}", pending_commit=True
        )
    return None


def _write_and_commit(
    repo: git.Repo,
    repo_path: str | Path,
    config_path: str | Path,
    pending: PendingCommits,
    state: PendingState,
    push: bool,
) -> tuple[CommitOutcome, PendingState]:
    """Write config.yaml and commit it; the state after (the improvement done, the push to
    do), already saved. A failed commit keeps the improvement pending."""
    assert state.config_text is not None
    state = replace(state, written_sha256=sha256(state.config_text.encode("utf-8")))
    pending.save(state)  # before writing: a crash in between leaves our file, known as ours
    write_text_atomic(config_path, state.config_text)
    outcome = commit_config(repo_path, config_path, combined_message(state.messages), push=False)
    if outcome.status == "error":
        failed = replace(outcome, message=f"{outcome.message}; {_kept(pending)}")
        return replace(failed, pending_commit=True), state
    state = replace(
        state,
        config_text=None,
        messages=[],
        push_branch=(
            repo.active_branch.name if push and outcome.status == "committed" else state.push_branch
        ),
    )
    pending.save(state)
    return outcome, state


def _push_pending(
    repo_path: str | Path,
    pending: PendingCommits,
    state: PendingState,
    remote: str | None,
    outcome: CommitOutcome | None,
) -> CommitOutcome | None:
    """Push the branch still to push; ``outcome`` (the commit's, if one was made now) says so
    too."""
    assert state.push_branch is not None
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


def _flush(
    repo_path: str | Path,
    config_path: str | Path,
    pending: PendingCommits,
    push: bool,
    remote: str | None,
) -> CommitOutcome | None:
    """Do what the pending file holds: the improvement, then the push."""
    state = pending.load()
    outcome: CommitOutcome | None = None
    if state.config_text is not None:
        repo = open_repo(repo_path)
        if repo is None:
            return _write_without_git(repo_path, config_path, pending, state)
        blocked = _in_the_way(repo, config_path, pending, state)
        if blocked is not None:
            return blocked
        outcome, state = _write_and_commit(repo, repo_path, config_path, pending, state, push)
        if outcome.pending_commit:
            return outcome
    if state.push_branch is None or not push:
        return outcome
    return _push_pending(repo_path, pending, state, remote, outcome)


def _safely(
    pending: PendingCommits, step: Callable[[], CommitOutcome | None]
) -> CommitOutcome | None:
    """``step()``, with file system and git failures as an ``error`` outcome (the pending
    file already holds the work, so training goes on and the next iteration retries)."""
    try:
        return step()
    except (OSError, git.GitError, ValueError) as e:
        return CommitOutcome(
            "error",
            f"cannot commit the improvement ({type(e).__name__}: {e}); "
            f"it is kept in {pending.path} and retried later",
            pending_commit=True,
        )


def _with_warning(outcome: CommitOutcome, warning: str | None) -> CommitOutcome:
    return outcome if warning is None else replace(outcome, message=f"{warning}; {outcome.message}")


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
    stood in the way, and :func:`retry_pending` commits it once that is resolved. An
    unreadable pending file is moved aside first; the outcome's message then starts with
    that warning.
    """
    store = PendingCommits(pending_path)
    state, warning = store.load_or_move_aside()
    store.save(replace(state, config_text=config_text, messages=[*state.messages, message]))
    outcome = _safely(store, lambda: _flush(repo_path, config_path, store, push, remote))
    assert outcome is not None  # a config was pending
    outcome = _with_warning(outcome, warning)
    quiet = outcome.status == "committed" and not outcome.pending_push and warning is None
    log.log(logging.INFO if quiet else logging.WARNING, "%s", outcome.message)
    return outcome


def retry_pending(
    repo_path: str | Path,
    config_path: str | Path,
    *,
    pending_path: str | Path,
    push: bool = False,
    remote: str | None = None,
) -> CommitOutcome | None:
    """Retry a pending commit or push; None when nothing is pending. An unreadable pending
    file is moved aside: then a ``skipped`` outcome whose message is that warning."""
    store = PendingCommits(pending_path)

    def step() -> CommitOutcome | None:
        state, warning = store.load_or_move_aside()
        if warning is not None:  # moved aside: nothing is pending any more
            return CommitOutcome("skipped", warning)
        if state.config_text is None and (state.push_branch is None or not push):
            return None
        return _flush(repo_path, config_path, store, push, remote)

    return _safely(store, step)
