"""Small builders for hand-written boards in the rules tests.

Coordinates are (x, y) with (0, 0) bottom-left and "up" = y + 1, as in the API.
"""

from __future__ import annotations

from collections.abc import Iterable

from snaketrain.rules.types import Board, Point, Snake

Cells = Iterable[tuple[int, int]]


def pts(cells: Cells) -> list[Point]:
    return [Point(x, y) for x, y in cells]


def snake(
    sid: str,
    body: Cells,
    health: int = 100,
    cause: str = "",
    name: str = "",
) -> Snake:
    return Snake(id=sid, health=health, body=pts(body), name=name or sid, eliminated_cause=cause)


def board(
    snakes: list[Snake],
    width: int = 7,
    height: int = 7,
    food: Cells = (),
    hazards: Cells = (),
    turn: int = 0,
) -> Board:
    return Board(width, height, snakes, pts(food), pts(hazards), turn)


def cells(points: Iterable[Point]) -> list[tuple[int, int]]:
    return [(p.x, p.y) for p in points]
