"""The pending file (``pending_commits.json`` in the results folder): an improvement git
could not take yet, or a commit still to push. Written atomically; an unreadable one is
moved aside (``.corrupt``) and training goes on as if nothing were pending."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from snaketrain.configio import write_text_atomic
from snaketrain.corrupt import save_corrupt_copy

log = logging.getLogger(__name__)

PENDING_NAME = "pending_commits.json"


class PendingFileError(ValueError):
    """The pending file cannot be read; the message names the file and what is wrong."""


@dataclass(frozen=True)
class PendingState:
    """What is still to do. ``config_text`` + ``messages``: an improvement (the latest wins;
    earlier messages are kept for the commit). ``push_branch``: a commit still to push.
    ``written_sha256``: the config.yaml the trainer last wrote (its own change, not a user's)."""

    config_text: str | None = None
    messages: list[str] = field(default_factory=list)
    push_branch: str | None = None
    written_sha256: str | None = None

    @property
    def empty(self) -> bool:
        """Nothing to commit and nothing to push."""
        return self.config_text is None and self.push_branch is None


def _optional_text(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{key!r} is a {type(value).__name__}, not a string or null")
    return value


def state_from_json(data: Any) -> PendingState:
    """The state from the parsed file; ValueError naming the first field of a wrong type.
    Unknown keys are ignored."""
    if not isinstance(data, dict):
        raise ValueError(f"a JSON {type(data).__name__}, not an object")
    messages = data.get("messages", [])
    if not isinstance(messages, list) or not all(isinstance(m, str) for m in messages):
        raise ValueError("'messages' is not a list of strings")
    return PendingState(
        config_text=_optional_text(data, "config_text"),
        messages=list(messages),
        push_branch=_optional_text(data, "push_branch"),
        written_sha256=_optional_text(data, "written_sha256"),
    )


class PendingCommits:
    """The pending file at ``path``."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def load(self) -> PendingState:
        """The state (empty when there is no file); PendingFileError if it cannot be read.
        Changes nothing on disk."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return PendingState()
        except OSError as e:
            raise PendingFileError(f"{self.path}: cannot read the pending commits: {e}") from None
        return self._parse(raw)

    def _parse(self, raw: bytes) -> PendingState:
        try:
            return state_from_json(json.loads(raw))
        except (ValueError, RecursionError) as e:  # also JSON and UTF-8 decoding errors
            raise PendingFileError(f"{self.path}: not a pending-commits file: {e}") from None

    def load_or_move_aside(self) -> tuple[PendingState, str | None]:
        """The state, and None; or, for an unreadable file, an empty state and the warning.

        The unreadable file is moved to ``<name>.corrupt`` (``.corrupt.1``, ... when earlier
        ones exist), so the trainer goes on as if nothing were pending and nothing is lost.
        The warning (one line naming both files) is the caller's to log or show.
        """
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return PendingState(), None
        try:
            return self._parse(raw), None
        except PendingFileError as e:
            aside = save_corrupt_copy(self.path, raw)
            os.unlink(self.path)
            return PendingState(), f"{e}; moved to {aside}, going on without a pending commit"

    def save(self, state: PendingState) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(self.path, json.dumps(asdict(state), indent=2) + "\n")


def has_pending(pending_path: str | Path) -> bool:
    """True if an improvement or a push waits in the pending file (an unreadable file is moved
    aside with a logged warning: then nothing waits)."""
    state, warning = PendingCommits(pending_path).load_or_move_aside()
    if warning is not None:
        log.warning("%s", warning)
    return not state.empty
