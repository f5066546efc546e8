"""shard-file: a remote shard's result, left as JSON where the trainer reads it."""

from __future__ import annotations

from pathlib import Path

from taskkit import match_result

from snaketrain.arena.pairs import MatchSetup
from snaketrain.arena.result import MatchResult
from snaketrain.training import ShardSpec, SnakeRef
from tasks.shard_file import write_shard_file


def spec() -> ShardSpec:
    snakes = (SnakeRef.builtin("random-safe"), SnakeRef.builtin("baseline"))
    return ShardSpec(snakes, MatchSetup(size=7, master_seed=3, max_turns=100), (0, 1, 2))


def test_the_result_is_left_in_the_shard_s_file(tmp_path: Path) -> None:
    result = match_result((0, 1, 1, 1, 0))
    path = write_shard_file.fn(spec(), result, str(tmp_path))
    assert path == str(spec().file(tmp_path))
    assert MatchResult.from_json(Path(path).read_text(encoding="utf-8")) == result


def test_a_shard_played_again_replaces_its_file_whole(tmp_path: Path) -> None:
    write_shard_file.fn(spec(), match_result((0, 1, 1, 1, 0)), str(tmp_path))
    again = match_result((0, 0, 1, 1, 1))
    path = write_shard_file.fn(spec(), again, str(tmp_path))
    assert MatchResult.from_json(Path(path).read_text(encoding="utf-8")) == again
    assert [p.name for p in (tmp_path / "shards").iterdir()] == [f"{spec().key}.json"]
