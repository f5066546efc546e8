"""guard: what a training run holds and checks before it trains.

``holding`` takes the results folder's lock (``snaketrain.runtime.locks``) for the run, then
the repository's once the run knows it: a second run on the same folder (the automation's
re-run of a run wrongly marked Crashed that still lives, a ``snaketrain train`` there) waits,
logging why, until the first one stops; it never trains beside it. Under ``snaketrain train``
the command holds both already. ``check_rerun`` counts the crash a re-run follows and refuses
after too many in a row (``snaketrain.training.reruns``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from snaketrain.runtime import locks
from snaketrain.training import reruns
from snaketrain.trainlog import LOG_NAME, TrainingLog


def _waiting(message: str) -> None:
    get_run_logger().warning(message)


@contextlib.contextmanager
def holding(results_dir: str) -> Iterator[None]:
    """The results folder, for the run (waiting while another trainer holds it)."""
    if locks.held(results_dir):  # the `snaketrain train` command around this flow
        yield
        return
    with locks.results_lock(Path(results_dir).resolve(), wait=_waiting):
        yield


@contextlib.contextmanager
def holding_repo(repo_path: str, results_dir: str) -> Iterator[None]:
    """The repository, for the run (waiting while another trainer holds it)."""
    if locks.held(results_dir):  # the command holds the repository too
        yield
        return
    with locks.repo_lock(Path(repo_path).resolve(), Path(results_dir).resolve(), _waiting):
        yield


@task(name="check-rerun", cache_policy=NO_CACHE, persist_result=False)
def check_rerun(results_dir: str, rerun_of: str | None) -> None:
    """A re-run of the crashed run ``rerun_of`` counts its crash; it raises TooManyCrashes
    after ``reruns.MAX_CRASHES`` in a row with no iteration finished. A run started by hand
    (``rerun_of`` None) starts the count again."""
    if rerun_of is None:
        reruns.forget(results_dir)
        return
    last = TrainingLog(Path(results_dir) / LOG_NAME, repair=False).last_iteration() or 0
    counted = reruns.note_rerun(results_dir, rerun_of, last)
    get_run_logger().info(
        "re-run of crashed run %s: %d crash(es) in a row since iteration %d (re-runs stop at %d)",
        rerun_of,
        len(counted.runs),
        counted.after,
        reruns.MAX_CRASHES,
    )
