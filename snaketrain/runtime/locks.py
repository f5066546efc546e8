"""Never two trainers on one results folder, nor on one repository (advisory locks).

``snaketrain train`` fails at once when another trainer holds either (``exclusive``); a
deployed run waits for it instead (``wait=``: a re-run the automation started beside a run
wrongly marked Crashed, or a ``snaketrain train`` on the same folder, goes on once the other
one stops). A lock is held by an open file: a killed trainer's goes with its process."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

#: Seconds between two tries of a waiting lock.
WAIT_POLL_S = 1.0
_HELD: set[Path] = set()  # lock files this process holds


class TrainingBusy(RuntimeError):
    """Another trainer holds the results folder or the repository."""


class ResultsNotWritable(OSError):
    """The results folder cannot be created or written."""


@contextlib.contextmanager
def _flock(
    path: Path, busy: str, advice: str, wait: Callable[[str], None] | None
) -> Iterator[None]:
    """Hold ``path``; busy: raise TrainingBusy (``wait`` None) or call ``wait`` once with
    the reason and try again every WAIT_POLL_S seconds until it is free."""
    key = path.resolve()
    with open(path, "a") as handle:
        told = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if wait is None:
                    raise TrainingBusy(f"{busy}; {advice}") from None
                if not told:
                    wait(f"{busy}: waiting until it stops (lock {path})")
                    told = True
                time.sleep(WAIT_POLL_S)
        _HELD.add(key)
        try:
            yield
        finally:
            _HELD.discard(key)


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


def held(results_dir: str | Path) -> bool:
    """Whether this process holds the results folder's lock (``snaketrain train`` does,
    around the flow it runs)."""
    return (Path(results_dir) / ".lock").resolve() in _HELD


@contextlib.contextmanager
def results_lock(
    results_dir: Path, wait: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold the results folder (see ``_flock`` for ``wait``); ResultsNotWritable when the
    folder cannot be written."""
    _writable(results_dir)
    with _flock(
        results_dir / ".lock",
        f"another snaketrain is training into {results_dir}",
        "stop it first",
        wait,
    ):
        yield


@contextlib.contextmanager
def repo_lock(
    repo_path: Path, results_dir: Path, wait: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold the repository (see ``_flock`` for ``wait``)."""
    lock = _repo_lock_path(repo_path, results_dir)
    with _flock(
        lock,
        f"another snaketrain is committing to {repo_path} (lock {lock})",
        "stop it first: two trainers on one repository would commit over each other",
        wait,
    ):
        yield


@contextlib.contextmanager
def exclusive(results_dir: Path, repo_path: Path | None = None) -> Iterator[None]:
    """Hold the results folder (and the repository, when given) for this trainer; released on
    any exit. Raises TrainingBusy when another trainer holds either, ResultsNotWritable when
    the folder cannot be written."""
    with results_lock(results_dir):
        if repo_path is None:
            yield
            return
        with repo_lock(repo_path, results_dir):
            yield
