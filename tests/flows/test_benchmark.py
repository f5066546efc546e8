"""The benchmark flow: a shard sent as JSON to a work pool's worker, its result left as JSON."""

from __future__ import annotations

import json
from pathlib import Path

from taskkit import quick_config

from flows.benchmark import benchmark_shard
from snaketrain import training
from snaketrain.arena.pairs import MatchSetup
from snaketrain.arena.result import MatchResult
from snaketrain.training import BENCHMARK_RUNS, ShardSpec, SnakeRef


def test_a_shard_leaves_the_local_shard_s_result(prefect_storage: Path, tmp_path: Path) -> None:
    results = tmp_path / "results"
    candidate = training.build(results, quick_config())  # its file is what the worker loads
    setup = MatchSetup(size=7, master_seed=9, max_turns=100, batch_size=32)
    spec = ShardSpec((candidate, SnakeRef.builtin("random-safe")), setup, tuple(range(6)), 1, 2)
    params = json.loads(json.dumps(spec.to_dict()))  # deployment parameters travel as JSON

    path = benchmark_shard(params, str(results))

    assert path == str(spec.file(results))
    left = MatchResult.from_json(Path(path).read_text(encoding="utf-8"))
    assert left == training.play_shard(spec)
    assert left.pairs == (1, 3, 5) and left.candidate == candidate.label
    [line] = [json.loads(x) for x in (results / BENCHMARK_RUNS).read_text().splitlines()]
    assert (line["key"], line["games"]) == (spec.key, 6)  # the worker logs what it played

    assert benchmark_shard(params, str(results)) == path  # sent again: taken from the cache
    assert len((results / BENCHMARK_RUNS).read_text().splitlines()) == 1
    assert MatchResult.from_json(Path(path).read_text(encoding="utf-8")) == left


def test_one_flow_run_serves_many_shards_each_the_local_shard_s(
    prefect_storage: Path, tmp_path: Path
) -> None:
    from snaketrain.training.shardqueue import ShardQueue

    results = tmp_path / "results"
    candidate = training.build(results, quick_config())
    setup = MatchSetup(size=7, master_seed=9, max_turns=100, batch_size=32)
    snakes = (candidate, SnakeRef.builtin("random-safe"))
    sent = [s for b in (0, 3) for s in training.shard_specs(snakes, setup, range(b, b + 3), 2)]
    queue = ShardQueue.of(results, "gpu-0-1234-abcd")
    for s in sent:
        queue.put(s)

    assert benchmark_shard(None, str(results), queue=queue.name, idle_s=0.5) == len(sent)

    for s in sent:
        assert queue.result(s) == training.play_shard(s)
    lines = [json.loads(x) for x in (results / BENCHMARK_RUNS).read_text().splitlines()]
    assert sorted(x["key"] for x in lines) == sorted(s.key for s in sent)
