"""Stage 4 of a turn, feed (official FeedSnakesStandard), written from the rules: a living
snake whose head is on food eats it: health back to 100 and one segment more, the tail
repeated. Every snake whose head is on the food eats; eaten food leaves the board."""

from __future__ import annotations

from boardkit import board, cells, snake

from snaketrain.rules.reference import feed_snakes, step
from snaketrain.rules.types import HEAD_COLLISION, OUT_OF_HEALTH, Settings

QUIET = Settings(food_spawn_chance=0, minimum_food=0)


def test_a_snake_with_its_head_on_food_eats() -> None:
    b = board([snake("a", [(2, 3), (2, 2), (2, 1)], health=37)], food=[(0, 0), (2, 3), (6, 6)])
    feed_snakes(b)
    a = b.snake("a")
    assert a.health == 100
    assert cells(a.body) == [(2, 3), (2, 2), (2, 1), (2, 1)]
    assert cells(b.food) == [(0, 0), (6, 6)]


def test_food_under_the_body_is_not_eaten() -> None:
    b = board([snake("a", [(2, 3), (2, 2), (2, 1)], health=37)], food=[(2, 2), (2, 1)])
    feed_snakes(b)
    assert b.snake("a").health == 37
    assert b.snake("a").length == 3
    assert cells(b.food) == [(2, 2), (2, 1)]


def test_no_food_changes_nothing() -> None:
    b = board([snake("a", [(2, 3), (2, 2), (2, 1)], health=37)], food=[(5, 5)])
    feed_snakes(b)
    assert (b.snake("a").health, b.snake("a").length, cells(b.food)) == (37, 3, [(5, 5)])


def test_two_snakes_on_one_food_both_eat_and_the_food_goes() -> None:
    b = board(
        [
            snake("a", [(3, 3), (2, 3), (1, 3)], health=10),
            snake("b", [(3, 3), (4, 3), (5, 3), (6, 3)], health=60),
        ],
        food=[(3, 3)],
    )
    feed_snakes(b)
    assert [s.health for s in b.snakes] == [100, 100]
    assert [s.length for s in b.snakes] == [4, 5]
    assert b.food == []


def test_eliminated_snakes_do_not_eat() -> None:
    b = board([snake("a", [(2, 3), (2, 2)], health=0, cause=OUT_OF_HEALTH)], food=[(2, 3)])
    feed_snakes(b)
    assert b.snake("a").length == 2
    assert cells(b.food) == [(2, 3)]


def test_a_turn_onto_food_gives_full_health_and_a_stacked_tail() -> None:
    b = board([snake("a", [(2, 2), (2, 1), (2, 0)], health=50)], food=[(2, 3)])
    a = step(b, {"a": "up"}, seed=0, settings=QUIET).snake("a")
    # Full health: eating comes after the health stage, so no 99.
    assert a.health == 100
    assert cells(a.body) == [(2, 3), (2, 2), (2, 1), (2, 1)]


def test_the_grown_tail_stays_put_for_one_turn() -> None:
    b = board([snake("a", [(2, 2), (2, 1), (2, 0)], health=50)], food=[(2, 3)])
    b = step(b, {"a": "up"}, seed=0, settings=QUIET)
    b = step(b, {"a": "right"}, seed=0, settings=QUIET)
    assert cells(b.snake("a").body) == [(3, 3), (2, 3), (2, 2), (2, 1)]
    b = step(b, {"a": "right"}, seed=0, settings=QUIET)
    assert cells(b.snake("a").body) == [(4, 3), (3, 3), (2, 3), (2, 2)]


def test_head_to_head_on_food_feeds_both_before_judging_length() -> None:
    # a (length 3) and b (length 4) meet on food: both grow, b is still longer and wins.
    b = board(
        [
            snake("a", [(2, 3), (1, 3), (0, 3)], health=50),
            snake("b", [(4, 3), (5, 3), (6, 3), (6, 4)], health=50),
        ],
        food=[(3, 3)],
    )
    nxt = step(b, {"a": "right", "b": "left"}, seed=0, settings=QUIET)
    a, bb = nxt.snake("a"), nxt.snake("b")
    assert (a.length, bb.length) == (4, 5)
    assert (a.eliminated_cause, a.eliminated_by) == (HEAD_COLLISION, "b")
    assert bb.alive and bb.health == 100
    assert nxt.food == []
