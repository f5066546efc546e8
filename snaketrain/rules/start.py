"""The standard start: fixed start points, stacked length-3 snakes, fixed initial food.

As the official engine (board.go PlaceSnakesFixed, PlaceFoodFixed): the four corners and the
four mid-edges one cell in from the wall are shuffled separately, then one group (chosen by a
coin) goes first, so two snakes start on symmetric points. One food goes diagonally next to each
snake, away from the centre and never in a corner, and one in the centre.
"""

from __future__ import annotations

from collections.abc import Sequence

from . import rng
from .types import (
    FIXED_BOARD_SIZES,
    MAX_FIXED_SNAKES,
    MAX_HEALTH,
    START_LENGTH,
    Board,
    Point,
    Snake,
)


class StartError(ValueError):
    """A game cannot start with the standard placement."""


def _shuffle(points: list[Point], seed: int, k0: int) -> list[Point]:
    out = list(points)
    for i in range(len(out) - 1, 0, -1):  # Fisher-Yates, one draw per position
        j = rng.below(rng.draw(seed, 0, rng.START, k0 + i), i + 1)
        out[i], out[j] = out[j], out[i]
    return out


def check_start(width: int, height: int, n_snakes: int) -> None:
    if width != height:
        raise StartError(
            f"standard placement needs a square board, got {width}x{height}; "
            f"allowed sizes: {', '.join(f'{s}x{s}' for s in FIXED_BOARD_SIZES)}"
        )
    if width not in FIXED_BOARD_SIZES:
        raise StartError(
            f"standard placement has no start points for {width}x{height}; "
            f"allowed sizes: {', '.join(f'{s}x{s}' for s in FIXED_BOARD_SIZES)}"
        )
    if not 1 <= n_snakes <= MAX_FIXED_SNAKES:
        raise StartError(f"standard placement takes 1 to {MAX_FIXED_SNAKES} snakes, got {n_snakes}")


def start_points(size: int, seed: int) -> list[Point]:
    """The 8 start points of a ``size`` board in the order snakes take them for ``seed``."""
    mn, md, mx = 1, (size - 1) // 2, size - 2
    corners = _shuffle([Point(mn, mn), Point(mn, mx), Point(mx, mn), Point(mx, mx)], seed, 0)
    cardinals = _shuffle([Point(mn, md), Point(md, mn), Point(md, mx), Point(mx, md)], seed, 8)
    if rng.below(rng.draw(seed, 0, rng.START, 16), 2) == 0:
        return corners + cardinals
    return cardinals + corners


def _initial_food(board: Board, seed: int) -> list[Point]:
    centre = Point((board.width - 1) // 2, (board.height - 1) // 2)
    food: list[Point] = []
    small = board.width * board.height < 11 * 11
    if len(board.snakes) <= 4 or not small:
        occupied = {p for s in board.snakes for p in s.body}
        for i, snake in enumerate(board.snakes):
            h = snake.body[0]
            options = []
            for p in (
                Point(h.x - 1, h.y - 1),
                Point(h.x - 1, h.y + 1),
                Point(h.x + 1, h.y - 1),
                Point(h.x + 1, h.y + 1),
            ):
                if p == centre or p in food or p in occupied:
                    continue
                away = (
                    (p.x < h.x < centre.x)
                    or (centre.x < h.x < p.x)
                    or (p.y < h.y < centre.y)
                    or (centre.y < h.y < p.y)
                )
                corner = p.x in (0, board.width - 1) and p.y in (0, board.height - 1)
                if away and not corner:
                    options.append(p)
            if not options:
                raise StartError(f"no room for initial food next to snake {snake.id!r}")
            food.append(options[rng.below(rng.draw(seed, 0, rng.START, 32 + i), len(options))])
    occupied = {p for s in board.snakes for p in s.body} | set(food)
    if centre in occupied:
        raise StartError("the centre is occupied; no room for the centre food")
    food.append(centre)
    return food


def standard_start(
    size: int,
    snake_ids: Sequence[str],
    seed: int,
    names: Sequence[str] | None = None,
) -> Board:
    """Turn 0 of a standard game on a ``size`` x ``size`` board."""
    check_start(size, size, len(snake_ids))
    if len(set(snake_ids)) != len(snake_ids):
        raise StartError(f"snake ids must be unique, got {list(snake_ids)}")
    names = list(names) if names is not None else list(snake_ids)
    points = start_points(size, seed)
    snakes = [
        Snake(id=sid, name=name, health=MAX_HEALTH, body=[points[i]] * START_LENGTH)
        for i, (sid, name) in enumerate(zip(snake_ids, names, strict=True))
    ]
    board = Board(width=size, height=size, snakes=snakes)
    board.food = _initial_food(board, seed)
    return board
