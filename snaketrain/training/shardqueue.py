"""A queue of benchmark shards in the shared results folder: how one long-lived flow run on a
work pool plays many shards, instead of a fresh flow run (worker polling, a new Python
process, imports) for every shard.

A queue is a folder, ``<results>/shard-queue/<name>/``, written by one trainer and served by
one process (a benchmark deployment's flow run):

- ``jobs/<key>.json``: a shard to play (``ShardSpec.to_dict``), written atomically;
- ``claimed/<key>.json``: the same file, renamed by the server that is playing it;
- the result is the shard's own file, ``<results>/shards/<key>.json`` (``ShardSpec.file``),
  written atomically: a shard whose result is there is never played again;
- ``stop``: the trainer is done with the queue; its server ends.

Every step is a rename or an atomic write, so a server killed mid-shard leaves a claim that
:meth:`ShardQueue.release` puts back, and a trainer killed mid-batch leaves jobs that an idle
server stops waiting for after ``idle_s``.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from snaketrain.arena.result import MatchResult
from snaketrain.configio import write_text_atomic
from snaketrain.training.shards import ShardSpec, record_run

QUEUE_DIR = "shard-queue"


@dataclass(frozen=True)
class ShardQueue:
    """The queue ``name`` of the results folder ``results_dir``."""

    results_dir: Path
    name: str

    @staticmethod
    def of(results_dir: str | Path, name: str) -> ShardQueue:
        if not name or "/" in name or name.startswith("."):
            raise ValueError(f"a queue name is one plain folder name, got {name!r}")
        return ShardQueue(Path(results_dir), name)

    @property
    def root(self) -> Path:
        return self.results_dir / QUEUE_DIR / self.name

    def _jobs(self) -> Path:
        return self.root / "jobs"

    def _claimed(self) -> Path:
        return self.root / "claimed"

    def result(self, spec: ShardSpec) -> MatchResult | None:
        """The shard's result, once a server (or an earlier run) has left it."""
        try:
            return MatchResult.from_json(spec.file(self.results_dir).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None

    def put(self, spec: ShardSpec) -> None:
        """Ask for the shard (nothing to do when its result is already there)."""
        if spec.file(self.results_dir).exists():
            return
        self._jobs().mkdir(parents=True, exist_ok=True)
        self._claimed().mkdir(parents=True, exist_ok=True)
        write_text_atomic(self._jobs() / f"{spec.key}.json", json.dumps(spec.to_dict()))

    def take(self) -> ShardSpec | None:
        """Claim the oldest waiting shard (None when none waits)."""
        try:
            waiting = sorted(self._jobs().glob("*.json"), key=_mtime)
        except FileNotFoundError:
            return None
        for job in waiting:
            claim = self._claimed() / job.name
            try:
                job.rename(claim)
            except FileNotFoundError:  # gone meanwhile
                continue
            return ShardSpec.from_dict(json.loads(claim.read_text(encoding="utf-8")))
        return None

    def finish(self, spec: ShardSpec, result: MatchResult) -> None:
        """Leave the shard's result and drop its claim."""
        path = spec.file(self.results_dir)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, result.to_json())
        (self._claimed() / f"{spec.key}.json").unlink(missing_ok=True)

    def release(self) -> int:
        """Put the shards a dead server had claimed back in the queue; returns how many."""
        n = 0
        for claim in self._claimed().glob("*.json") if self._claimed().exists() else []:
            try:
                claim.rename(self._jobs() / claim.name)
                n += 1
            except FileNotFoundError:
                continue
        return n

    def stop(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "stop").touch()

    @property
    def stopped(self) -> bool:
        return (self.root / "stop").exists()


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except FileNotFoundError:
        return 0


def play_and_record(
    queue: ShardQueue, spec: ShardSpec, play: Callable[[ShardSpec], MatchResult]
) -> MatchResult:
    """Play one claimed shard, leave its result, and log it in ``benchmark_runs.jsonl`` (a
    shard whose result an earlier server left is not played, nor logged, again)."""
    done = queue.result(spec)
    if done is not None:
        queue.finish(spec, done)
        return done
    t0 = time.perf_counter()
    result = play(spec)
    queue.finish(spec, result)
    record_run(queue.results_dir, spec.key, result.games, time.perf_counter() - t0)
    return result


def serve(
    queue: ShardQueue,
    play: Callable[[ShardSpec], MatchResult],
    idle_s: float = 120.0,
    poll_s: float = 0.02,
    alive: Callable[[], bool] = lambda: True,
    on_shard: Callable[[ShardSpec, MatchResult], None] | None = None,
) -> int:
    """Play the queue's shards as they come until the queue is stopped (its folder is then
    removed: its trainer sends no more), no shard came for ``idle_s`` seconds, or ``alive()``
    turns false (checked between shards and while idle: e.g. the process that started this
    one is gone). Returns the number of shards served."""
    served, last = 0, time.monotonic()
    while not queue.stopped and alive():
        spec = queue.take()
        if spec is None:
            if time.monotonic() - last > idle_s:
                break
            time.sleep(poll_s)
            continue
        result = play_and_record(queue, spec, play)
        served, last = served + 1, time.monotonic()
        if on_shard is not None:
            on_shard(spec, result)
    if queue.stopped:
        shutil.rmtree(queue.root, ignore_errors=True)
    return served


def parent_alive() -> Callable[[], bool]:
    """True while the process that started this one lives (its pid read now, at the start)."""
    parent = os.getppid()
    return lambda: os.getppid() == parent
