"""Replays checked against the reference engine. The files in ``data/official_*.jsonl`` were
written by the official Battlesnake CLI (BattlesnakeOfficial/rules at 87e094e, ``battlesnake
play --output``) with small random HTTP snakes; see data/README.md."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from snaketrain.rules import reference as ref
from snaketrain.rules.game import play_game
from snaketrain.rules.replay import read_replay, write_replay
from snaketrain.rules.types import MOVES
from snaketrain.rules.verify import VerifyError, move_between, verify_file
from snaketrain.snake.random_safe import random_safe

DATA = Path(__file__).with_name("data")
OFFICIAL = {
    "official_standard_7x7_2.jsonl": 41,
    "official_standard_11x11_4.jsonl": 54,
    "official_inner_wall_11x11_2.jsonl": 23,  # hazards, 14 damage
    "official_healing_7x7_2.jsonl": 61,  # hazards, -10 damage: healing capped at 100
    "official_solo_7x7_1.jsonl": 76,  # one snake: the CLI plays it solo
    "official_food_after_elimination_7x7_4.jsonl": 22,
}


def lines(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (DATA / name).read_text().splitlines()]


def write(tmp_path: Path, objs: list[dict[str, Any]]) -> Path:
    path = tmp_path / "game.jsonl"
    path.write_text("".join(json.dumps(o) + "\n" for o in objs))
    return path


@pytest.mark.parametrize(("name", "turns"), OFFICIAL.items())
def test_every_official_game_agrees_turn_by_turn(name: str, turns: int) -> None:
    verdict = verify_file(DATA / name)
    assert verdict.agrees, verdict.line()
    assert verdict.line() == f"all {turns} turns agree"


def test_a_health_that_differs_is_the_first_disagreement(tmp_path: Path) -> None:
    objs = lines("official_standard_7x7_2.jsonl")
    snake = objs[1 + 12]["board"]["snakes"][0]
    snake["health"] -= 3
    verdict = verify_file(write(tmp_path, objs))
    assert verdict.bad_turn == 12
    assert verdict.line().startswith("turn 12 disagrees: ")
    assert f"health is {snake['health']}, the rules give {snake['health'] + 3}" in verdict.line()


def test_food_that_vanishes_uneaten_disagrees(tmp_path: Path) -> None:
    objs = lines("official_standard_7x7_2.jsonl")
    turn = next(t for t in range(5, 40) if len(objs[1 + t]["board"]["food"]) > 1)
    gone = objs[1 + turn]["board"]["food"][0]
    for obj in objs[1 + turn : -1]:  # drop one food from this turn on
        obj["board"]["food"] = [f for f in obj["board"]["food"] if f != gone]
    verdict = verify_file(write(tmp_path, objs))
    assert verdict.bad_turn == turn and "nobody ate it" in verdict.reason


def test_food_spawned_next_to_a_head_disagrees(tmp_path: Path) -> None:
    objs = lines("official_standard_7x7_2.jsonl")
    board = objs[1 + 7]["board"]
    head = board["snakes"][0]["head"]
    cell = next(
        {"x": head["x"] + dx, "y": head["y"] + dy}
        for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1))
        if 0 <= head["x"] + dx < 7 and 0 <= head["y"] + dy < 7
    )
    board["food"].append(cell)
    verdict = verify_file(write(tmp_path, objs))
    assert verdict.bad_turn == 7 and "keep free of food" in verdict.reason


def test_a_file_that_goes_on_after_the_game_is_over_disagrees(tmp_path: Path) -> None:
    objs = lines("official_standard_7x7_2.jsonl")
    extra = json.loads(json.dumps(objs[-2]))
    extra["turn"] += 1
    objs.insert(len(objs) - 1, extra)
    verdict = verify_file(write(tmp_path, objs))
    assert verdict.line() == "turn 42 disagrees: the game is over at turn 41"


def test_a_file_cut_short_disagrees(tmp_path: Path) -> None:
    objs = lines("official_standard_7x7_2.jsonl")
    del objs[-5:-1]
    verdict = verify_file(write(tmp_path, objs))
    assert verdict.line() == "turn 37 disagrees: the file ends but the game is not over"


def test_a_wrong_winner_disagrees(tmp_path: Path) -> None:
    objs = lines("official_standard_7x7_2.jsonl")
    objs[-1]["winnerId"] = ""
    objs[-1]["isDraw"] = True
    verdict = verify_file(write(tmp_path, objs))
    assert verdict.bad_turn == 41 and "the result says" in verdict.reason


def test_a_ruleset_these_rules_do_not_cover_is_refused(tmp_path: Path) -> None:
    objs = lines("official_standard_7x7_2.jsonl")
    objs[0]["ruleset"]["name"] = "wrapped"
    with pytest.raises(VerifyError, match="ruleset 'wrapped' is not replayed; supported: "):
        verify_file(write(tmp_path, objs))


def _spawns(name: str) -> list[tuple[Any, Any, set[Any]]]:
    """(board before, board after, food spawned) of every turn that spawns food."""
    replay = read_replay(DATA / name)
    out = []
    for a, b in itertools.pairwise(replay.boards):
        spawned = set((Counter(b.food) - Counter(a.food)).elements())
        if spawned:
            out.append((a, b, spawned))
    return out


def test_the_official_engine_spawns_food_after_eliminations() -> None:
    # Turn 22: a snake dies and food appears on a cell that was taken before it was eliminated
    # (spawning before eliminations, as snaketrain did, could not put food there).
    name = "official_food_after_elimination_7x7_4.jsonl"
    settings = read_replay(DATA / name).settings
    (a, b, spawned) = next(s for s in _spawns(name) if s[1].turn == 22)
    shown = {s.id: s for s in b.snakes}
    moves = {s.id: move_between(s.head, shown[s.id].head) for s in a.snakes if s.id in shown}
    vanished = [s.id for s in a.snakes if s.id not in shown]
    explained = 0
    for combo in itertools.product(MOVES, repeat=len(vanished)):  # its move is not shown
        board = a.copy()
        ref.move_snakes(board, {**moves, **dict(zip(vanished, combo, strict=True))})
        ref.reduce_health(board)
        ref.damage_hazards(board, settings, b.turn)
        ref.feed_snakes(board)
        before = set(ref.unoccupied_points(board))
        ref.eliminate_snakes(board, b.turn)
        if {s.id for s in board.alive_snakes} != set(shown):
            continue
        assert not spawned <= before
        explained += spawned <= set(ref.unoccupied_points(board))
    assert vanished and explained


def test_the_official_standard_map_spawns_food_on_hazards() -> None:
    hits = [
        (b.turn, p)
        for _, b, spawned in _spawns("official_healing_7x7_2.jsonl")
        for p in spawned
        if p in set(b.hazards)
    ]
    assert len(hits) >= 3


@pytest.mark.parametrize(("n", "seed"), [(2, 3), (4, 8), (1, 2)])
def test_snaketrains_own_replays_agree(tmp_path: Path, n: int, seed: int) -> None:
    record = play_game([random_safe] * n, size=7, seed=seed)
    write_replay(record, tmp_path / "own.jsonl")
    verdict = verify_file(tmp_path / "own.jsonl")
    assert verdict.line() == f"all {record.final.turn} turns agree"
