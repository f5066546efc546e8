"""The one process pool: spawned workers with one torch thread that ignore SIGINT and exit
with their parent (kill -9 included, also while they start), stopped at once on Ctrl+C; one
shared pool for many threads; ShardPool's merge and progress."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import psutil
import pytest
import torch

from snaketrain.arena.pairs import MatchSetup, play_pairs
from snaketrain.arena.pool import (
    ShardPool,
    WorkerPool,
    close_shared_pool,
    play_refs,
    shared_pool,
)
from snaketrain.snake.registry import batched_policy

SMALL = MatchSetup(size=7, master_seed=3, max_turns=100, batch_size=32)
LINUX = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


@pytest.fixture(autouse=True)
def no_shared_pool() -> Iterator[None]:
    yield
    close_shared_pool()


def wait_until(done: Callable[[], bool], what: str, timeout: float = 90.0) -> None:
    """Poll ``done``; a generous deadline only turns a hang into a failure."""
    end = time.monotonic() + timeout
    while not done():
        if time.monotonic() > end:
            raise AssertionError(f"still waiting after {timeout:.0f} s: {what}")
        time.sleep(0.01)


def alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def ignores_sigint(pid: int) -> bool:
    """The worker's initializer has run (SIGINT is in its ignored-signal mask)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    mask = next(line.split()[1] for line in status.splitlines() if line.startswith("SigIgn:"))
    return bool(int(mask, 16) & (1 << (signal.SIGINT - 1)))


def is_worker(proc: psutil.Process) -> bool:
    try:
        return "spawn_main" in " ".join(proc.cmdline())
    except psutil.Error:
        return False


# ---- workers -------------------------------------------------------------------------------


def test_workers_ignore_sigint_run_one_torch_thread_and_are_children_of_this_process() -> None:
    with WorkerPool(1) as pool:
        assert pool.submit(torch.get_num_threads).result() == 1
        assert pool.submit(signal.getsignal, signal.SIGINT).result() == signal.SIG_IGN
        assert pool.submit(os.getppid).result() == os.getpid()


def test_leaving_the_pool_on_an_error_kills_running_work_at_once() -> None:
    with pytest.raises(KeyboardInterrupt), WorkerPool(1) as pool:
        worker = psutil.Process(pool.submit(os.getpid).result())
        long = pool.submit(time.sleep, 600)
        raise KeyboardInterrupt
    assert not alive(worker)
    assert long.cancelled() or isinstance(long.exception(), BrokenProcessPool)


def test_shard_pool_merges_to_the_single_run_and_reports_every_game() -> None:
    refs = ["random-safe", "greedy-food"]
    counts: list[int] = []
    with ShardPool(batched_policy, refs, refs, SMALL, 2, counts.append) as play:
        result = play(range(10))
    policies = [batched_policy(r) for r in refs]
    assert result == play_pairs(policies[0], policies[1:], SMALL, range(10), names=refs)
    assert sum(counts) == result.games == 20


def test_play_refs_plays_the_pairs_of_the_built_policies() -> None:
    refs = ["random-safe", "greedy-food"]
    policies = [batched_policy(r) for r in refs]
    direct = play_pairs(policies[0], policies[1:], SMALL, [1, 4], names=["me", "them"])
    assert play_refs(batched_policy, refs, ["me", "them"], SMALL, [1, 4]) == direct


# ---- the shared pool -----------------------------------------------------------------------


def test_many_threads_at_once_get_one_shared_pool() -> None:
    threads, start = 16, threading.Barrier(16)
    pools: list[WorkerPool] = []
    pids: list[int] = []

    def use() -> None:
        start.wait()
        pool = shared_pool(2)
        pools.append(pool)
        pids.append(pool.submit(os.getpid).result())

    runners = [threading.Thread(target=use) for _ in range(threads)]
    for t in runners:
        t.start()
    for t in runners:
        t.join()
    assert len(pools) == threads and len({id(p) for p in pools}) == 1
    assert 1 <= len(set(pids)) <= 2 and os.getpid() not in pids


def test_the_shared_pool_is_replaced_for_another_size_and_after_a_worker_died() -> None:
    first = shared_pool(1)
    assert shared_pool(1) is first
    second = shared_pool(2)
    assert second is not first and second.processes == 2
    with pytest.raises(RuntimeError):
        first.submit(os.getpid)  # closed: its work went to the new pool
    with pytest.raises(BrokenProcessPool):
        second.submit(os._exit, 1).result()
    assert second.broken
    third = shared_pool(2)
    assert third is not second and third.submit(os.getpid).result() != os.getpid()
    close_shared_pool()
    with pytest.raises(RuntimeError):
        third.submit(os.getpid)


# ---- `snaketrain bench --shards 2` in a process of its own ----------------------------------

BENCH = [
    *("-m", "snaketrain", "bench", "--config", "random-safe", "--vs", "random-safe"),
    *("--games", "2000000", "--shards", "2", "--size", "7", "--max-turns", "200", "--seed", "1"),
]


class Bench:
    """A long bench in its own process group; every process of it seen is killed at the end."""

    def __init__(self, stderr: Path) -> None:
        with open(stderr, "wb") as err:
            self.proc = subprocess.Popen(
                [sys.executable, *BENCH],
                stdout=subprocess.DEVNULL,
                stderr=err,
                start_new_session=True,
            )
        self.seen: list[psutil.Process] = [psutil.Process(self.proc.pid)]

    def children(self) -> list[psutil.Process]:
        """The bench's child processes now (workers and the resource tracker)."""
        try:
            found = psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []
        self.seen.extend(found)
        return found

    def ready_workers(self) -> list[psutil.Process]:
        """Its children once both workers have started (their initializer has run)."""

        def ready() -> bool:
            workers = [c for c in self.children() if is_worker(c)]
            return len(workers) == 2 and all(ignores_sigint(w.pid) for w in workers)

        wait_until(ready, "two started bench workers")
        return self.children()

    def kill_9(self) -> None:
        self.proc.kill()
        self.proc.wait()

    def cleanup(self) -> None:
        for p in self.seen:
            if alive(p):
                p.kill()
        self.proc.wait()


@pytest.fixture
def bench(tmp_path: Path) -> Iterator[Bench]:
    run = Bench(tmp_path / "stderr")
    try:
        yield run
    finally:
        run.cleanup()


def assert_all_gone(procs: list[psutil.Process]) -> None:
    wait_until(lambda: not any(alive(p) for p in procs), f"{procs} to exit")


@LINUX
def test_bench_workers_exit_when_bench_is_killed_9(bench: Bench) -> None:
    procs = bench.ready_workers()
    assert sum(is_worker(p) for p in procs) == 2
    assert any("resource_tracker" in " ".join(p.cmdline()) for p in procs)
    bench.kill_9()
    assert_all_gone(procs)


@LINUX
def test_bench_workers_exit_when_bench_is_killed_9_while_they_start(bench: Bench) -> None:
    wait_until(lambda: any(is_worker(c) for c in bench.children()), "a bench worker")
    procs = bench.children()
    starting = [p for p in procs if is_worker(p) and not ignores_sigint(p.pid)]
    bench.kill_9()
    assert starting, "the workers had already started; the kill came too late"
    assert_all_gone(procs)


@LINUX
def test_ctrl_c_to_the_process_group_stops_bench_and_its_workers(bench: Bench) -> None:
    procs = bench.ready_workers()
    assert sum(is_worker(p) for p in procs) == 2
    os.killpg(bench.proc.pid, signal.SIGINT)  # what Ctrl+C in a terminal does
    wait_until(lambda: bench.proc.poll() is not None, "bench to exit on SIGINT")
    assert_all_gone(procs)


EXITING = """
import threading
from snaketrain.arena.pairs import MatchSetup, play_pairs
from snaketrain.arena.pool import shared_pool
from snaketrain.arena.shutdown import ExitingError, exiting
from snaketrain.snake.registry import batched_policy
from tasks.benchmark import _unless_exiting

def after_main() -> None:  # a task thread left running when the main thread ends
    threading.main_thread().join()
    try:
        shared_pool(2)
        print("a new pool", flush=True)
    except ExitingError as e:
        print(f"refused: {e}; retry: {_unless_exiting(None, None, None)}", flush=True)
    try:  # 2,000 long games: minutes, were they played
        me, other = batched_policy("random-safe"), batched_policy("random-safe")
        play_pairs(me, [other], MatchSetup(size=19, max_turns=10_000), range(1000))
        print("played", flush=True)
    except ExitingError as e:
        print(f"games: {e}", flush=True)

assert not exiting() and _unless_exiting(None, None, None)
threading.Thread(target=after_main).start()
"""


def test_an_exiting_process_starts_no_pool_retries_no_shard_and_abandons_its_games() -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", EXITING],
        env=os.environ | {"PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout == (
        "refused: this process is exiting: no new worker pool; retry: False\n"
        "games: this process is exiting: games abandoned\n"
    )
