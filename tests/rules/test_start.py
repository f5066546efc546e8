"""The standard start, written from the rules (official board.go PlaceSnakesFixed and
PlaceFoodFixed): 7x7, 11x11 and 19x19 boards have 8 fixed start points, the 4 corners and the
4 mid-edges one cell in from the walls; one group fills first, so 2 snakes start both on
corners or both on mid-edges. Each snake is length 3 stacked on its point with 100 health.
One food goes diagonally next to each snake, farther from the centre than the snake on some
axis and never in a corner, then one food in the centre; on boards smaller than 11x11 with
more than 4 snakes only the centre food is placed."""

from __future__ import annotations

import pytest

from snaketrain.rules.start import StartError, check_start, standard_start
from snaketrain.rules.types import Point

# Start points by hand: mn = 1, md = (size - 1) / 2, mx = size - 2.
CORNERS = {
    7: {(1, 1), (1, 5), (5, 1), (5, 5)},
    11: {(1, 1), (1, 9), (9, 1), (9, 9)},
    19: {(1, 1), (1, 17), (17, 1), (17, 17)},
}
MID_EDGES = {
    7: {(1, 3), (3, 1), (3, 5), (5, 3)},
    11: {(1, 5), (5, 1), (5, 9), (9, 5)},
    19: {(1, 9), (9, 1), (9, 17), (17, 9)},
}
CENTRE = {7: (3, 3), 11: (5, 5), 19: (9, 9)}

# Where the food next to each start point may go on 11x11 (by hand: the diagonal neighbours
# farther from the centre on some axis, minus corners).
FOOD_OPTIONS_11 = {
    (1, 1): {(0, 2), (2, 0)},
    (1, 9): {(0, 8), (2, 10)},
    (9, 1): {(8, 0), (10, 2)},
    (9, 9): {(10, 8), (8, 10)},
    (1, 5): {(0, 4), (0, 6)},
    (5, 1): {(4, 0), (6, 0)},
    (5, 9): {(4, 10), (6, 10)},
    (9, 5): {(10, 4), (10, 6)},
}
FOOD_OPTIONS_7 = {
    (1, 1): {(0, 2), (2, 0)},
    (1, 5): {(0, 4), (2, 6)},
    (5, 1): {(4, 0), (6, 2)},
    (5, 5): {(6, 4), (4, 6)},
    (1, 3): {(0, 2), (0, 4)},
    (3, 1): {(2, 0), (4, 0)},
    (3, 5): {(2, 6), (4, 6)},
    (5, 3): {(6, 2), (6, 4)},
}


def ids(n: int) -> list[str]:
    return [f"s{i}" for i in range(n)]


def heads(size: int, n: int, seed: int) -> list[tuple[int, int]]:
    return [tuple(s.head) for s in standard_start(size, ids(n), seed).snakes]


@pytest.mark.parametrize("size", [7, 11, 19])
@pytest.mark.parametrize("seed", range(6))
def test_eight_snakes_take_exactly_the_eight_official_points(size: int, seed: int) -> None:
    assert sorted(heads(size, 8, seed)) == sorted(CORNERS[size] | MID_EDGES[size])


@pytest.mark.parametrize("size", [7, 11, 19])
@pytest.mark.parametrize("n", range(1, 9))
def test_snakes_start_stacked_length_3_with_full_health(size: int, n: int) -> None:
    b = standard_start(size, ids(n), seed=n)
    assert (b.width, b.height, b.turn) == (size, size, 0)
    assert [s.id for s in b.snakes] == ids(n)
    assert len(set(heads(size, n, n))) == n
    for s in b.snakes:
        assert s.body == [s.head] * 3
        assert s.health == 100
        assert s.alive
        assert tuple(s.head) in CORNERS[size] | MID_EDGES[size]


@pytest.mark.parametrize("n", range(1, 5))
def test_the_first_four_snakes_share_a_group(n: int) -> None:
    for seed in range(30):
        hs = set(heads(11, n, seed))
        assert hs <= CORNERS[11] or hs <= MID_EDGES[11]


def test_two_snakes_start_on_corners_or_on_mid_edges_and_both_happen() -> None:
    groups = set()
    for seed in range(40):
        hs = set(heads(11, 2, seed))
        assert hs <= CORNERS[11] or hs <= MID_EDGES[11]
        groups.add("corners" if hs <= CORNERS[11] else "mid-edges")
    assert groups == {"corners", "mid-edges"}


def test_points_are_shuffled_by_the_seed() -> None:
    assert len({tuple(heads(11, 4, seed)) for seed in range(20)}) > 4


@pytest.mark.parametrize(("size", "options"), [(11, FOOD_OPTIONS_11), (7, FOOD_OPTIONS_7)])
@pytest.mark.parametrize("n", range(1, 5))
def test_one_food_next_to_each_snake_and_one_in_the_centre(
    size: int, options: dict, n: int
) -> None:
    for seed in range(12):
        b = standard_start(size, ids(n), seed)
        food = [tuple(p) for p in b.food]
        assert len(food) == n + 1
        assert len(set(food)) == n + 1
        for s, f in zip(b.snakes, food, strict=False):
            assert f in options[tuple(s.head)]
        assert food[-1] == CENTRE[size]


@pytest.mark.parametrize("size", [7, 11, 19])
def test_initial_food_is_never_in_a_corner_or_on_a_snake(size: int) -> None:
    corners = {(0, 0), (0, size - 1), (size - 1, 0), (size - 1, size - 1)}
    for n in range(1, 9):
        for seed in range(5):
            b = standard_start(size, ids(n), seed)
            snake_cells = {p for s in b.snakes for p in s.body}
            for f in b.food:
                assert tuple(f) not in corners
                assert f not in snake_cells
                assert b.in_bounds(f)


@pytest.mark.parametrize("size", [11, 19])
def test_large_boards_get_food_for_all_eight_snakes(size: int) -> None:
    b = standard_start(size, ids(8), seed=4)
    assert len(b.food) == 9
    for s, f in zip(b.snakes, b.food, strict=False):
        assert abs(f.x - s.head.x) == 1 and abs(f.y - s.head.y) == 1
    assert tuple(b.food[-1]) == CENTRE[size]


@pytest.mark.parametrize("n", range(5, 9))
def test_seven_by_seven_with_more_than_four_snakes_gets_only_the_centre_food(n: int) -> None:
    for seed in range(5):
        assert standard_start(7, ids(n), seed).food == [Point(3, 3)]


def test_same_seed_same_board_and_names_default_to_ids() -> None:
    first = standard_start(11, ["a", "b", "c"], seed=99)
    assert first == standard_start(11, ["a", "b", "c"], seed=99)
    assert [s.name for s in first.snakes] == ["a", "b", "c"]
    named = standard_start(11, ["a", "b"], seed=99, names=["Ann", "Bob"])
    assert [s.name for s in named.snakes] == ["Ann", "Bob"]


def test_different_seeds_give_different_boards() -> None:
    boards = [standard_start(11, ids(2), seed) for seed in range(10)]
    assert len({(tuple(b.snakes[0].body), tuple(b.food)) for b in boards}) > 1


@pytest.mark.parametrize(
    ("width", "height", "n", "message"),
    [
        (11, 7, 2, r"square board, got 11x7; allowed sizes: 7x7, 11x11, 19x19"),
        (7, 11, 2, r"square board, got 7x11"),
        (9, 9, 2, r"no start points for 9x9; allowed sizes: 7x7, 11x11, 19x19"),
        (25, 25, 2, r"25x25; allowed sizes: 7x7, 11x11, 19x19"),
        (11, 11, 0, r"takes 1 to 8 snakes, got 0"),
        (11, 11, 9, r"takes 1 to 8 snakes, got 9"),
    ],
)
def test_bad_starts_are_errors_naming_what_is_allowed(
    width: int, height: int, n: int, message: str
) -> None:
    with pytest.raises(StartError, match=message):
        check_start(width, height, n)
    if width == height:
        with pytest.raises(StartError, match=message):
            standard_start(width, ids(n), seed=0)


def test_duplicate_ids_are_an_error() -> None:
    with pytest.raises(StartError, match=r"unique.*\['a', 'a'\]"):
        standard_start(11, ["a", "a"], seed=0)


def test_start_error_is_a_value_error() -> None:
    assert issubclass(StartError, ValueError)
