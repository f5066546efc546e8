"""The heuristic snake: every config key matters, search sees what scoring alone misses, the
scalar and batched snakes agree, and no move dies at once when another does not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from snaketrain.rules.api import board_from_api
from snaketrain.rules.batched import BatchState, from_boards, step_, to_board
from snaketrain.rules.start import standard_start
from snaketrain.rules.types import MOVES, Board, Point, Settings, Snake
from snaketrain.snake.heuristic import HeuristicPolicy, Weights, plan_depth
from snaketrain.snake.policy import BatchedPolicy, decide
from snaketrain.snake.random_safe import RandomSafe, safe_mask
from snaketrain.snake.registry import LADDER, batched_policy
from snaketrain.snake.space import SPACE, default_config

FLIPS = Path(__file__).with_name("data") / "key_flips.json"
BY_KEY = {row["key"]: row for row in json.loads(FLIPS.read_text())}


@pytest.mark.parametrize("key", [p.key for p in SPACE])
def test_every_config_key_changes_the_move_in_some_position(key: str) -> None:
    row = BY_KEY.get(key)
    assert row is not None, (
        f"no position where {key} changes the move; run tests/snake/data/find_key_flips.py"
    )
    board = board_from_api(row["board"], turn=row["turn"])
    base = default_config()
    changed = base.replace({key: row["value"]})
    was = decide(HeuristicPolicy(base), board, row["you"], row["seed"])
    now = decide(HeuristicPolicy(changed), board, row["you"], row["seed"])
    assert was != now, (
        f"{key}: {base[key]} -> {row['value']} no longer changes the move (both {was}); "
        "the defaults changed? run tests/snake/data/find_key_flips.py"
    )


def snake(sid: str, *cells: tuple[int, int], health: int = 100) -> Snake:
    return Snake(id=sid, health=health, body=[Point(x, y) for x, y in cells])


def test_search_sees_a_head_to_head_loss_that_scoring_ignores() -> None:
    # Food at (3, 4) next to our head (3, 3) and next to the head (3, 5) of a longer enemy.
    me = snake("me", (3, 3), (3, 2), (3, 1))
    foe = snake("foe", (3, 5), (3, 6), (4, 6), (5, 6), (6, 6))
    board = Board(7, 7, [me, foe], [Point(3, 4)], [], 0)
    blind = default_config().replace(
        {
            "weights.head_collision": 0.0,
            "weights.food": 100.0,
            "search.depth": 0,
            "hybrid.enabled": False,
        }
    )
    assert decide(HeuristicPolicy(blind), board, "me", 1) == "up"
    searching = blind.replace({"search.depth": 1})
    assert decide(HeuristicPolicy(searching), board, "me", 1) != "up"


def test_search_depth_respects_hybrid_and_max_nodes() -> None:
    ids2, ids4 = ["a", "b"], ["a", "b", "c", "d"]
    duel = from_boards([standard_start(11, ids2, 3)], [3])
    four = from_boards([standard_start(11, ids4, 3)], [3])
    b, s = torch.tensor([0]), torch.tensor([0])
    cfg = default_config().replace(
        {"search.depth": 1, "hybrid.lookahead_depth": 3, "hybrid.critical_health": 100}
    )
    # every turn is critical (health <= 100): lookahead_depth 3, cut to what max_nodes allows
    assert int(plan_depth(duel, b, s, Weights.of(cfg.replace({"search.max_nodes": 4096})))) == 3
    assert int(plan_depth(duel, b, s, Weights.of(cfg))) == 2  # 16^3 > 1024 >= 16^2
    assert int(plan_depth(duel, b, s, Weights.of(cfg.replace({"search.max_nodes": 16})))) == 1
    assert int(plan_depth(four, b, s, Weights.of(cfg))) == 1  # 256 per turn
    assert int(plan_depth(four, b, s, Weights.of(cfg.replace({"search.max_nodes": 255})))) == 0
    calm = cfg.replace({"hybrid.enabled": False})
    assert int(plan_depth(duel, b, s, Weights.of(calm))) == 1
    # the shipped defaults search at least one full turn (2 plies) on a critical duel turn
    shipped = default_config().replace({"hybrid.critical_health": 100})
    assert int(plan_depth(duel, b, s, Weights.of(shipped))) >= 1


def game_positions(size: int, n: int, games: int, turns: int) -> BatchState:
    """Boards of random-safe games after ``turns`` turns (fixed seeds)."""
    ids = [f"snake-{i}" for i in range(n)]
    seeds = [7 * size + g for g in range(games)]
    state = from_boards([standard_start(size, ids, s) for s in seeds], seeds)
    for _ in range(turns):
        step_(state, RandomSafe()(state, state.alive), Settings())
    return state


def all_snakes() -> list[BatchedPolicy]:
    return [HeuristicPolicy(default_config()), *(batched_policy(n) for n in LADDER)]


@pytest.mark.parametrize(("size", "n", "turns"), [(7, 2, 9), (11, 3, 20)])
def test_scalar_and_batched_decisions_agree(size: int, n: int, turns: int) -> None:
    state = game_positions(size, n, 8, turns)
    mask = state.alive & ~state.done[:, None]
    for policy in all_snakes():
        batched = policy(state, mask)
        for b in range(state.batch):
            board = to_board(state, b)
            for s in range(n):
                if mask[b, s]:
                    one = decide(policy, board, board.snakes[s].id, int(state.seed[b]))
                    assert one == MOVES[int(batched[b, s])], (policy.name, b, s)


@pytest.mark.parametrize(("size", "n", "turns"), [(7, 2, 10), (11, 2, 40), (11, 4, 25)])
def test_no_snake_dies_at_once_when_a_safe_move_exists(size: int, n: int, turns: int) -> None:
    state = game_positions(size, n, 24, turns)
    mask = state.alive & ~state.done[:, None]
    safe = safe_mask(state)  # [B, S, 4]
    can = mask & safe.any(-1)
    assert bool(can.any())
    for policy in all_snakes():
        moves = policy(state, mask)
        chosen = safe.gather(2, moves[..., None]).squeeze(-1)
        assert bool(chosen[can].all()), policy.name
