"""Stages 2 and 3 of a turn, written from the rules (official ReduceSnakeHealthStandard and
DamageHazardsStandard): every living snake loses 1 health; then each hazard entry on a living
snake's head cell costs ``hazardDamagePerTurn``, unless food lies on that cell. Health floors at
0, and a snake at 0 after hazard damage is eliminated at once with cause "hazard"."""

from __future__ import annotations

import pytest
from boardkit import board, snake

from snaketrain.rules.reference import damage_hazards, reduce_health, step
from snaketrain.rules.types import HAZARD, NOT_ELIMINATED, OUT_OF_HEALTH, Settings

BODY = [(3, 3), (3, 2), (3, 1)]  # head at (3, 3)


def test_reduce_health_takes_one_from_every_living_snake() -> None:
    b = board([snake("a", BODY, health=100), snake("b", [(5, 5)], health=1)])
    reduce_health(b)
    assert [s.health for s in b.snakes] == [99, 0]
    # Running out of health is judged by the elimination stage, not here.
    assert all(s.eliminated_cause == NOT_ELIMINATED for s in b.snakes)


def test_reduce_health_skips_eliminated_snakes() -> None:
    b = board([snake("a", BODY, health=40, cause=OUT_OF_HEALTH)])
    reduce_health(b)
    assert b.snake("a").health == 40


@pytest.mark.parametrize(
    ("health", "hazards", "food", "damage", "expected_health", "expected_cause"),
    [
        # one hazard on the head
        (99, [(3, 3)], [], 14, 85, NOT_ELIMINATED),
        # hazards elsewhere, even under the body, do nothing
        (99, [(3, 2), (3, 1), (0, 0)], [], 14, 99, NOT_ELIMINATED),
        # food on the hazard cell protects the snake
        (99, [(3, 3)], [(3, 3)], 14, 99, NOT_ELIMINATED),
        # food elsewhere does not
        (99, [(3, 3)], [(0, 0)], 14, 85, NOT_ELIMINATED),
        # stacked hazards stack: three entries on one cell cost three times
        (99, [(3, 3), (3, 3), (3, 3)], [], 14, 57, NOT_ELIMINATED),
        # the damage comes from the settings
        (99, [(3, 3)], [], 50, 49, NOT_ELIMINATED),
        (99, [(3, 3)], [], 0, 99, NOT_ELIMINATED),
        # down to exactly 0: eliminated by the hazard
        (14, [(3, 3)], [], 14, 0, HAZARD),
        # below 0: floors at 0, eliminated by the hazard
        (5, [(3, 3)], [], 14, 0, HAZARD),
        (20, [(3, 3), (3, 3)], [], 14, 0, HAZARD),
        # already at 0 (from the health stage) and on a hazard: the hazard gets the blame
        (0, [(3, 3)], [], 0, 0, HAZARD),
    ],
)
def test_hazard_damage(
    health: int,
    hazards: list,
    food: list,
    damage: int,
    expected_health: int,
    expected_cause: str,
) -> None:
    b = board([snake("a", BODY, health=health)], hazards=hazards, food=food)
    damage_hazards(b, Settings(hazard_damage_per_turn=damage), next_turn=8)
    a = b.snake("a")
    assert a.health == expected_health
    assert a.eliminated_cause == expected_cause
    if expected_cause == HAZARD:
        assert a.eliminated_by == ""
        assert a.eliminated_turn == 8


def test_hazard_damage_skips_eliminated_snakes() -> None:
    b = board([snake("a", BODY, health=30, cause=OUT_OF_HEALTH)], hazards=[(3, 3)])
    damage_hazards(b, Settings(hazard_damage_per_turn=14), next_turn=1)
    assert b.snake("a").health == 30
    assert b.snake("a").eliminated_cause == OUT_OF_HEALTH


def test_hazard_damage_applies_to_each_snake_on_its_own_head() -> None:
    b = board(
        [snake("a", BODY, health=50), snake("b", [(5, 5), (5, 4)], health=50)],
        hazards=[(5, 5)],
    )
    damage_hazards(b, Settings(hazard_damage_per_turn=10), next_turn=1)
    assert [s.health for s in b.snakes] == [50, 40]


def test_a_turn_costs_one_health_plus_hazard_damage() -> None:
    b = board([snake("a", BODY, health=100)], hazards=[(3, 4)])
    settings = Settings(hazard_damage_per_turn=14, minimum_food=0, food_spawn_chance=0)
    nxt = step(b, {"a": "up"}, seed=0, settings=settings)
    assert nxt.snake("a").health == 100 - 1 - 14


def test_a_turn_that_ends_on_a_hazard_with_little_health_eliminates_by_hazard() -> None:
    b = board([snake("a", BODY, health=10)], hazards=[(3, 4)], turn=41)
    settings = Settings(hazard_damage_per_turn=14, minimum_food=0, food_spawn_chance=0)
    a = step(b, {"a": "up"}, seed=0, settings=settings).snake("a")
    assert (a.health, a.eliminated_cause, a.eliminated_by, a.eliminated_turn) == (0, HAZARD, "", 42)


def test_eating_on_a_hazard_cell_costs_no_hazard_damage() -> None:
    b = board([snake("a", BODY, health=50)], hazards=[(3, 4)], food=[(3, 4)])
    settings = Settings(hazard_damage_per_turn=14, minimum_food=0, food_spawn_chance=0)
    a = step(b, {"a": "up"}, seed=0, settings=settings).snake("a")
    assert a.health == 100
    assert a.length == 4


def test_running_out_of_health_off_hazards_is_out_of_health() -> None:
    b = board([snake("a", BODY, health=1)], turn=9)
    settings = Settings(minimum_food=0, food_spawn_chance=0)
    a = step(b, {"a": "up"}, seed=0, settings=settings).snake("a")
    assert (a.health, a.eliminated_cause, a.eliminated_turn) == (0, OUT_OF_HEALTH, 10)


@pytest.mark.parametrize(
    ("health", "hazards", "food", "damage", "expected_health", "expected_cause"),
    [
        # official DamageHazardsStandard: a negative damage heals, capped at MAX_HEALTH
        (50, [(3, 3)], [], -10, 60, NOT_ELIMINATED),
        (95, [(3, 3)], [], -10, 100, NOT_ELIMINATED),
        (50, [(3, 3), (3, 3)], [], -10, 70, NOT_ELIMINATED),  # stacked entries heal twice
        (0, [(3, 3)], [], -10, 10, NOT_ELIMINATED),  # healed before elimination is judged
        (50, [(3, 3)], [(3, 3)], -10, 50, NOT_ELIMINATED),  # food on the cell: no effect
        (50, [(4, 4)], [], -10, 50, NOT_ELIMINATED),  # not on the head's cell
    ],
)
def test_negative_hazard_damage_heals(
    health: int,
    hazards: list,
    food: list,
    damage: int,
    expected_health: int,
    expected_cause: str,
) -> None:
    b = board([snake("a", BODY, health=health)], hazards=hazards, food=food)
    damage_hazards(b, Settings(hazard_damage_per_turn=damage), next_turn=8)
    assert b.snake("a").health == expected_health
    assert b.snake("a").eliminated_cause == expected_cause


def test_a_turn_on_a_healing_hazard_with_one_health_left_survives() -> None:
    b = board([snake("a", BODY, health=1)], hazards=[(3, 4)])
    settings = Settings(hazard_damage_per_turn=-5, minimum_food=0, food_spawn_chance=0)
    a = step(b, {"a": "up"}, seed=0, settings=settings).snake("a")
    assert (a.health, a.eliminated_cause) == (5, NOT_ELIMINATED)
