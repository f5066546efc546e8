"""Stage 1 of a turn, move (official standard.go MoveSnakesStandard), written from the rules:
every living snake gains a new head one cell in its move's direction and drops its last
segment; a missing move continues in the neck direction, and with no usable neck goes up."""

from __future__ import annotations

import pytest
from boardkit import board, cells, pts, snake

from snaketrain.rules.reference import default_move, move_snakes, step
from snaketrain.rules.types import OUT_OF_HEALTH, Settings

QUIET = Settings(food_spawn_chance=0, minimum_food=0)

# A length-3 snake pointing up at (2, 2), neck below it.
UPRIGHT = [(2, 2), (2, 1), (2, 0)]


@pytest.mark.parametrize(
    ("move", "expected"),
    [
        ("up", [(2, 3), (2, 2), (2, 1)]),
        ("left", [(1, 2), (2, 2), (2, 1)]),
        ("right", [(3, 2), (2, 2), (2, 1)]),
        # Backwards onto its own neck: the move is applied; elimination judges it later.
        ("down", [(2, 1), (2, 2), (2, 1)]),
    ],
)
def test_each_move_adds_a_head_and_drops_the_tail(move: str, expected: list) -> None:
    b = board([snake("a", UPRIGHT)])
    move_snakes(b, {"a": move})
    assert cells(b.snake("a").body) == expected


def test_up_increases_y() -> None:
    b = board([snake("a", [(3, 0)])])
    move_snakes(b, {"a": "up"})
    assert cells(b.snake("a").body) == [(3, 1)]


@pytest.mark.parametrize(
    ("body", "expected_head"),
    [
        ([(2, 2), (1, 2), (0, 2)], (3, 2)),  # neck on the left: continues right
        ([(2, 2), (3, 2), (4, 2)], (1, 2)),  # neck on the right: continues left
        ([(2, 2), (2, 1), (2, 0)], (2, 3)),  # neck below: continues up
        ([(2, 2), (2, 3), (2, 4)], (2, 1)),  # neck above: continues down
    ],
)
@pytest.mark.parametrize("missing", ["absent", "none"])
def test_missing_move_continues_in_the_neck_direction(
    body: list, expected_head: tuple, missing: str
) -> None:
    b = board([snake("a", body)])
    move_snakes(b, {} if missing == "absent" else {"a": None})
    assert cells(b.snake("a").body) == [expected_head, *body[:-1]]


@pytest.mark.parametrize(
    "body",
    [
        [(2, 2)],  # no neck at all
        [(2, 2), (2, 2), (2, 2)],  # start of a game: neck stacked on the head
        [(2, 2), (2, 2), (2, 1)],  # neck stacked, tail below
        [(2, 2), (2, 2), (3, 2)],  # neck stacked, tail to the right: still up
    ],
)
def test_missing_move_without_a_usable_neck_goes_up(body: list) -> None:
    assert default_move(pts(body)) == "up"
    b = board([snake("a", body)])
    move_snakes(b, {})
    assert cells(b.snake("a").body) == [(2, 3), *body[:-1]]


def test_stacked_tail_stays_one_segment_behind() -> None:
    # The snake ate last turn, so its last two segments share a cell; moving drops only one.
    b = board([snake("a", [(2, 2), (2, 1), (2, 1)])])
    move_snakes(b, {"a": "right"})
    assert cells(b.snake("a").body) == [(3, 2), (2, 2), (2, 1)]


def test_snakes_move_simultaneously_and_independently() -> None:
    b = board([snake("a", UPRIGHT), snake("b", [(5, 5), (5, 6), (5, 6)])])
    move_snakes(b, {"a": "left", "b": "right"})
    assert cells(b.snake("a").body) == [(1, 2), (2, 2), (2, 1)]
    assert cells(b.snake("b").body) == [(6, 5), (5, 5), (5, 6)]


def test_eliminated_snakes_do_not_move() -> None:
    b = board([snake("a", UPRIGHT, cause=OUT_OF_HEALTH)])
    move_snakes(b, {"a": "up"})
    assert cells(b.snake("a").body) == UPRIGHT


@pytest.mark.parametrize("bad", ["north", "UP", "", "u"])
def test_unknown_move_string_is_an_error_naming_the_allowed_moves(bad: str) -> None:
    b = board([snake("a", UPRIGHT)])
    with pytest.raises(ValueError, match=r"up, down, left, right") as info:
        move_snakes(b, {"a": bad})
    assert repr(bad) in str(info.value)


def test_step_rejects_an_unknown_move_and_leaves_the_board_alone() -> None:
    b = board([snake("a", UPRIGHT), snake("b", [(5, 5), (5, 4), (5, 3)])])
    with pytest.raises(ValueError, match=r"allowed: up, down, left, right"):
        step(b, {"a": "up", "b": "sideways"}, seed=1, settings=QUIET)
    assert cells(b.snake("a").body) == UPRIGHT
    assert b.turn == 0


def test_step_returns_a_new_board_one_turn_later() -> None:
    b = board([snake("a", UPRIGHT)], turn=4)
    nxt = step(b, {"a": "right"}, seed=1, settings=QUIET)
    assert nxt.turn == 5
    assert cells(nxt.snake("a").body) == [(3, 2), (2, 2), (2, 1)]
    assert cells(b.snake("a").body) == UPRIGHT  # the input board is not changed


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # official getDefaultMove on a wrapped board: the neck is on the far edge
        ([(0, 3), (6, 3)], "right"),  # head at x=0, neck x>0: came in from the right edge
        ([(6, 3), (0, 3)], "left"),  # neck at x=0, head x>0
        ([(3, 0), (3, 6)], "up"),  # head at y=0, neck y>0
        ([(3, 6), (3, 0)], "down"),  # neck at y=0, head y>0
        ([(0, 0), (6, 6), (5, 6)], "right"),  # the x check comes first
        ([(2, 2), (4, 5)], "up"),  # far apart, no axis at zero: up
        ([(0, 0), (0, 0)], "up"),  # stacked at the corner: up
    ],
)
def test_default_move_with_a_neck_not_next_to_the_head(body: list, expected: str) -> None:
    assert default_move(pts(body)) == expected
