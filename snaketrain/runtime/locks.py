"""Never two trainers on one results folder, nor on one repository (advisory locks)."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path


class TrainingBusy(RuntimeError):
    """Another trainer holds the results folder or the repository."""


class ResultsNotWritable(OSError):
    """The results folder cannot be created or written."""


@contextlib.contextmanager
def _flock(path: Path, busy: str) -> Iterator[None]:
    with open(path, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise TrainingBusy(busy) from None
        yield


def _writable(results_dir: Path) -> None:
    try:
        results_dir.mkdir(parents=True, exist_ok=True)
        probe = results_dir / ".write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as err:
        raise ResultsNotWritable(
            f"cannot write to the results folder {results_dir} ({err.strerror or err}); "
            "make it writable or choose another with --results"
        ) from None


def _repo_lock_path(repo_path: Path, results_dir: Path) -> Path:
    """A lock file for the repository, outside its work tree (nothing shows in git status):
    in the repository's git directory when there is one, else beside the results."""
    git_dir = repo_path / ".git"
    if git_dir.is_dir() and os.access(git_dir, os.W_OK):
        return git_dir / "snaketrain.lock"
    name = hashlib.sha256(str(repo_path.resolve()).encode()).hexdigest()[:16]
    return results_dir / f".repo-{name}.lock"


@contextlib.contextmanager
def exclusive(results_dir: Path, repo_path: Path | None = None) -> Iterator[None]:
    """Hold the results folder (and the repository, when given) for this trainer; released on
    any exit. Raises TrainingBusy when another trainer holds either, ResultsNotWritable when
    the folder cannot be written."""
    _writable(results_dir)
    with _flock(
        results_dir / ".lock", f"another snaketrain is training into {results_dir}; stop it first"
    ):
        if repo_path is None:
            yield
            return
        lock = _repo_lock_path(repo_path, results_dir)
        with _flock(
            lock,
            f"another snaketrain is committing to {repo_path} (lock {lock}); "
            "stop it first: two trainers on one repository would commit over each other",
        ):
            yield
