"""Committing an improved ``config.yaml`` to git: only that file, never over a user's edits.

- ``message``: :func:`commit_message` writes the message, the title ``Automated training
  improvement: XX.XX% win rate (+Y.YY%)`` and a body with the evidence and the changed
  parameters (``(key, old, new)`` tuples).
- ``repo``: the git plumbing. :func:`commit_config` commits ``config.yaml`` as it is on disk,
  alone (``git commit -- config.yaml``: other staged or modified files of the user stay as
  they are), with the repository's identity, or ``Automated Training Bot`` where none is
  configured; then pushes when asked and a remote exists.
- ``pending``: the pending file (``pending_commits.json`` in the results folder); an
  unreadable one is moved aside to ``.corrupt`` with a warning, never a crash.
- ``publish``: :func:`publish_config` is the trainer's entry point: it records the
  improvement in the pending file first, then writes ``config.yaml`` atomically and commits
  it, unless something stands in the way (a ``config.yaml`` with changes the trainer did not
  make, a detached HEAD, a failed commit or push). Then the outcome says what and why,
  nothing of the user's is overwritten, and :func:`retry_pending` (called once per
  iteration) tries again until it succeeds.
"""

from snaketrain.gitops.message import TITLE_PREFIX, as_changes, commit_message, format_value
from snaketrain.gitops.pending import (
    PENDING_NAME,
    PendingCommits,
    PendingFileError,
    PendingState,
    has_pending,
)
from snaketrain.gitops.publish import publish_config, retry_pending
from snaketrain.gitops.repo import (
    BOT_EMAIL,
    BOT_NAME,
    PUSH_TIMEOUT_S,
    CommitOutcome,
    check_config_clean,
    commit_config,
    identity_env,
    open_repo,
    push_branch,
)

__all__ = [
    "BOT_EMAIL",
    "BOT_NAME",
    "PENDING_NAME",
    "PUSH_TIMEOUT_S",
    "TITLE_PREFIX",
    "CommitOutcome",
    "PendingCommits",
    "PendingFileError",
    "PendingState",
    "as_changes",
    "check_config_clean",
    "commit_config",
    "commit_message",
    "format_value",
    "has_pending",
    "identity_env",
    "open_repo",
    "publish_config",
    "push_branch",
    "retry_pending",
]
