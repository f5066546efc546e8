"""The referee against snakes that misbehave: each failure counted and played as the official
CLI plays it (the previous move, here the engine's default move), a dead instance restarted
and its game replayed from the seed."""

from __future__ import annotations

import asyncio
import json

import pytest

from snaketrain.external.process import Instances
from snaketrain.external.referee import HttpSnake, InProcess, Referee, move_bodies, parse_move
from snaketrain.external.transport import new_client
from snaketrain.rules.api import game_to_api, move_request
from snaketrain.rules.reference import default_move, step
from snaketrain.rules.start import standard_start
from snaketrain.rules.types import Settings
from snaketrain.snake.registry import batched_policy

from .externalkit import bad_spec

SEED = 5


async def _play(seat, turns=6):
    async with new_client() as client:
        referee = Referee(client, size=7, max_turns=turns)
        return await referee.play([seat, InProcess("baseline", batched_policy("baseline"))], SEED)


@pytest.mark.parametrize(
    ("mode", "timeout_ms", "counter"),
    [("slow", 200, "timeouts"), ("garbage", 2000, "invalid"), ("status", 2000, "errors")],
)
def test_a_failing_snake_is_counted_and_moves_by_default(tmp_path, mode, timeout_ms, counter):
    spec = bad_spec(tmp_path, mode, move_timeout_ms=timeout_ms)
    with Instances(spec, spec.config_path, tmp_path / "logs") as snake:
        game = asyncio.run(_play(HttpSnake(mode, snake, timeout_ms), turns=3))
    calls = game.calls[0]
    assert calls is not None and calls.ok == 0
    assert getattr(calls, counter) == calls.moves == len(game.record.moves) > 0
    for board, moves in zip(game.record.boards, game.record.moves, strict=False):
        assert moves["snake-0"] is None  # the engine plays it: neck direction, else up
        after = game.record.boards[board.turn + 1].snake("snake-0").body[0]
        dx, dy = {"up": (0, 1), "down": (0, -1), "left": (-1, 0), "right": (1, 0)}[
            default_move(board.snake("snake-0").body)
        ]
        assert after == (
            board.snake("snake-0").body[0].x + dx,
            board.snake("snake-0").body[0].y + dy,
        )


def test_an_unreachable_url_is_an_error_not_a_crash():
    game = asyncio.run(_play(HttpSnake.at("gone", "http://127.0.0.1:9", timeout_ms=500), turns=2))
    assert game.calls[0].errors == len(game.record.moves) > 0


def test_a_dead_instance_is_restarted_and_its_game_replayed(tmp_path, monkeypatch):
    monkeypatch.setenv("DIE_ONCE", str(tmp_path / "died"))
    spec = bad_spec(tmp_path, "die:2")
    with Instances(spec, spec.config_path, tmp_path / "logs") as snake:
        game = asyncio.run(_play(HttpSnake("snake", snake, 2000)))
        assert (tmp_path / "died").exists()
        assert snake.restarts == 1
    (tmp_path / "ok").mkdir()
    ok = bad_spec(tmp_path / "ok", "ok")
    with Instances(ok, ok.config_path, tmp_path / "logs") as snake:
        clean = asyncio.run(_play(HttpSnake("snake", snake, 2000)))
    assert game.record.moves == clean.record.moves and game.record.final == clean.record.final
    assert game.calls[0].replayed == 1 and game.calls[0].failed == 0


@pytest.mark.parametrize(
    ("body", "move"),
    [
        (b'{"move": "left", "shout": "hi"}', "left"),
        (b'{"move": "LEFT"}', None),
        (b'{"move": 1}', None),
        (b"[]", None),
        (b"not json", None),
        (b"", None),
    ],
)
def test_parse_move(body, move):
    assert parse_move(body) == move


def test_move_bodies_are_the_official_move_request_encoded_once_per_turn():
    board = standard_start(7, ["snake-0", "snake-1", "snake-2"], SEED, ["a", "b", "c"])
    board = step(board, {"snake-0": "up", "snake-1": None, "snake-2": "left"}, SEED, Settings())
    game = game_to_api("g-1", Settings(hazard_damage_per_turn=-3), 300)
    game_json = json.dumps(game, separators=(",", ":"))
    you = ["snake-2", "snake-0"]
    assert move_bodies(board, game_json, you) == [
        json.dumps(move_request(board, i, game), separators=(",", ":")).encode() for i in you
    ]
