"""Boards in the shape of the Battlesnake API v1, read with validation and written back.

Everything a user or an HTTP peer can send passes through ``board_from_api``; whatever is wrong
is reported as a ``BoardError`` that names the field (``board.snakes[1].body[0].x``) and what is
allowed, before any engine sees it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .types import MAX_HEALTH, Board, Point, Settings, Snake

MAX_BOARD_SIDE = 25
"""Largest board side accepted from outside (the official platform's largest map is 25)."""

MAX_SNAKES = 16
"""Most snakes on a board accepted from outside: the official standard map's ``MaxPlayers``
(BattlesnakeOfficial/rules, maps/standard.go)."""


class BoardError(ValueError):
    """An API-shaped board that breaks the rules; the message names the field at fault."""


def _obj(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise BoardError(f"{where}: expected an object, got {type(value).__name__}")
    return value


def _field(obj: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in obj:
        raise BoardError(f"{where}.{key}: missing")
    return obj[key]


def _int(value: Any, where: str, lo: int | None = None, hi: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise BoardError(f"{where}: expected an integer, got {value!r}")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise BoardError(f"{where}: {value} is outside {lo}..{hi}")
    return value


def _str(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise BoardError(f"{where}: expected a string, got {value!r}")
    return value


def _point(value: Any, where: str, width: int, height: int) -> Point:
    obj = _obj(value, where)
    x = _int(_field(obj, "x", where), f"{where}.x")
    y = _int(_field(obj, "y", where), f"{where}.y")
    if not (0 <= x < width and 0 <= y < height):
        raise BoardError(
            f"{where}: ({x}, {y}) is off the {width}x{height} board "
            f"(x must be 0..{width - 1}, y 0..{height - 1})"
        )
    return Point(x, y)


def _points(
    value: Any, where: str, width: int, height: int, limit: int | None = None
) -> list[Point]:
    if not isinstance(value, list):
        raise BoardError(f"{where}: expected a list of points, got {type(value).__name__}")
    if limit is not None and len(value) > limit:
        raise BoardError(
            f"{where}: {len(value)} points; at most {limit}, one per cell of the "
            f"{width}x{height} board"
        )
    return [_point(p, f"{where}[{i}]", width, height) for i, p in enumerate(value)]


def _snake(value: Any, where: str, width: int, height: int) -> Snake:
    obj = _obj(value, where)
    sid = _str(_field(obj, "id", where), f"{where}.id")
    if not sid:
        raise BoardError(f"{where}.id: must not be empty")
    name = _str(obj.get("name", sid), f"{where}.name")
    health = _int(_field(obj, "health", where), f"{where}.health", 0, MAX_HEALTH)
    raw_body = _field(obj, "body", where)
    if isinstance(raw_body, list) and len(raw_body) > width * height + 2:
        raise BoardError(
            f"{where}.body: {len(raw_body)} segments cannot fit on a {width}x{height} board"
        )
    body = _points(raw_body, f"{where}.body", width, height)
    if not body:
        raise BoardError(f"{where}.body: a snake's body must not be empty")
    for i in range(1, len(body)):
        a, b = body[i - 1], body[i]
        if abs(a.x - b.x) + abs(a.y - b.y) > 1:
            raise BoardError(
                f"{where}.body[{i}]: ({b.x}, {b.y}) is not next to ({a.x}, {a.y}); "
                "segments must touch or stack"
            )
    if "head" in obj:
        head = _point(obj["head"], f"{where}.head", width, height)
        if head != body[0]:
            raise BoardError(f"{where}.head: ({head.x}, {head.y}) is not body[0]")
    if "length" in obj:
        length = _int(obj["length"], f"{where}.length")
        if length != len(body):
            raise BoardError(f"{where}.length: {length} but the body has {len(body)} segments")
    return Snake(id=sid, name=name, health=health, body=body)


def board_from_api(value: Any, turn: int = 0, where: str = "board") -> Board:
    """A validated ``Board`` from an API v1 ``board`` object."""
    obj = _obj(value, where)
    width = _int(_field(obj, "width", where), f"{where}.width", 1, MAX_BOARD_SIDE)
    height = _int(_field(obj, "height", where), f"{where}.height", 1, MAX_BOARD_SIDE)
    food = _points(obj.get("food", []), f"{where}.food", width, height, width * height)
    hazards = _points(obj.get("hazards", []), f"{where}.hazards", width, height)
    raw_snakes = _field(obj, "snakes", where)
    if not isinstance(raw_snakes, list):
        raise BoardError(f"{where}.snakes: expected a list, got {type(raw_snakes).__name__}")
    if len(raw_snakes) > MAX_SNAKES:
        raise BoardError(
            f"{where}.snakes: {len(raw_snakes)} snakes; at most {MAX_SNAKES} "
            "(the standard map's maximum)"
        )
    snakes = [_snake(s, f"{where}.snakes[{i}]", width, height) for i, s in enumerate(raw_snakes)]
    seen: set[str] = set()
    for i, s in enumerate(snakes):
        if s.id in seen:
            raise BoardError(f"{where}.snakes[{i}].id: duplicate snake id {s.id!r}")
        seen.add(s.id)
    return Board(width, height, snakes, food, hazards, turn)


def _point_api(p: Point) -> dict[str, int]:
    return {"x": p.x, "y": p.y}


def snake_to_api(s: Snake) -> dict[str, Any]:
    return {
        "id": s.id,
        "name": s.name or s.id,
        "health": s.health,
        "body": [_point_api(p) for p in s.body],
        "head": _point_api(s.body[0]),
        "length": len(s.body),
        "latency": "0",
        "shout": "",
        "squad": "",
        "customizations": {"color": "#888888", "head": "default", "tail": "default"},
    }


def board_to_api(board: Board) -> dict[str, Any]:
    """The API ``board`` object: living snakes only, as the official engine sends it."""
    return {
        "height": board.height,
        "width": board.width,
        "food": [_point_api(p) for p in board.food],
        "hazards": [_point_api(p) for p in board.hazards],
        "snakes": [snake_to_api(s) for s in board.alive_snakes],
    }


def game_to_api(
    game_id: str,
    settings: Settings,
    timeout_ms: int = 500,
    source: str = "custom",
    map_name: str = "standard",
) -> dict[str, Any]:
    return {
        "id": game_id,
        "ruleset": {
            "name": "standard",
            "version": "v1.2.3",
            "settings": {
                **settings.to_api(),
                # Deprecated upstream but still sent (client.RulesetSettings).
                "hazardMap": "",
                "hazardMapAuthor": "",
                "royale": {"shrinkEveryNTurns": 0},
                "squad": {
                    "allowBodyCollisions": False,
                    "sharedElimination": False,
                    "sharedHealth": False,
                    "sharedLength": False,
                },
            },
        },
        "map": map_name,
        "timeout": timeout_ms,
        "source": source,
    }


def move_request(board: Board, you: str, game: Mapping[str, Any]) -> dict[str, Any]:
    """The body of a ``/move`` request for snake ``you``."""
    return {
        "game": dict(game),
        "turn": board.turn,
        "board": board_to_api(board),
        "you": snake_to_api(board.snake(you)),
    }
