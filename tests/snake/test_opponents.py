"""The ladder snakes on hand-built boards, and the registry that names them.

Coordinates are (x, y) with (0, 0) bottom-left.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from snaketrain.rules.types import Board, Point, Snake
from snaketrain.snake.heuristic import HeuristicPolicy
from snaketrain.snake.policy import decide
from snaketrain.snake.registry import (
    BASELINE_FILE,
    BATCHED_POLICIES,
    LADDER,
    SCALAR_POLICIES,
    UnknownSnakeError,
    batched_policy,
    scalar_policy,
)
from snaketrain.snake.space import default_config, dump_config, load_config


def snake(sid: str, *cells: tuple[int, int], health: int = 100) -> Snake:
    return Snake(id=sid, health=health, body=[Point(x, y) for x, y in cells])


def move(name: str, board: Board, sid: str = "me") -> str:
    return decide(batched_policy(name), board, sid, 5)


def detour_board(health: int) -> Board:
    """Food at (3, 3) above a wall (y = 2, x = 0..5) with its gap at x = 6. Our head (3, 1):
    left (2, 1) needs 11 BFS steps around our own body, right (4, 1) 7; Manhattan ties."""
    me = snake("me", (3, 1), (3, 0), (2, 0), health=health)
    wall = snake("wall", (5, 2), (4, 2), (3, 2), (2, 2), (1, 2), (0, 2))
    return Board(7, 7, [me, wall], [Point(3, 3)], [], 0)


def test_greedy_food_follows_bfs_steps_not_manhattan() -> None:
    assert move("greedy-food", detour_board(100)) == "right"


def test_hungry_hunter_eats_when_hungry_and_hunts_shorter_heads_otherwise() -> None:
    # We are length 4 below a length-2 snake whose head is straight up at (3, 6); food at
    # (6, 3) is 2 steps to the right.
    def board(health: int) -> Board:
        me = snake("me", (3, 3), (3, 2), (3, 1), (3, 0), health=health)
        prey = snake("prey", (3, 6), (4, 6))
        return Board(7, 7, [me, prey], [Point(6, 3)], [], 0)

    assert move("hungry-hunter", board(30)) == "right"
    assert move("hungry-hunter", board(90)) == "up"


def test_hunters_shun_cells_next_to_a_head_at_least_as_long() -> None:
    # Food at (3, 4) right below the head (3, 5) of a longer snake.
    me = snake("me", (3, 3), (3, 2), (3, 1), health=30)
    big = snake("big", (3, 5), (3, 6), (4, 6), (5, 6), (6, 6))
    board = Board(7, 7, [me, big], [Point(3, 4)], [], 0)
    assert move("greedy-food", board) == "up"
    assert move("hungry-hunter", board) != "up"
    assert move("space-aware", board) != "up"


def test_space_aware_never_enters_the_smaller_pocket() -> None:
    # Left enters the 2-cell pocket {(0,0), (1,0)} walled by the other snake; it holds the only
    # food. Up enters the rest of the board.
    me = snake("me", (2, 0), (3, 0), (4, 0), health=30)
    other = snake("other", (0, 1), (1, 1), (1, 2), (1, 3))
    board = Board(7, 7, [me, other], [Point(0, 0)], [], 0)
    assert move("hungry-hunter", board) == "left"
    assert move("space-aware", board) == "up"


def test_every_ladder_snake_is_built_in_batched_and_scalar() -> None:
    assert list(LADDER) == list(BATCHED_POLICIES)
    assert set(LADDER) <= set(SCALAR_POLICIES)
    for name in LADDER:
        assert batched_policy(name).name == name
        assert scalar_policy(name)(detour_board(100), "me", 5) in ("left", "right")


def test_a_config_file_is_a_snake(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(dump_config(default_config()))
    policy = batched_policy(path)
    assert isinstance(policy, HeuristicPolicy)
    assert policy.name == "mine"
    assert policy.config == default_config()
    with pytest.raises(UnknownSnakeError, match="no config file"):
        batched_policy(tmp_path / "missing.yaml")
    with pytest.raises(UnknownSnakeError, match="unknown snake 'nope'; built-in snakes: random"):
        batched_policy("nope")


def test_baseline_is_a_frozen_plainer_config() -> None:
    baseline = load_config(BASELINE_FILE)
    assert baseline["search.depth"] == 0
    assert baseline["hybrid.enabled"] is False
    assert baseline["weights.territory"] < default_config()["weights.territory"]
