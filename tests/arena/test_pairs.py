"""Pairs: common seeds with seats swapped, gauntlet tables, exact shard merges, lanes,
scores from the candidate's view and JSON."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator

import numpy as np
import pytest
import torch
from arenakit import SaltedRandomSafe

from snaketrain.arena.pairs import (
    MatchSetup,
    candidate_scores,
    pair_seats,
    play_lanes,
    play_match,
    play_pairs,
    shard_pairs,
)
from snaketrain.arena.result import MatchResult
from snaketrain.arena.runner import GameResults, GameSpec, run_games
from snaketrain.rules import rng
from snaketrain.snake.random_safe import RandomSafe


@pytest.fixture(autouse=True)
def one_torch_thread() -> Iterator[None]:
    """Small batches run fastest on one thread (the default two spin on a busy machine)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


SMALL = MatchSetup(size=7, master_seed=11, max_turns=200, batch_size=64)


# ---- pairs and seats ----------------------------------------------------------------------


def test_a_duel_pair_swaps_the_seats() -> None:
    assert pair_seats(2, 1) == ((0, 1), (1, 0))


def test_a_four_snake_pair_rotates_the_candidate_to_seat_two() -> None:
    assert pair_seats(4, 3) == ((0, 3, 3, 3), (3, 3, 0, 3))


def test_shards_split_the_pairs_by_index_modulo_n() -> None:
    shards = [shard_pairs(range(10), k, 3) for k in range(3)]
    assert shards == [[0, 3, 6, 9], [1, 4, 7], [2, 5, 8]]
    with pytest.raises(ValueError):
        shard_pairs(range(10), 3, 3)


def test_both_games_of_a_pair_use_the_pair_seed_with_the_candidate_swapped() -> None:
    # The same games played directly on the runner give the same counts.
    a, b = SaltedRandomSafe(1), SaltedRandomSafe(2)
    result = play_pairs(a, [b], SMALL, [5, 6])
    specs = [
        GameSpec(rng.game_seed(SMALL.master_seed, i), seats)
        for i in (5, 6)
        for seats in ((0, 1), (1, 0))
    ]
    games = run_games(specs, [a, b], size=7, max_turns=200)
    scores = candidate_scores(games, np.array([0, 1, 0, 1]))
    row = result.rows[0]
    assert (row.wins, row.draws, row.losses) == (
        int((scores == 1).sum()),
        int((scores == 0.5).sum()),
        int((scores == 0).sum()),
    )
    assert result.pairs == (5, 6)
    assert sum(row.lengths.values()) == 4
    assert row.lengths == dict(
        sorted({int(t): int((games.turns == t).sum()) for t in games.turns}.items())
    )


def test_a_policy_against_itself_plays_mirror_pairs() -> None:
    # Same policy, same seed, seats swapped: game B is game A mirrored, every pair scores 1.
    result = play_match(RandomSafe(), [RandomSafe()], SMALL, 30)
    assert result.rows[0].pentanomial == (0, 0, 30, 0, 0)
    assert result.rows[0].wins == result.rows[0].losses


# ---- scores -------------------------------------------------------------------------------


def _games(
    winner: list[int], turns: list[int], cause: list[list[int]], elim: list[list[int]]
) -> GameResults:
    n, s = len(winner), len(cause[0])
    return GameResults(
        seeds=np.zeros(n, dtype=np.int64),
        seats=np.tile(np.arange(s), (n, 1)),
        winner=np.array(winner),
        turns=np.array(turns),
        cause=np.array(cause),
        elim_turn=np.array(elim),
        length=np.full((n, s), 3),
        turn_limit=np.zeros(n, dtype=bool),
    )


def test_duel_scores_win_draw_loss_from_the_candidates_seat() -> None:
    games = _games(
        winner=[0, 1, -1, -1],
        turns=[10, 10, 10, 50],
        cause=[[0, 5], [2, 0], [5, 5], [0, 0]],  # last: both alive at the turn cap
        elim=[[0, 10], [10, 0], [10, 10], [0, 0]],
    )
    assert candidate_scores(games, np.array([0, 0, 0, 0])).tolist() == [1, 0, 0.5, 0.5]
    assert candidate_scores(games, np.array([1, 1, 1, 1])).tolist() == [0, 1, 0.5, 0.5]


def test_four_snake_scores_are_the_top_half_of_the_field() -> None:
    games = _games(
        winner=[2, 2, 2, -1, 3],
        turns=[40, 40, 40, 40, 40],
        cause=[[5, 2, 0, 2], [5, 2, 0, 2], [5, 5, 0, 2], [5, 5, 5, 5], [5, 5, 5, 0]],
        elim=[[30, 20, 0, 10], [20, 10, 0, 5], [10, 10, 0, 5], [40, 40, 20, 10], [9, 9, 9, 0]],
    )
    seat = np.array([2, 0, 0, 0, 0])
    # winner; runner-up (outlasted two); outlasted one and level with one (draw); last
    # two eliminated together (outlasted two, level with one: win); three out together first
    # (level with two: loss)
    assert candidate_scores(games, seat).tolist() == [1, 1, 0.5, 1, 0]
    # in the last game the winner is the only one above half
    assert candidate_scores(games, np.array([3, 3, 3, 3, 3]))[4] == 1


# ---- gauntlets, shards, merge -------------------------------------------------------------


@pytest.mark.parametrize("players", [2, 4])
def test_merged_shards_equal_the_single_run_exactly(players: int) -> None:
    setup = dataclasses.replace(SMALL, players=players)
    a, b, c = SaltedRandomSafe(1), SaltedRandomSafe(2), RandomSafe()
    whole = play_match(a, [b, c], setup, 24)
    shards = [play_match(a, [b, c], setup, 24, shard=k, shards=3) for k in range(3)]
    assert [len(s.pairs) for s in shards] == [8, 8, 8]
    merged = MatchResult.merge(reversed(shards))
    for f in dataclasses.fields(MatchResult):
        assert getattr(merged, f.name) == getattr(whole, f.name), f.name
    assert merged.to_json() == whole.to_json()
    assert merged.table().equals(whole.table())


def test_results_do_not_depend_on_batch_size() -> None:
    a, b = SaltedRandomSafe(1), SaltedRandomSafe(2)
    one = play_match(a, [b], SMALL, 20)
    other = play_match(a, [b], dataclasses.replace(SMALL, batch_size=3), 20)
    assert one == other


def test_lanes_equal_matches_played_one_at_a_time() -> None:
    a, b = SaltedRandomSafe(1), SaltedRandomSafe(2)
    lanes = play_lanes([(a, 1), (b, 2), (a, 3)], [RandomSafe()], SMALL, range(6))
    for (cand, seed), got in zip([(a, 1), (b, 2), (a, 3)], lanes, strict=True):
        setup = dataclasses.replace(SMALL, master_seed=seed)
        assert got == play_match(cand, [RandomSafe()], setup, 6)


def test_merge_refuses_shared_pairs_and_other_matches() -> None:
    a, b = SaltedRandomSafe(1), SaltedRandomSafe(2)
    part = play_pairs(a, [b], SMALL, [0, 1])
    with pytest.raises(ValueError, match="share"):
        MatchResult.merge([part, play_pairs(a, [b], SMALL, [1, 2])])
    other_seed = play_pairs(a, [b], dataclasses.replace(SMALL, master_seed=12), [2])
    with pytest.raises(ValueError, match="different matches"):
        MatchResult.merge([part, other_seed])


def test_a_gauntlet_table_has_a_row_per_opponent_and_a_total() -> None:
    a = SaltedRandomSafe(1)
    result = play_match(a, [SaltedRandomSafe(2), RandomSafe()], SMALL, 10)
    table = result.table()
    assert table["opponent"].tolist() == ["random-safe~2", "random-safe", "total"]
    assert table["games"].tolist() == [20, 20, 40]
    assert (table["W"] + table["D"] + table["L"]).tolist() == [20, 20, 40]
    total = result.total
    assert total.pentanomial == tuple(
        x + y for x, y in zip(result.rows[0].pentanomial, result.rows[1].pentanomial, strict=True)
    )
    # each game ends once for the candidate and once per opponent snake
    assert sum(total.candidate_causes.values()) == 40
    assert sum(total.opponent_causes.values()) == 40
    for column in ("score 95%", "Elo", "± 95%", "LOS", "ptnml", "turns p10/p50/p90"):
        assert column in table.columns
    assert result.summary_line().startswith("Elo: ")
    assert "Games: 40" in result.summary_line()


def test_match_result_json_round_trips() -> None:
    result = play_match(
        SaltedRandomSafe(1), [RandomSafe()], dataclasses.replace(SMALL, players=4), 5
    )
    text = result.to_json()
    assert MatchResult.from_json(text) == result
    assert json.loads(text)["players"] == 4
