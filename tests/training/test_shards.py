"""ShardSpec: one identity per shard, from the flow to the workers and the run log."""

from __future__ import annotations

import json
from pathlib import Path

from snaketrain.arena.pairs import MatchSetup
from snaketrain.snake.space import default_config
from snaketrain.training import ShardSpec, SnakeRef, play_shard, shard_specs


def spec(**over: object) -> ShardSpec:
    cfg = default_config().replace({"search.depth": 0})
    base = dict(
        snakes=(
            SnakeRef.of_config(cfg, "cand", path="/tmp/x.yaml"),
            SnakeRef.builtin("random-safe"),
        ),
        setup=MatchSetup(size=7, master_seed=5, max_turns=60, batch_size=16),
        pairs=tuple(range(6)),
        shard=1,
        shards=2,
    )
    return ShardSpec(**(base | over))  # type: ignore[arg-type]


def test_key_names_what_is_played_and_nothing_else() -> None:
    a = spec()
    assert a.key == spec().key and a.key.startswith("benchmark-")
    assert spec(shard=0).key != a.key
    assert spec(pairs=tuple(range(7))).key != a.key
    assert spec(setup=MatchSetup(size=7, master_seed=6, max_turns=60, batch_size=16)).key != a.key
    # the batch size and device change how, not which, games are played
    assert spec(setup=MatchSetup(size=7, master_seed=5, max_turns=60, batch_size=4)).key == a.key
    moved = SnakeRef.of_config(default_config().replace({"search.depth": 0}), "cand", "/else.yaml")
    assert spec(snakes=(moved, SnakeRef.builtin("random-safe"))).key == a.key  # by content


def test_round_trips_through_json_and_names_its_file(tmp_path: Path) -> None:
    a = spec()
    back = ShardSpec.from_dict(json.loads(json.dumps(a.to_dict())))
    assert back.key == a.key and back.setup == a.setup
    assert a.file(tmp_path) == tmp_path / "shards" / f"{a.key}.json"


def test_shards_partition_the_pairs_and_merge_to_the_whole() -> None:
    specs = shard_specs(spec().snakes, spec().setup, range(6), 3)
    assert sorted(p for s in specs for p in s.own_pairs()) == list(range(6))
    whole = play_shard(ShardSpec(spec().snakes, spec().setup, tuple(range(6))))
    from snaketrain.arena.result import MatchResult

    merged = MatchResult.merge(play_shard(s) for s in specs)
    assert merged.total.pentanomial == whole.total.pentanomial
    assert merged.games == whole.games == 12
