"""The shard queue: a long-lived server plays many shards sent through the results folder,
each result exactly the local shard's, none played twice."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from taskkit import quick_config

from snaketrain import training
from snaketrain.arena.pairs import MatchSetup
from snaketrain.arena.result import MatchResult
from snaketrain.training import BENCHMARK_RUNS, ShardSpec, SnakeRef
from snaketrain.training.shardqueue import ShardQueue, serve


def specs(results: Path) -> list[ShardSpec]:
    candidate = training.build(results, quick_config())  # a file: what a server loads
    setup = MatchSetup(size=7, master_seed=5, max_turns=100, batch_size=32)
    snakes = (candidate, SnakeRef.builtin("random-safe"))
    return [
        s
        for first in (0, 4)
        for s in training.shard_specs(snakes, setup, range(first, first + 4), 2)
    ]


def logged(results: Path) -> list[dict]:
    path = results / BENCHMARK_RUNS
    return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []


def test_a_server_plays_every_shard_sent_exactly_as_the_local_shard(tmp_path: Path) -> None:
    results = tmp_path / "results"
    queue = ShardQueue.of(results, "gpu-0-test")
    sent = specs(results)
    for s in sent:
        queue.put(json_trip(s))
    served = serve(queue, training.play_shard, idle_s=0.2, poll_s=0.01)

    assert served == len(sent)
    for s in sent:
        assert queue.result(s) == training.play_shard(s)  # the same games as a local shard
    assert sorted(x["key"] for x in logged(results)) == sorted(s.key for s in sent)
    assert all(x["seconds"] > 0 for x in logged(results))

    for s in sent:  # sent again (a resumed trainer): taken from the results, not played
        queue.put(s)
    assert serve(queue, lambda s: pytest_fail(), idle_s=0.05) == 0
    assert len(logged(results)) == len(sent)


def test_a_server_waits_for_shards_and_ends_when_the_queue_is_stopped(tmp_path: Path) -> None:
    results = tmp_path / "results"
    queue = ShardQueue.of(results, "q")
    sent = specs(results)[:2]
    counted: list[int] = []
    server = threading.Thread(
        target=lambda: counted.append(serve(queue, training.play_shard, idle_s=60, poll_s=0.01))
    )
    server.start()
    got: list[MatchResult] = []
    for s in sent:  # one at a time, as SPRT batches come
        queue.put(s)
        while (r := queue.result(s)) is None:
            server.join(0.01)
        got.append(r)
    queue.stop()
    server.join(30)
    assert not server.is_alive() and counted == [2]
    assert not queue.root.exists()  # a stopped queue leaves nothing behind
    assert got == [training.play_shard(s) for s in sent]


def test_a_dead_server_s_claims_go_back_to_the_queue(tmp_path: Path) -> None:
    results = tmp_path / "results"
    queue = ShardQueue.of(results, "q")
    [first, second] = specs(results)[:2]
    queue.put(first)
    queue.put(second)
    assert queue.take() == first  # claimed, then its server died
    assert queue.release() == 1
    assert serve(queue, training.play_shard, idle_s=0.05) == 2
    assert queue.result(first) == training.play_shard(first)


def test_a_server_ends_when_its_worker_is_gone_or_idle(tmp_path: Path) -> None:
    queue = ShardQueue.of(tmp_path, "q")
    queue.put(specs(tmp_path)[0])
    assert serve(queue, training.play_shard, idle_s=60, alive=lambda: False) == 0
    assert serve(ShardQueue.of(tmp_path, "empty"), training.play_shard, idle_s=0.05) == 0


def json_trip(spec: ShardSpec) -> ShardSpec:
    return ShardSpec.from_dict(json.loads(json.dumps(spec.to_dict())))


def pytest_fail() -> MatchResult:
    raise AssertionError("a shard whose result is there was played again")
