"""The last stage of a turn, spawn food (official maps/standard.go PostUpdateBoard and board.go
GetUnoccupiedPoints), written from the rules.

With fewer than ``minimumFood`` food on the board, exactly enough food spawns to reach it.
Otherwise one food spawns when ``100 - roll < foodSpawnChance`` for a roll uniform in 0..99, as
the official engine writes it; that makes the real chance ``foodSpawnChance - 1`` percent (0 never
spawns; 1 never spawns; 15 spawns 14% of turns; 100 spawns 99% of turns). Food spawns only on
cells free of food, living snakes, and cells next to a living head; hazards do not count (the
standard map calls ``GetUnoccupiedPoints(b, false, false)``). Food spawns after eliminations.
"""

from __future__ import annotations

import pytest
from boardkit import board, cells, snake

from snaketrain.rules.reference import food_needed, spawn_food, step, unoccupied_points
from snaketrain.rules.types import OUT_OF_HEALTH, Board, Point, Settings


def open_board(n_food: int = 0) -> Board:
    # 11x11, one snake in a corner, food along the top row.
    return board(
        [snake("a", [(1, 1), (1, 1), (1, 1)])],
        width=11,
        height=11,
        food=[(x, 10) for x in range(n_food)],
    )


@pytest.mark.parametrize(
    ("n_food", "minimum", "chance", "expected_after"),
    [
        (0, 1, 0, 1),
        (0, 3, 0, 3),
        (1, 3, 0, 3),
        (2, 3, 100, 3),  # below the minimum: only the deficit, no extra chance roll
        (3, 3, 0, 3),  # at the minimum, chance 0: nothing
        (5, 3, 0, 5),  # above the minimum, chance 0: nothing
        (0, 0, 0, 0),
    ],
)
def test_minimum_food_fills_up_to_the_minimum(
    n_food: int, minimum: int, chance: int, expected_after: int
) -> None:
    for seed in range(20):
        b = open_board(n_food)
        spawn_food(b, Settings(minimum_food=minimum, food_spawn_chance=chance), seed, turn=3)
        assert len(b.food) == expected_after
        assert len(set(b.food)) == len(b.food)


def spawn_rate(chance: int, draws: int) -> float:
    settings = Settings(minimum_food=1, food_spawn_chance=chance)
    b = open_board(1)
    spawned = [food_needed(b, settings, seed, turn=seed % 300) for seed in range(draws)]
    assert set(spawned) <= {0, 1}  # at most one food per turn by chance
    return sum(spawned) / draws


def test_chance_zero_never_spawns_at_the_minimum() -> None:
    assert spawn_rate(0, 2000) == 0.0


def test_chance_one_never_spawns_as_in_the_official_engine() -> None:
    # 100 - roll is at least 1, never below 1.
    assert spawn_rate(1, 2000) == 0.0


def test_chance_hundred_spawns_one_food_on_99_percent_of_turns() -> None:
    rate = spawn_rate(100, 20000)
    assert 0.985 < rate < 0.995


def test_chance_fifteen_spawns_on_14_percent_of_turns() -> None:
    # 20,000 fixed draws: the standard error is 0.25 points, 14% and 15% are 4 apart.
    rate = spawn_rate(15, 20000)
    assert abs(rate - 0.14) < 0.006


def test_a_spawned_food_lands_on_a_free_cell() -> None:
    spawned = 0
    for seed in range(200):
        b = open_board(1)
        spawn_food(b, Settings(minimum_food=1, food_spawn_chance=50), seed, turn=0)
        spawned += len(b.food) - 1
        for p in b.food[1:]:
            assert p not in {(0, 10), (1, 1), (0, 1), (2, 1), (1, 0), (1, 2)}
    assert 60 < spawned < 140  # 49% of 200


def test_food_never_spawns_on_snakes_food_or_next_to_a_living_head_but_may_on_hazards() -> None:
    # 5 x 3 board, hand-marked:        y=2:  .  n  .  b  F
    #   A: living snake, head (1, 1)    y=1:  n  A  n  b  .
    #   b: eliminated snake (free)      y=0:  A  A  .  .  H
    #   n: next to A's head; F: food; H: hazard (free)
    b = board(
        [
            snake("A", [(1, 1), (1, 0), (0, 0)]),
            snake("b", [(3, 2), (3, 1)], health=0, cause=OUT_OF_HEALTH),
        ],
        width=5,
        height=3,
        food=[(4, 2)],
        hazards=[(4, 0)],
    )
    free = {(2, 0), (3, 0), (4, 0), (3, 1), (4, 1), (0, 2), (2, 2), (3, 2)}
    assert set(cells(unoccupied_points(b))) == free
    assert set(cells(unoccupied_points(b, hazards_taken=True))) == free - {(4, 0)}
    spawn_food(b, Settings(minimum_food=50, food_spawn_chance=0), seed=7, turn=0)
    assert cells(b.food)[0] == (4, 2)
    assert set(cells(b.food[1:])) == free  # fills every free cell and nothing else
    assert len(b.food) == 1 + len(free)


def test_unoccupied_points_can_allow_cells_next_to_heads() -> None:
    b = board([snake("A", [(1, 1), (1, 0), (0, 0)])], width=3, height=2)
    assert set(cells(unoccupied_points(b, allow_next_to_heads=True))) == {
        (2, 0),
        (0, 1),
        (2, 1),
    }
    assert cells(unoccupied_points(b)) == [(2, 0)]


@pytest.mark.parametrize("minimum", [1, 5])
def test_a_full_board_does_not_crash(minimum: int) -> None:
    b = board([snake("A", [(0, 0), (1, 0), (2, 0)])], width=3, height=1)
    spawn_food(b, Settings(minimum_food=minimum, food_spawn_chance=100), seed=1, turn=0)
    assert b.food == []
    full = board([], width=2, height=2, food=[(0, 0), (1, 0), (0, 1)], hazards=[(1, 1)])
    spawn_food(full, Settings(minimum_food=minimum + 4, food_spawn_chance=100), seed=1, turn=0)
    assert cells(full.food) == [(0, 0), (1, 0), (0, 1), (1, 1)]  # the hazard cell takes food
    spawn_food(full, Settings(minimum_food=minimum + 4, food_spawn_chance=100), seed=1, turn=1)
    assert len(full.food) == 4


def test_spawning_is_deterministic_for_a_seed_and_turn() -> None:
    settings = Settings(minimum_food=3, food_spawn_chance=0)
    layouts = set()
    for seed in range(10):
        first, second = open_board(), open_board()
        spawn_food(first, settings, seed, turn=5)
        spawn_food(second, settings, seed, turn=5)
        assert first.food == second.food
        layouts.add(tuple(first.food))
    assert len(layouts) > 1  # and the seed matters


def test_the_turn_changes_the_draw() -> None:
    settings = Settings(minimum_food=3, food_spawn_chance=0)
    layouts = set()
    for turn in range(10):
        b = open_board()
        spawn_food(b, settings, seed=3, turn=turn)
        layouts.add(tuple(b.food))
    assert len(layouts) > 1


def test_a_turn_replaces_eaten_food_to_keep_the_minimum() -> None:
    b = board([snake("a", [(3, 3), (3, 2), (3, 1)], health=50)], food=[(3, 4)])
    nxt = step(b, {"a": "up"}, seed=11, settings=Settings(minimum_food=1, food_spawn_chance=0))
    a = nxt.snake("a")
    assert a.health == 100
    assert len(nxt.food) == 1
    new = nxt.food[0]
    assert new != Point(3, 4)
    assert new not in a.body
    assert abs(new.x - a.head.x) + abs(new.y - a.head.y) > 1


def test_food_spawns_after_eliminations_on_the_cells_they_free() -> None:
    # 3 x 1 board: a starves this turn; its cells and the cells next to its head are free for
    # the food spawned the same turn (official order: ruleset, then the map's post-update).
    b = board([snake("a", [(1, 0), (0, 0)], health=1)], width=3, height=1)
    nxt = step(b, {"a": "right"}, seed=0, settings=Settings(minimum_food=3, food_spawn_chance=0))
    assert nxt.snake("a").eliminated_cause == OUT_OF_HEALTH
    assert sorted(cells(nxt.food)) == [(0, 0), (1, 0), (2, 0)]
