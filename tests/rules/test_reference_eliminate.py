"""Stage 6 of a turn, eliminate (official EliminateSnakesStandard), written from the rules.

First out of health, then out of bounds. Then, among the snakes still standing, collisions are
all judged before any is applied: a head on its own body (self), a head on another standing
snake's body (attributed to the longest such snake), a head on another head (the shorter loses;
equal length: both). Snakes eliminated this turn are marked with the new turn.

Boards in the stage tables are hand-built as they stand after the move stage.
"""

from __future__ import annotations

import pytest
from boardkit import board, snake

from snaketrain.rules.reference import eliminate_snakes, step
from snaketrain.rules.types import (
    HEAD_COLLISION,
    NOT_ELIMINATED,
    OUT_OF_HEALTH,
    SELF_COLLISION,
    SNAKE_COLLISION,
    WALL_COLLISION,
    Settings,
    Snake,
)

QUIET = Settings(food_spawn_chance=0, minimum_food=0)


def outcome(s: Snake) -> tuple[str, str, int]:
    return (s.eliminated_cause, s.eliminated_by, s.eliminated_turn)


ALIVE = (NOT_ELIMINATED, "", 0)


@pytest.mark.parametrize(
    ("health", "expected"),
    [(0, (OUT_OF_HEALTH, "", 5)), (1, ALIVE), (100, ALIVE)],
)
def test_out_of_health(health: int, expected: tuple) -> None:
    b = board([snake("a", [(3, 3), (3, 2), (3, 1)], health=health)])
    eliminate_snakes(b, next_turn=5)
    assert outcome(b.snake("a")) == expected


@pytest.mark.parametrize(
    "body",
    [
        [(-1, 3), (0, 3), (1, 3)],  # left wall
        [(7, 3), (6, 3), (5, 3)],  # right wall
        [(3, -1), (3, 0), (3, 1)],  # bottom wall
        [(3, 7), (3, 6), (3, 5)],  # top wall
    ],
)
def test_wall_collision_for_each_wall(body: list) -> None:
    b = board([snake("a", body)])
    eliminate_snakes(b, next_turn=2)
    assert outcome(b.snake("a")) == (WALL_COLLISION, "", 2)


def test_out_of_health_is_judged_before_out_of_bounds() -> None:
    b = board([snake("a", [(-1, 3), (0, 3), (1, 3)], health=0)])
    eliminate_snakes(b, next_turn=2)
    assert outcome(b.snake("a")) == (OUT_OF_HEALTH, "", 2)


def test_self_collision() -> None:
    # Head (1, 1) on its own fifth segment.
    body = [(1, 1), (1, 2), (2, 2), (2, 1), (1, 1), (0, 1)]
    b = board([snake("a", body)])
    eliminate_snakes(b, next_turn=3)
    assert outcome(b.snake("a")) == (SELF_COLLISION, "a", 3)


def test_head_on_another_snakes_body() -> None:
    # a's head on b's neck
    b = board([snake("a", [(4, 3), (3, 3), (2, 3)]), snake("b", [(4, 4), (4, 3), (4, 2)])])
    eliminate_snakes(b, next_turn=4)
    assert outcome(b.snake("a")) == (SNAKE_COLLISION, "b", 4)
    assert outcome(b.snake("b")) == ALIVE


# A's head (3, 3) lies on a body segment of both B (length 4) and C (length 5).
A = ("A", [(3, 3), (3, 2), (3, 1)])
B = ("B", [(5, 3), (4, 3), (3, 3), (3, 4)])
C = ("C", [(0, 4), (1, 4), (1, 3), (2, 3), (3, 3)])


@pytest.mark.parametrize("order", [(A, B, C), (A, C, B), (C, B, A), (B, A, C)])
def test_a_head_on_two_bodies_is_attributed_to_the_longest(order: tuple) -> None:
    b = board([snake(sid, body) for sid, body in order])
    eliminate_snakes(b, next_turn=6)
    assert outcome(b.snake("A")) == (SNAKE_COLLISION, "C", 6)
    assert outcome(b.snake("B")) == ALIVE
    assert outcome(b.snake("C")) == ALIVE


@pytest.mark.parametrize(
    "victim",
    [
        snake("b", [(4, 4), (4, 3), (4, 2)], health=0),  # starved this turn
        snake("b", [(4, 7), (4, 6), (4, 5), (4, 4), (4, 3)]),  # head off the top
    ],
)
def test_a_snake_eliminated_for_health_or_bounds_kills_no_one_with_its_body(
    victim: Snake,
) -> None:
    b = board([snake("a", [(4, 3), (3, 3), (2, 3)]), victim])  # a's head on b's body
    eliminate_snakes(b, next_turn=9)
    assert outcome(b.snake("a")) == ALIVE
    assert b.snake("b").eliminated_cause in (OUT_OF_HEALTH, WALL_COLLISION)


def test_a_starved_snake_loses_no_head_to_head() -> None:
    b = board(
        [
            snake("short", [(3, 3), (2, 3), (1, 3)]),
            snake("long", [(3, 3), (4, 3), (5, 3), (6, 3)], health=0),
        ]
    )
    eliminate_snakes(b, next_turn=1)
    assert outcome(b.snake("short")) == ALIVE
    assert outcome(b.snake("long")) == (OUT_OF_HEALTH, "", 1)


@pytest.mark.parametrize(
    ("len_a", "len_b", "expected_a", "expected_b"),
    [
        (3, 4, (HEAD_COLLISION, "b", 2), ALIVE),  # shorter dies
        (4, 3, ALIVE, (HEAD_COLLISION, "a", 2)),
        (3, 3, (HEAD_COLLISION, "b", 2), (HEAD_COLLISION, "a", 2)),  # equal: both
        (5, 5, (HEAD_COLLISION, "b", 2), (HEAD_COLLISION, "a", 2)),
    ],
)
def test_head_to_head(len_a: int, len_b: int, expected_a: tuple, expected_b: tuple) -> None:
    body_a = [(5 - i, 3) for i in range(len_a)]  # head (5, 3), trailing left
    body_b = [(5 + i, 3) for i in range(len_b)]  # head (5, 3), trailing right
    b = board([snake("a", body_a), snake("b", body_b)], width=11)
    eliminate_snakes(b, next_turn=2)
    assert outcome(b.snake("a")) == expected_a
    assert outcome(b.snake("b")) == expected_b


def test_three_heads_on_one_cell_the_longest_survives() -> None:
    b = board(
        [
            snake("a", [(3, 3), (2, 3), (1, 3)]),
            snake("b", [(3, 3), (4, 3), (5, 3)]),
            snake("c", [(3, 3), (3, 4), (3, 5), (3, 6)]),
        ]
    )
    eliminate_snakes(b, next_turn=1)
    assert outcome(b.snake("a")) == (HEAD_COLLISION, "c", 1)
    assert outcome(b.snake("b")) == (HEAD_COLLISION, "c", 1)
    assert outcome(b.snake("c")) == ALIVE


def test_collisions_are_judged_before_any_is_applied() -> None:
    # a moved onto b's tail cell while b moved onto a's neck: each head is on the other's
    # body, so both die; applying a's elimination first would wrongly spare b.
    b = board(
        [
            snake("a", [(3, 3), (2, 3), (1, 3)]),
            snake("b", [(2, 3), (2, 4), (3, 4), (3, 3)]),
        ]
    )
    eliminate_snakes(b, next_turn=1)
    assert outcome(b.snake("a")) == (SNAKE_COLLISION, "b", 1)
    assert outcome(b.snake("b")) == (SNAKE_COLLISION, "a", 1)


def test_already_eliminated_snakes_keep_their_record() -> None:
    dead = snake("b", [(3, 3), (4, 3), (5, 3)], cause=WALL_COLLISION)
    dead.eliminated_turn = 2
    b = board([snake("a", [(4, 3), (3, 3), (2, 3)]), dead])  # a's head on dead b's body
    eliminate_snakes(b, next_turn=5)
    assert outcome(b.snake("a")) == ALIVE
    assert outcome(b.snake("b")) == (WALL_COLLISION, "", 2)


# --- whole turns: tails, and the turn number ------------------------------------------------


def test_moving_into_a_tail_that_moves_away_is_safe() -> None:
    b = board([snake("a", [(1, 2), (0, 2), (0, 1)]), snake("b", [(2, 4), (2, 3), (2, 2)])])
    nxt = step(b, {"a": "right", "b": "up"}, seed=0, settings=QUIET)
    assert all(s.alive for s in nxt.snakes)
    assert nxt.snake("a").head == (2, 2)


def test_chasing_its_own_tail_is_safe() -> None:
    b = board([snake("a", [(1, 1), (1, 2), (2, 2), (2, 1)])])
    nxt = step(b, {"a": "right"}, seed=0, settings=QUIET)
    assert nxt.snake("a").alive
    assert nxt.snake("a").head == (2, 1)


def test_moving_into_the_tail_of_a_snake_that_just_ate_is_not_safe() -> None:
    # b ate last turn: its tail (2, 2) is stacked and stays put this turn.
    b = board([snake("a", [(1, 2), (0, 2), (0, 1)]), snake("b", [(2, 4), (2, 3), (2, 2), (2, 2)])])
    nxt = step(b, {"a": "right", "b": "up"}, seed=0, settings=QUIET)
    assert outcome(nxt.snake("a")) == (SNAKE_COLLISION, "b", 1)
    assert nxt.snake("b").alive


def test_a_snake_eating_this_turn_still_frees_its_old_tail() -> None:
    # Movement drops b's tail (2, 2) before b eats and repeats its new tail (2, 3).
    b = board(
        [snake("a", [(1, 2), (0, 2), (0, 1)]), snake("b", [(2, 4), (2, 3), (2, 2)])],
        food=[(2, 5)],
    )
    nxt = step(b, {"a": "right", "b": "up"}, seed=0, settings=QUIET)
    assert nxt.snake("a").alive
    assert [tuple(p) for p in nxt.snake("b").body] == [(2, 5), (2, 4), (2, 3), (2, 3)]


def test_eliminated_turn_is_the_new_turn() -> None:
    b = board([snake("a", [(0, 3), (1, 3), (2, 3)]), snake("b", [(5, 5), (5, 4), (5, 3)])], turn=7)
    nxt = step(b, {"a": "left", "b": "up"}, seed=0, settings=QUIET)
    assert nxt.turn == 8
    assert outcome(nxt.snake("a")) == (WALL_COLLISION, "", 8)
    assert nxt.snake("b").alive


def test_eliminated_snakes_stay_on_the_board_and_stop() -> None:
    b = board([snake("a", [(0, 3), (1, 3), (2, 3)]), snake("b", [(5, 5), (5, 4), (5, 3)])])
    b = step(b, {"a": "left", "b": "up"}, seed=0, settings=QUIET)
    body_a = list(b.snake("a").body)
    b = step(b, {"b": "left"}, seed=0, settings=QUIET)
    assert b.snake("a").body == body_a
    assert outcome(b.snake("a")) == (WALL_COLLISION, "", 1)
    assert [s.id for s in b.alive_snakes] == ["b"]
