"""API v1 boards: everything wrong in an incoming board is a BoardError naming the field, and
boards survive a trip out to the API shape and back."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
from boardkit import board, snake

from snaketrain.rules.api import (
    MAX_SNAKES,
    BoardError,
    board_from_api,
    board_to_api,
    game_to_api,
    move_request,
)
from snaketrain.rules.types import OUT_OF_HEALTH, Settings


def valid() -> dict[str, Any]:
    """An 11x11 API board, written out by hand."""
    return {
        "height": 11,
        "width": 11,
        "food": [{"x": 5, "y": 5}, {"x": 0, "y": 10}],
        "hazards": [{"x": 10, "y": 0}],
        "snakes": [
            {
                "id": "a",
                "name": "Ann",
                "health": 90,
                "body": [{"x": 1, "y": 1}, {"x": 1, "y": 0}, {"x": 0, "y": 0}],
                "head": {"x": 1, "y": 1},
                "length": 3,
            },
            {
                "id": "b",
                "name": "Bob",
                "health": 54,
                "body": [{"x": 9, "y": 9}, {"x": 9, "y": 9}, {"x": 9, "y": 9}],
                "head": {"x": 9, "y": 9},
                "length": 3,
            },
        ],
    }


def snake_api(sid: str, x: int, y: int) -> dict[str, Any]:
    """A one-segment API snake."""
    return {"id": sid, "health": 50, "body": [{"x": x, "y": y}]}


Edit = Callable[[dict[str, Any]], None]


def setter(path: str, value: Any) -> Edit:
    """An edit that sets ``path`` (dotted keys and [i] indices) to ``value``."""

    def edit(obj: dict[str, Any]) -> None:
        keys = path.replace("[", ".").replace("]", "").split(".")
        target: Any = obj
        for k in keys[:-1]:
            target = target[int(k)] if k.isdigit() else target[k]
        last = keys[-1]
        target[int(last) if last.isdigit() else last] = value

    return edit


def deleter(path: str) -> Edit:
    def edit(obj: dict[str, Any]) -> None:
        *parent, last = path.split(".")
        target: Any = obj
        for k in parent:
            if "[" in k:
                name, idx = k[:-1].split("[")
                target = target[name][int(idx)]
            else:
                target = target[k]
        del target[last]

    return edit


BAD: list[tuple[str, Edit, str]] = [
    # coordinates off the board, for bodies, food and hazards
    ("negative body x", setter("snakes[1].body[0].x", -1), r"board\.snakes\[1\]\.body\[0\]"),
    ("body y = height", setter("snakes[0].body[2].y", 11), r"board\.snakes\[0\]\.body\[2\]"),
    ("food x = width", setter("food[1].x", 11), r"board\.food\[1\]: \(11, 10\) is off"),
    ("negative food y", setter("food[0].y", -3), r"board\.food\[0\]"),
    ("negative hazard", setter("hazards[0].x", -1), r"board\.hazards\[0\]"),
    ("hazard off top", setter("hazards[0].y", 11), r"board\.hazards\[0\].*y 0\.\.10"),
    ("head off board", setter("snakes[0].head.x", 11), r"board\.snakes\[0\]\.head"),
    # bodies
    ("empty body", setter("snakes[1].body", []), r"board\.snakes\[1\]\.body: .*must not be empty"),
    (
        "segments apart",
        setter("snakes[0].body[1]", {"x": 3, "y": 0}),
        r"board\.snakes\[0\]\.body\[1\]: .*not next to",
    ),
    # ids
    ("duplicate id", setter("snakes[1].id", "a"), r"board\.snakes\[1\]\.id: duplicate .*'a'"),
    ("empty id", setter("snakes[0].id", ""), r"board\.snakes\[0\]\.id: must not be empty"),
    # wrong types
    ("id not a string", setter("snakes[0].id", 7), r"board\.snakes\[0\]\.id: expected a string"),
    ("name not a string", setter("snakes[1].name", None), r"board\.snakes\[1\]\.name"),
    ("health as text", setter("snakes[0].health", "90"), r"board\.snakes\[0\]\.health: expected"),
    ("x as float", setter("snakes[0].body[0].x", 1.0), r"board\.snakes\[0\]\.body\[0\]\.x"),
    ("x as bool", setter("food[0].x", True), r"board\.food\[0\]\.x: expected an integer"),
    ("point not an object", setter("food[0]", [5, 5]), r"board\.food\[0\]: expected an object"),
    ("body not a list", setter("snakes[0].body", {}), r"board\.snakes\[0\]\.body: expected a list"),
    ("food not a list", setter("food", "none"), r"board\.food: expected a list"),
    ("hazards not a list", setter("hazards", None), r"board\.hazards: expected a list"),
    ("snakes not a list", setter("snakes", {}), r"board\.snakes: expected a list"),
    ("snake not an object", setter("snakes[1]", "b"), r"board\.snakes\[1\]: expected an object"),
    ("width as text", setter("width", "11"), r"board\.width: expected an integer"),
    ("length as text", setter("snakes[0].length", "3"), r"board\.snakes\[0\]\.length"),
    # missing fields
    ("no width", deleter("width"), r"board\.width: missing"),
    ("no height", deleter("height"), r"board\.height: missing"),
    ("no snakes", deleter("snakes"), r"board\.snakes: missing"),
    ("no id", deleter("snakes[1].id"), r"board\.snakes\[1\]\.id: missing"),
    ("no health", deleter("snakes[0].health"), r"board\.snakes\[0\]\.health: missing"),
    ("no body", deleter("snakes[0].body"), r"board\.snakes\[0\]\.body: missing"),
    ("no y", deleter("food[0].y"), r"board\.food\[0\]\.y: missing"),
    # sizes and ranges
    ("width 0", setter("width", 0), r"board\.width: 0 is outside 1\.\.25"),
    ("width 26", setter("width", 26), r"board\.width: 26 is outside 1\.\.25"),
    ("height negative", setter("height", -1), r"board\.height: -1 is outside 1\.\.25"),
    ("health 101", setter("snakes[0].health", 101), r"board\.snakes\[0\]\.health: 101 .*0\.\.100"),
    ("health -1", setter("snakes[1].health", -1), r"board\.snakes\[1\]\.health"),
    # counts: snakes (the standard map's maximum), food (one per cell), body segments
    (
        "17 snakes",
        setter("snakes", [snake_api(f"s{i}", i % 11, i // 11) for i in range(17)]),
        r"^board\.snakes: 17 snakes; at most 16 \(the standard map's maximum\)$",
    ),
    (
        "more food than cells",
        setter("food", [{"x": 0, "y": 0}] * 122),
        r"^board\.food: 122 points; at most 121, one per cell of the 11x11 board$",
    ),
    (
        "body longer than the board",
        setter("snakes[0].body", [{"x": 0, "y": 0}] * 124),
        r"^board\.snakes\[0\]\.body: 124 segments cannot fit on a 11x11 board$",
    ),
    # head and length must agree with the body
    ("head not body[0]", setter("snakes[0].head", {"x": 1, "y": 0}), r"snakes\[0\]\.head: .*body"),
    ("length mismatch", setter("snakes[1].length", 4), r"board\.snakes\[1\]\.length: 4 but"),
]


@pytest.mark.parametrize(("edit", "message"), [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_boards_name_the_field(edit: Edit, message: str) -> None:
    obj = valid()
    edit(obj)
    with pytest.raises(BoardError, match=message):
        board_from_api(obj)


def test_16_snakes_and_a_full_board_of_food_are_accepted() -> None:
    obj = valid()
    obj["snakes"] = [snake_api(f"s{i}", i % 11, i // 11) for i in range(MAX_SNAKES)]
    obj["food"] = [{"x": x, "y": y} for x in range(11) for y in range(11)]
    b = board_from_api(obj)
    assert len(b.snakes) == MAX_SNAKES == 16 and len(b.food) == 121


def test_the_board_itself_must_be_an_object() -> None:
    with pytest.raises(BoardError, match=r"^board: expected an object, got list"):
        board_from_api([])


def test_the_field_prefix_can_be_chosen() -> None:
    obj = valid()
    obj["food"][0]["x"] = 99
    with pytest.raises(BoardError, match=r"^request\.board\.food\[0\]"):
        board_from_api(obj, where="request.board")


def test_board_error_is_a_value_error() -> None:
    assert issubclass(BoardError, ValueError)


def test_a_valid_board_reads_as_written() -> None:
    b = board_from_api(valid(), turn=12)
    assert (b.width, b.height, b.turn) == (11, 11, 12)
    assert [(s.id, s.name, s.health, s.length) for s in b.snakes] == [
        ("a", "Ann", 90, 3),
        ("b", "Bob", 54, 3),
    ]
    assert [tuple(p) for p in b.snakes[0].body] == [(1, 1), (1, 0), (0, 0)]
    assert [tuple(p) for p in b.food] == [(5, 5), (0, 10)]
    assert [tuple(p) for p in b.hazards] == [(10, 0)]


def test_head_and_length_are_optional() -> None:
    obj = valid()
    for s in obj["snakes"]:
        del s["head"], s["length"]
    assert board_from_api(obj).snakes[0].length == 3


def test_reading_does_not_change_the_input() -> None:
    obj = valid()
    before = copy.deepcopy(obj)
    board_from_api(obj)
    assert obj == before


def test_round_trip_through_the_api_shape_and_json() -> None:
    b = board(
        [
            snake("a", [(3, 3), (3, 2), (2, 2), (2, 2)], health=77, name="Ann"),
            snake("b", [(6, 6), (6, 5), (5, 5)], health=3, name="Bob"),
        ],
        width=11,
        height=11,
        food=[(0, 0), (10, 10)],
        hazards=[(4, 4), (4, 4), (0, 10)],
        turn=30,
    )
    back = board_from_api(json.loads(json.dumps(board_to_api(b))), turn=30)
    assert back == b


def test_the_api_shape_shows_only_living_snakes() -> None:
    b = board(
        [snake("a", [(3, 3), (3, 2)]), snake("b", [(5, 5), (5, 4)], cause=OUT_OF_HEALTH)],
        width=11,
        height=11,
    )
    api = board_to_api(b)
    assert [s["id"] for s in api["snakes"]] == ["a"]
    assert [s.id for s in board_from_api(api).snakes] == ["a"]


def test_a_move_request_has_the_official_keys() -> None:
    b = board([snake("a", [(3, 3), (3, 2)], name="Ann")], width=11, height=11, turn=4)
    req = move_request(b, "a", game_to_api("g1", Settings()))
    assert set(req) == {"game", "turn", "board", "you"}
    assert req["turn"] == 4
    assert req["you"]["id"] == "a" and req["you"]["name"] == "Ann"
    assert set(req["you"]) == {
        "id",
        "name",
        "latency",
        "health",
        "body",
        "head",
        "length",
        "shout",
        "squad",
        "customizations",
    }
