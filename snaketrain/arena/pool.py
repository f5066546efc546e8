"""The one pool of local worker processes that play games in parallel on CPU.

Workers are spawned (never forked: the parent has threads and torch state), run one torch
thread each and ignore SIGINT: Ctrl+C is the parent's to handle, and the parent stops its
pools (``WorkerPool.terminate``, which leaving a ``with`` block on an exception does).

Workers exit when the parent dies, even by kill -9. Each worker is given its parent's pid when
it is spawned and compares it with ``os.getppid()`` as soon as it has started (the parent may
have died while the worker was still importing) and then every ``WATCH_S`` seconds. A parent's
pid read inside the worker would be wrong exactly then: it would already be init's. Linux's
PR_SET_PDEATHSIG is not used: it fires when the parent *thread* that spawned the worker ends,
and a pool spawns its workers from whichever thread submits work (a Prefect task thread that
ends with its flow), so it would kill healthy workers (or, as a handled signal, interrupt
their system calls at random).

``shared_pool`` is one process-wide pool for callers on many threads (the training flow's
shard tasks); ``ShardPool`` is the ``PlayPairs`` of ``snaketrain bench --shards``.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.queues import SimpleQueue
from typing import Any, TypeVar

import numba
import torch

from snaketrain.arena.pairs import MatchSetup, play_pairs, shard_pairs
from snaketrain.arena.result import MatchResult
from snaketrain.arena.shutdown import ExitingError, exiting
from snaketrain.snake.policy import BatchedPolicy

T = TypeVar("T")

#: Seconds between a worker's checks that its parent is alive.
WATCH_S = 0.5
#: Seconds between progress reports while waiting on a pool with progress.
PROGRESS_S = 0.1

#: Builds a policy from a picklable reference (a built-in name or a config path).
Build = Callable[[str], BatchedPolicy]

# In a worker of a pool made with ``progress=True``: where ``report`` sends finished games.
_progress: SimpleQueue[int] | None = None


def _start_worker(parent: int, progress: SimpleQueue[int] | None) -> None:
    """A worker's initializer: no SIGINT, exit with the parent, one torch thread."""
    global _progress
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if os.getppid() != parent:  # the parent died while this worker was starting
        os._exit(0)

    def exit_with_parent() -> None:
        while os.getppid() == parent:
            time.sleep(WATCH_S)
        os._exit(0)

    threading.Thread(target=exit_with_parent, name="exit-with-parent", daemon=True).start()
    torch.set_num_threads(1)
    numba.set_num_threads(1)  # the compiled path: one core per worker, as torch
    _progress = progress


def report(games: int) -> None:
    """Count ``games`` finished games towards the pool's progress; does nothing outside a
    worker of a pool made with ``progress=True``."""
    if _progress is not None:
        _progress.put(games)


class WorkerPool:
    """``processes`` spawned worker processes (see the module docstring); a context manager.

    ``progress=True`` lets work running in the workers count finished games with
    :func:`report`; :meth:`gather` passes the counts on. Safe to submit from many threads.
    """

    def __init__(self, processes: int, progress: bool = False) -> None:
        if processes < 1:
            raise ValueError(f"a pool needs at least 1 process, got {processes}")
        self.processes = processes
        ctx = multiprocessing.get_context("spawn")
        self._progress: SimpleQueue[int] | None = ctx.SimpleQueue() if progress else None
        self._broken = False
        self._executor = ProcessPoolExecutor(
            processes,
            mp_context=ctx,
            initializer=_start_worker,
            initargs=(os.getpid(), self._progress),
        )

    @property
    def broken(self) -> bool:
        """A worker died abruptly: the pool takes no more work (make a new one)."""
        return self._broken

    def submit(self, fn: Callable[..., T], /, *args: Any) -> Future[T]:
        """Run ``fn(*args)`` in a worker; ``fn`` and ``args`` must be picklable."""
        try:
            future = self._executor.submit(fn, *args)
        except BrokenProcessPool:
            self._broken = True
            raise
        future.add_done_callback(self._note_broken)
        return future

    def _note_broken(self, future: Future[Any]) -> None:
        if not future.cancelled() and isinstance(future.exception(), BrokenProcessPool):
            self._broken = True

    def gather(
        self, futures: Sequence[Future[T]], progress: Callable[[int], None] | None = None
    ) -> list[T]:
        """The results of ``futures``, in order (the first failure is raised); meanwhile the
        games the workers :func:`report` are passed to ``progress``. A pool made with
        ``progress=True`` must be waited on here, by one thread at a time: its reports are
        read nowhere else."""
        queue = self._progress
        if queue is None:
            return [f.result() for f in futures]
        count = progress or (lambda _games: None)
        pending: set[Future[T]] = set(futures)
        while True:
            _, pending = wait(pending, timeout=PROGRESS_S)
            while not queue.empty():  # a worker reports its games before it returns
                count(queue.get())
            if not pending:
                return [f.result() for f in futures]

    def close(self, wait: bool = True) -> None:
        """Take no more work; what was submitted still runs, then the workers exit.
        ``wait``: return only when they have."""
        self._executor.shutdown(wait=wait)

    def terminate(self) -> None:
        """Stop now: work not yet started is cancelled and running workers are killed (their
        futures fail with ``BrokenProcessPool``); returns when the workers are gone."""
        processes = list((getattr(self._executor, "_processes", None) or {}).values())
        for p in processes:  # ProcessPoolExecutor.terminate_workers does this from 3.14 on
            if p.is_alive():
                p.terminate()
        self._executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        if exc_type is None:
            self.close()
        else:  # Ctrl+C or a failure: nobody waits for the results
            self.terminate()


_shared: WorkerPool | None = None
_shared_lock = threading.Lock()


def shared_pool(processes: int) -> WorkerPool:
    """The process-wide pool of ``processes`` workers, made on first use; callers on any
    thread get the same one. Asked for another size (or after a worker died) it is replaced:
    work already submitted to the old pool still finishes, new work goes to the new one.

    Not while the process is exiting (:class:`ExitingError`): a flow run stopped by SIGTERM
    has its workers killed with it, and its task threads, still joined at exit, would
    otherwise retry their shards on a new pool and hold the process for the whole shard
    (the >35 s a Prefect worker waited at shutdown before it killed the run)."""
    global _shared
    if exiting():
        raise ExitingError("this process is exiting: no new worker pool")
    with _shared_lock:
        if _shared is not None and (_shared.processes != processes or _shared.broken):
            _shared.close(wait=False)
            _shared = None
        if _shared is None:
            _shared = WorkerPool(processes)
        return _shared


def close_shared_pool() -> None:
    """Stop the process-wide pool now (see ``WorkerPool.terminate``), if there is one."""
    global _shared
    with _shared_lock:
        pool, _shared = _shared, None
    if pool is not None:
        pool.terminate()


def play_refs(
    build: Build,
    refs: Sequence[str],
    names: Sequence[str],
    setup: MatchSetup,
    pairs: Sequence[int],
) -> MatchResult:
    """``play_pairs`` of the policies ``build(ref)``: ``refs[0]`` the candidate, the rest its
    opponents, labelled ``names``. Picklable with a module-level ``build``, so it is what a
    pool's workers run; in a worker of a pool with progress, finished games are reported."""
    policies = [build(r) for r in refs]
    progress = report if _progress is not None else None
    return play_pairs(policies[0], policies[1:], setup, pairs, progress, names)


class ShardPool:
    """Plays pairs split into ``shards`` shards (``i % shards``) on a ``WorkerPool`` of
    ``shards`` processes and merges them: a ``PlayPairs``. Use as a context manager.

    ``build`` must be picklable (a module-level function); ``refs`` are the candidate's and
    the opponents' references passed to it, ``names`` their labels. ``progress(k)`` is
    called in this process with the number of games just finished in the workers.
    """

    def __init__(
        self,
        build: Build,
        refs: Sequence[str],
        names: Sequence[str],
        setup: MatchSetup,
        shards: int,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        if shards < 1:
            raise ValueError(f"shards must be >= 1, got {shards}")
        self.build, self.refs, self.names = build, list(refs), list(names)
        self.setup, self.shards, self.progress = setup, shards, progress
        self.pool = WorkerPool(shards, progress=progress is not None)

    def __call__(self, pairs: Sequence[int]) -> MatchResult:
        futures = [
            self.pool.submit(
                play_refs,
                self.build,
                self.refs,
                self.names,
                self.setup,
                shard_pairs(pairs, k, self.shards),
            )
            for k in range(self.shards)
        ]
        return MatchResult.merge(self.pool.gather(futures, self.progress))

    def close(self) -> None:
        self.pool.close()

    def terminate(self) -> None:
        self.pool.terminate()

    def __enter__(self) -> ShardPool:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        self.pool.__exit__(exc_type, *exc)
