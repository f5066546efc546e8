"""Replays in the official Battlesnake CLI ``--output`` JSONL shape, and read back.

The expected key sets are those of the official CLI's test data (cli/commands/testdata/
jsonl_game.json, jsonl_turn_0.json, jsonl_game_complete.json) and client/models.go."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from boardkit import board, snake

from snaketrain.rules.api import board_to_api
from snaketrain.rules.game import GameRecord, play_game
from snaketrain.rules.replay import (
    Elimination,
    ReplayError,
    eliminations,
    read_replay,
    write_replay,
)
from snaketrain.rules.types import HEAD_COLLISION, Settings
from snaketrain.snake.random_safe import random_safe

GAME_KEYS = {"id", "ruleset", "map", "timeout", "source"}
RULESET_KEYS = {"name", "version", "settings"}
SETTINGS_KEYS = {
    "foodSpawnChance",
    "minimumFood",
    "hazardDamagePerTurn",
    "hazardMap",
    "hazardMapAuthor",
    "royale",
    "squad",
}
SQUAD_KEYS = {"allowBodyCollisions", "sharedElimination", "sharedHealth", "sharedLength"}
TURN_KEYS = {"game", "turn", "board", "you"}
BOARD_KEYS = {"height", "width", "snakes", "food", "hazards"}
SNAKE_KEYS = {
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
OFFICIAL_RESULT_KEYS = {"winnerId", "winnerName", "isDraw"}
QUIET = Settings(minimum_food=0, food_spawn_chance=0)


def lines_of(path: Path) -> list[Any]:
    text = path.read_text()
    assert text.endswith("\n")
    lines = text.split("\n")[:-1]
    assert all(line and "\n" not in line for line in lines)
    return [json.loads(line) for line in lines]


def head_on_tie() -> GameRecord:
    """Two equal snakes meet head-on on turn 1: both gone, a draw."""
    start = board(
        [
            snake("a", [(2, 3), (1, 3), (0, 3)], name="Ann"),
            snake("b", [(4, 3), (5, 3), (6, 3)], name="Bob"),
        ]
    )
    return play_game(
        [lambda b, s, seed: "right", lambda b, s, seed: "left"], start=start, settings=QUIET
    )


@pytest.fixture(scope="module")
def four_snake_game() -> GameRecord:
    return play_game([random_safe] * 4, size=11, seed=1, names=["w", "x", "y", "z"])


def test_line_structure_matches_the_official_cli(
    four_snake_game: GameRecord, tmp_path: Path
) -> None:
    record = four_snake_game
    path = tmp_path / "game.jsonl"
    n = write_replay(record, path, game_id="g-1")
    objs = lines_of(path)
    assert n == len(objs) == len(record.boards) + 2

    game, *turns, result = objs
    assert set(game) == GAME_KEYS
    assert game["id"] == "g-1" and game["map"] == "standard" and game["timeout"] == 500
    assert set(game["ruleset"]) == RULESET_KEYS
    assert game["ruleset"]["name"] == "standard"
    settings = game["ruleset"]["settings"]
    assert set(settings) == SETTINGS_KEYS
    assert set(settings["royale"]) == {"shrinkEveryNTurns"}
    assert set(settings["squad"]) == SQUAD_KEYS
    assert (settings["foodSpawnChance"], settings["minimumFood"]) == (15, 1)
    assert settings["hazardDamagePerTurn"] == 14

    for t, (line, b) in enumerate(zip(turns, record.boards, strict=True)):
        assert set(line) == TURN_KEYS
        assert line["turn"] == t
        assert line["game"] == game
        assert set(line["board"]) == BOARD_KEYS
        assert line["board"] == board_to_api(b)
        for s in [*line["board"]["snakes"], line["you"]]:
            assert set(s) == SNAKE_KEYS
            assert set(s["customizations"]) == {"color", "head", "tail"}
            assert isinstance(s["latency"], str)
            assert s["head"] == s["body"][0] and s["length"] == len(s["body"])
        # board.snakes holds the living snakes only
        assert [s["id"] for s in line["board"]["snakes"]] == [s.id for s in b.alive_snakes]

    assert set(result) == OFFICIAL_RESULT_KEYS | {"eliminations"}
    assert result["winnerId"] == record.winner
    assert result["winnerName"] == record.final.snake(record.winner).name
    assert result["isDraw"] is False


def test_you_is_the_first_living_snake(four_snake_game: GameRecord, tmp_path: Path) -> None:
    path = tmp_path / "game.jsonl"
    write_replay(four_snake_game, path)
    for line, b in zip(lines_of(path)[1:-1], four_snake_game.boards, strict=True):
        assert line["you"]["id"] == b.alive_snakes[0].id


def test_you_moves_on_when_the_first_snake_is_gone(tmp_path: Path) -> None:
    # a walks into the left wall on turn 1; b and c play on until the turn limit.
    start = board(
        [
            snake("a", [(0, 3), (1, 3), (2, 3)]),
            snake("b", [(5, 1), (5, 1), (5, 1)]),
            snake("c", [(5, 5), (5, 5), (5, 5)]),
        ]
    )
    policies = [lambda b, s, seed: "left", random_safe, random_safe]
    record = play_game(policies, start=start, settings=QUIET, max_turns=3, seed=4)
    assert record.final.snake("a").eliminated_turn == 1
    path = tmp_path / "game.jsonl"
    write_replay(record, path)
    assert [line["you"]["id"] for line in lines_of(path)[1:-1]] == ["a", "b", "b", "b"]


def test_a_draw_names_no_winner_and_lists_both_eliminations(tmp_path: Path) -> None:
    path = tmp_path / "draw.jsonl"
    write_replay(head_on_tie(), path)
    game, turn0, turn1, result = lines_of(path)
    assert [s["id"] for s in turn0["board"]["snakes"]] == ["a", "b"]
    assert turn1["board"]["snakes"] == []  # the official format drops eliminated snakes
    assert turn1["you"]["id"] == "a"  # nobody left: the game's first snake
    assert turn1["you"]["head"] == {"x": 3, "y": 3}
    assert result == {
        "winnerId": "",
        "winnerName": "",
        "isDraw": True,
        "eliminations": [
            {"id": "a", "name": "Ann", "cause": HEAD_COLLISION, "by": "b", "turn": 1},
            {"id": "b", "name": "Bob", "cause": HEAD_COLLISION, "by": "a", "turn": 1},
        ],
    }


def test_a_turn_limit_draw_has_no_eliminations(tmp_path: Path) -> None:
    path = tmp_path / "limit.jsonl"
    write_replay(play_game([random_safe] * 2, seed=3, max_turns=3), path)
    objs = lines_of(path)
    assert len(objs) == 1 + 4 + 1
    assert objs[-1] == {"winnerId": "", "winnerName": "", "isDraw": True, "eliminations": []}


def test_a_solo_game_is_neither_won_nor_drawn(tmp_path: Path) -> None:
    record = play_game([random_safe], size=7, seed=2)
    path = tmp_path / "solo.jsonl"
    write_replay(record, path)
    result = lines_of(path)[-1]
    assert (result["winnerId"], result["isDraw"]) == ("", False)
    assert [e["id"] for e in result["eliminations"]] == ["snake-0"]
    assert result["eliminations"][0]["turn"] == record.final.turn


def test_eliminations_are_in_order_of_turn() -> None:
    b = board([snake("a", [(1, 1)]), snake("b", [(2, 2)]), snake("c", [(3, 3)])])
    for sid, cause, turn in [("a", "hazard", 9), ("b", "wall-collision", 4)]:
        s = b.snake(sid)
        s.eliminated_cause, s.eliminated_turn = cause, turn
    assert eliminations(b) == [
        Elimination("b", "b", "wall-collision", "", 4),
        Elimination("a", "a", "hazard", "", 9),
    ]


def test_round_trip(four_snake_game: GameRecord, tmp_path: Path) -> None:
    record = four_snake_game
    path = tmp_path / "game.jsonl"
    write_replay(record, path)
    replay = read_replay(path)
    assert replay.settings == record.settings
    assert len(replay.boards) == len(record.boards)
    for mine, back in zip(record.boards, replay.boards, strict=True):
        assert back.turn == mine.turn
        assert board_to_api(back) == board_to_api(mine)
        assert back.snakes == mine.alive_snakes
    assert replay.winner == record.winner
    assert replay.is_draw == record.is_draw
    assert replay.eliminations == eliminations(record.final)
    assert replay.final.turn == record.final.turn


def test_round_trip_of_a_draw(tmp_path: Path) -> None:
    path = tmp_path / "draw.jsonl"
    write_replay(head_on_tie(), path)
    replay = read_replay(path)
    assert replay.winner is None and replay.is_draw
    assert [(e.id, e.cause, e.by, e.turn) for e in replay.eliminations] == [
        ("a", HEAD_COLLISION, "b", 1),
        ("b", HEAD_COLLISION, "a", 1),
    ]


def test_reads_an_official_file_without_eliminations(tmp_path: Path) -> None:
    path = tmp_path / "official.jsonl"
    write_replay(head_on_tie(), path)
    objs = lines_of(path)
    del objs[-1]["eliminations"]
    path.write_text("".join(json.dumps(o) + "\n" for o in objs))
    replay = read_replay(path)
    assert replay.eliminations == []
    assert len(replay.boards) == 2


def corrupt(tmp_path: Path, edit: Any) -> Path:
    path = tmp_path / "bad.jsonl"
    write_replay(head_on_tie(), path)
    objs = lines_of(path)
    lines = [json.dumps(o) for o in objs]
    edit(objs, lines)
    path.write_text("".join(line + "\n" for line in lines))
    return path


def _set_line(i: int, value: Any) -> Any:
    def edit(objs: list, lines: list) -> None:
        lines[i] = value(objs[i]) if callable(value) else value

    return edit


def _off_board(obj: dict) -> str:
    obj["board"]["snakes"][0]["body"][0]["x"] = -1
    return json.dumps(obj)


def _turn(obj: dict) -> str:
    obj["turn"] = 5
    return json.dumps(obj)


def _no_draw(obj: dict) -> str:
    del obj["isDraw"]
    return json.dumps(obj)


def _bad_settings(obj: dict) -> str:
    obj["ruleset"]["settings"]["minimumFood"] = -2
    return json.dumps(obj)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (_set_line(2, "{not json"), r"^line 3: not JSON"),
        (_set_line(1, _off_board), r"^line 2: board\.snakes\[0\]\.body\[0\]: \(-1, 3\) is off"),
        (_set_line(2, _turn), r"^line 3\.turn: 5, expected 1"),
        (_set_line(3, _no_draw), r"^line 4: result\.isDraw: missing"),
        (_set_line(0, _bad_settings), r"^line 1: game\.ruleset\.settings: minimum_food"),
        (_set_line(3, "[]"), r"^line 4: result: expected an object"),
    ],
)
def test_bad_files_name_the_line(tmp_path: Path, edit: Any, message: str) -> None:
    with pytest.raises(ReplayError, match=message):
        read_replay(corrupt(tmp_path, edit))


def test_a_truncated_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "short.jsonl"
    path.write_text('{"id": "g"}\n{"winnerId": ""}\n')
    with pytest.raises(ReplayError, match=r"2 lines; a replay has a game line"):
        read_replay(path)
