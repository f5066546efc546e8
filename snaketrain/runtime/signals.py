"""How Ctrl+C and SIGTERM stop training: one handler, two uses.

- The ``snaketrain train`` command stops *now* (``stop_now``): it kills its child processes
  (shard workers, the local Prefect API), says so and exits 0. Everything finished is
  already persisted (steps, shards, log lines and config.yaml are written atomically), and
  the same command resumes, replaying no finished step: the way a crash stops, on purpose.
  Prefect's engine installs its own SIGTERM handler while a flow runs in the main thread and
  then waits for running work (seconds, a whole shard); the command therefore runs the flow
  in a worker thread, where Prefect installs none, and keeps the signals in the main thread.
- A Python program that calls ``ContinuousTrainer.train`` gets SIGTERM as a
  KeyboardInterrupt (``sigterm_as_interrupt``), like Ctrl+C.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from types import FrameType
from typing import TypeVar

T = TypeVar("T")

STOPPED = "snaketrain train: stopped. Finished steps are saved; run the same command to resume."


@contextlib.contextmanager
def on_signals(handler: Callable[[int], None], signals: tuple[int, ...]) -> Iterator[None]:
    """Run ``handler(signum)`` on each of ``signals`` while inside (main thread only; in any
    other thread, or when someone already handles SIGTERM, signals are left alone)."""

    def handle(signum: int, _frame: FrameType | None) -> None:
        handler(signum)

    try:
        old = [signal.signal(s, handle) for s in signals]
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        for s, h in zip(signals, old, strict=True):
            signal.signal(s, h)


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM stops training like Ctrl+C does (a KeyboardInterrupt in the main thread),
    unless the program handles SIGTERM itself."""

    def interrupt(_signum: int) -> None:
        raise KeyboardInterrupt

    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield
        return
    with on_signals(interrupt, (signal.SIGTERM,)):
        yield


def kill_children(grace_s: float = 0.5, rounds: int = 5) -> None:
    """Terminate every descendant process, then kill what is left after ``grace_s``; again
    for the processes started meanwhile, until none is left (at most ``rounds`` times).

    The training flow still runs in its thread while this waits: a shard task that sees its
    pool's workers die gets a new pool, whose workers would otherwise outlive the trainer
    by the seconds they take to start and notice (the fault-injection runs found one alive
    3 s after a SIGTERM)."""
    import psutil

    me = psutil.Process()
    for _ in range(rounds):
        try:
            children = me.children(recursive=True)
        except psutil.Error:
            return
        if not children:
            return
        for child in children:
            with contextlib.suppress(psutil.Error):
                child.terminate()
        _gone, alive = psutil.wait_procs(children, timeout=grace_s)
        for child in alive:
            with contextlib.suppress(psutil.Error):
                child.kill()
        psutil.wait_procs(alive, timeout=grace_s)


def stop_now(_signum: int) -> None:
    """The command's stop: children gone, one line, exit 0 (see the module docstring).
    Logging is silenced first: the flow thread, still running, would otherwise log the
    failures of the work whose processes are being killed (a BrokenProcessPool traceback)."""
    logging.disable(logging.CRITICAL)
    kill_children()
    print(f"\n{STOPPED}", file=sys.stderr, flush=True)
    os._exit(0)


def run_stoppable(work: Callable[[], T]) -> T:
    """``work()`` in a worker thread (with this thread's context: Prefect's settings travel
    in context variables) while this, the main thread, waits and takes Ctrl+C / SIGTERM with
    ``stop_now``. Returns work's result or raises its exception."""
    outcome: dict[str, object] = {}
    context = contextvars.copy_context()

    def body() -> None:
        try:
            outcome["value"] = context.run(work)
        except BaseException as err:  # handed to the main thread
            outcome["error"] = err

    thread = threading.Thread(target=body, name="snaketrain-train", daemon=True)
    with on_signals(stop_now, (signal.SIGINT, signal.SIGTERM)):
        thread.start()
        while thread.is_alive():
            thread.join(0.2)
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]
