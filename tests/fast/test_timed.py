"""The time-budgeted search: a legal move always; with time to spare and a depth cap, the move
of the compiled heuristic searching that depth; depth 1 at least, however small the budget."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch

from snaketrain.fast.score import weight_table
from snaketrain.fast.state import from_boards
from snaketrain.fast.timed import next_depth_seconds, now, timed_move
from snaketrain.rules import batched as bt
from snaketrain.rules.game import play_game
from snaketrain.rules.types import MOVES, Settings
from snaketrain.snake.compiled_policy import CompiledHeuristic, as_fast
from snaketrain.snake.config import Config, default_config
from snaketrain.snake.random_safe import random_safe, safe_moves

FOREVER = 1e6


def fixed(depth: int, reply: str) -> Config:
    """A config searching exactly ``depth`` turns (no hybrid switch, nodes enough for 4)."""
    return default_config().replace(
        **{
            "search.depth": depth,
            "search.reply_model": reply,
            "hybrid.enabled": False,
            "search.max_nodes": 65536,
        }
    )


@pytest.mark.parametrize(
    ("size", "n", "depth", "reply", "games", "turns"),
    [
        (7, 2, 2, "worst", 2, 30),
        (7, 2, 3, "worst", 2, 30),
        (11, 4, 2, "worst", 1, 12),
        (7, 2, 2, "average", 2, 30),
    ],
)
def test_with_time_to_spare_and_a_depth_cap_it_is_the_fixed_depth_search(
    size: int, n: int, depth: int, reply: str, games: int, turns: int
) -> None:
    config = fixed(depth, reply)
    policy, row = CompiledHeuristic([config]), weight_table([config])[0]
    st = bt.standard_starts(size, n, torch.arange(games) + 11)
    compared = 0
    for turn in range(turns):
        if bool(st.done.all()):
            break
        mask = st.alive & ~st.done[:, None]
        want = policy(st, mask)
        fs = as_fast(st)
        for g, s in torch.nonzero(mask).tolist():
            found = timed_move(fs, s, row, FOREVER, max_depth=depth, game=g)
            assert (found.move, found.depth) == (int(want[g, s]), depth), (turn, g, s)
            compared += 1
        bt.step_(st, want, Settings())
    assert compared > 20


def test_the_move_is_legal_on_every_turn_of_random_games() -> None:
    row = weight_table([default_config()])[0]
    checked = 0
    for seed in range(3):
        record = play_game([random_safe] * 4, size=11, seed=seed, max_turns=60)
        for board in record.boards[::3]:
            for snake in board.alive_snakes:
                if len(board.alive_snakes) < 2:
                    continue
                seat = [s.id for s in board.snakes].index(snake.id)
                found = timed_move(from_boards([board], [seed]), seat, row, 0.01)
                safe = safe_moves(board, snake.id)
                assert found.depth >= 1
                assert MOVES[found.move] in (safe or MOVES)
                checked += 1
    assert checked > 30


def test_a_tiny_budget_on_19x19_with_4_snakes_still_finishes_depth_1() -> None:
    st = as_fast(bt.standard_starts(19, 4, torch.arange(1) + 3))
    row = weight_table([default_config()])[0]
    for seat in range(4):
        found = timed_move(st, seat, row, 1e-6)
        assert found.depth >= 1
        assert found.nodes >= 1
        assert 0 <= found.move < 4


def test_deeper_budgets_reach_the_cap_and_stop_there() -> None:
    st = as_fast(bt.standard_starts(7, 2, torch.arange(1) + 3))
    row = weight_table([default_config()])[0]
    assert timed_move(st, 0, row, FOREVER, max_depth=3).depth == 3
    assert timed_move(st, 0, row, FOREVER, max_depth=1).depth == 1


def scripted(readings: list[float]) -> Callable[[], float]:
    """A fake clock: the real clock's reading now, plus ``readings`` one per call (the last
    repeated), so the kernel's own deadline (the real clock) stays far away."""
    base, calls = now(), iter(readings)
    last = [0.0]

    def clock() -> float:
        last[0] = next(calls, last[0])
        return base + last[0]

    return clock


def test_the_next_depth_is_predicted_from_the_last_ones_time_and_growth() -> None:
    assert next_depth_seconds(0.02, 900, 100) == pytest.approx(0.18)
    assert next_depth_seconds(0.02, 50, 100) == 0.02  # a smaller tree: no shrinking
    assert next_depth_seconds(0.02, 10, 0) == pytest.approx(0.2)


@pytest.mark.parametrize(("depth_2_took", "depth"), [(500.0, 2), (1.0, 3)])
def test_a_depth_predicted_not_to_finish_is_not_started(depth_2_took: float, depth: int) -> None:
    st = as_fast(bt.standard_starts(7, 2, torch.arange(1) + 3))
    row = weight_table([default_config()])[0]
    # readings: start, depth 1 from 0 to 1 s, depth 2 from 1 s to 1 + depth_2_took, depth 3's
    # start; the budget is 1000 s, so depth 3 (>= depth 2's time) cannot fit after 501 s
    end = 1.0 + depth_2_took
    clock = scripted([0.0, 0.0, 1.0, 1.0, end, end, end + 1.0, end + 1.0])
    found = timed_move(st, 0, row, 1000.0, max_depth=3, clock=clock)
    assert (found.depth, found.predicted) == (depth, depth == 2)


def test_the_deadline_counts_from_the_start_given() -> None:
    st = as_fast(bt.standard_starts(7, 2, torch.arange(1) + 3))
    row = weight_table([default_config()])[0]
    started = now() - 10.0  # the request came a whole budget ago: only depth 1 runs
    found = timed_move(st, 0, row, 10.0, started=started)
    assert (found.depth, found.predicted, found.deadline) == (1, False, started + 10.0)
    assert timed_move(st, 0, row, 10.0, max_depth=2, started=now()).depth == 2
