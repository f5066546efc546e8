"""Many games on the batched engine: each game is decided by its seed and seats alone, results
come back in spec order whatever the batch size, ``max_turns`` caps a game as a draw, and
progress counts every finished game once."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import numpy as np
import pytest
import torch
from arenakit import SaltedRandomSafe

from snaketrain.arena.runner import GameResults, GameSpec, run_games
from snaketrain.snake.random_safe import RandomSafe

POLICIES = [RandomSafe(), SaltedRandomSafe(1)]
SPECS = [GameSpec(seed, seats) for seed in range(12) for seats in ((0, 1), (1, 0))]


@pytest.fixture(autouse=True)
def one_torch_thread() -> Iterator[None]:
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def same(a: GameResults, b: GameResults) -> bool:
    return all(
        np.array_equal(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a)
    )


def test_a_game_depends_on_its_seed_and_seats_only() -> None:
    games = run_games(SPECS, POLICIES, size=7, max_turns=200)
    assert same(games, run_games(SPECS, POLICIES, size=7, max_turns=200))
    # the same spec alone, or elsewhere in the list, plays the same game
    alone = run_games(SPECS[5:6], POLICIES, size=7, max_turns=200)
    moved = run_games(SPECS[5:6] + SPECS[:5], POLICIES, size=7, max_turns=200)
    for other in (alone, moved):
        assert other.turns[0] == games.turns[5]
        assert np.array_equal(other.cause[0], games.cause[5])
        assert np.array_equal(other.elim_turn[0], games.elim_turn[5])
    # and other seeds play other games
    assert len({(int(t), tuple(e)) for t, e in zip(games.turns, games.elim_turn, strict=True)}) > 1
    assert games.seeds.tolist() == [s.seed for s in SPECS]
    assert games.seats.tolist() == [list(s.seats) for s in SPECS]


def test_results_do_not_depend_on_batch_size() -> None:
    whole = run_games(SPECS, POLICIES, size=7, max_turns=200, batch_size=1024)
    for batch_size in (1, 5):
        assert same(whole, run_games(SPECS, POLICIES, size=7, max_turns=200, batch_size=batch_size))


def test_max_turns_stops_a_game_as_a_draw_with_the_survivors_alive() -> None:
    games = run_games(SPECS, POLICIES, size=7, max_turns=6)
    assert games.turns.max() == 6 and games.turn_limit.any()
    capped = games.turn_limit
    assert (games.turns[capped] == 6).all()
    assert (games.winner[capped] == -1).all()
    # a capped game still has at least two snakes alive (cause 0), or it would have ended
    assert ((games.cause[capped] == 0).sum(axis=1) >= 2).all()
    ended = ~capped
    assert ((games.cause[ended] == 0).sum(axis=1) <= 1).all()


def test_progress_counts_every_game_once() -> None:
    counts: list[int] = []
    run_games(SPECS, POLICIES, size=7, max_turns=200, batch_size=5, progress=counts.append)
    assert sum(counts) == len(SPECS)
    assert all(1 <= n <= 5 for n in counts)


@pytest.mark.parametrize(
    ("specs", "message"),
    [
        ([], "at least one game"),
        ([GameSpec(1, (0, 1)), GameSpec(2, (0, 1, 1, 1))], "same number of snakes"),
        ([GameSpec(1, (0, 2))], "outside 0..1"),
    ],
)
def test_bad_specs_are_refused(specs: list[GameSpec], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        run_games(specs, POLICIES, size=7)


def test_the_compiled_cpu_path_plays_the_same_games_as_the_batched_one() -> None:
    from snaketrain.snake.config import default_config
    from snaketrain.snake.heuristic import HeuristicPolicy

    family = HeuristicPolicy.from_configs([default_config(), default_config()], "h")
    policies = [family.member(0), family.member(1), RandomSafe(), SaltedRandomSafe(7)]
    specs = [GameSpec(40 + g, ((0, 1), (1, 2), (2, 3), (3, 0))[g % 4]) for g in range(12)]
    slow = run_games(specs, policies, size=7, batch_size=5, max_turns=60, compiled=False)
    fast = run_games(specs, policies, size=7, batch_size=5, max_turns=60)
    assert same(slow, fast)
