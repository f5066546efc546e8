"""The compiled engine and the reference engine reach identical states after every turn.

Both engines get the same moves (random-safe, chosen on the reference board; the compiled
random-safe snake must choose the same) and draw food from the same (seed, turn) counters.
The fast cases play a few hundred games each on 7x7, 11x11 and 19x19 with 2 and 4 snakes;
others add hazards, missing and deliberately bad moves so every elimination cause occurs; the
slow one plays thousands.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch
from rulekit import reference_snapshot

from snaketrain.arena.runner import GameSpec, run_games
from snaketrain.fast import state as fs
from snaketrain.fast.games import play_random_safe, random_safe_moves
from snaketrain.rules.reference import is_game_over, step
from snaketrain.rules.start import standard_start
from snaketrain.rules.types import CAUSES, MOVES, Board, Point, Settings
from snaketrain.snake.random_safe import RandomSafe, random_safe

TURN_CAP = 300


def snapshot(st: fs.FastState, b: int) -> tuple:
    geo, L = st.geo, st.body.shape[2]
    snakes = tuple(
        (
            int(st.health[b, s]),
            tuple(
                geo.point(int(st.body[b, s, (st.head_ptr[b, s] + i) % L]))
                for i in range(st.length[b, s])
            ),
            CAUSES[st.cause[b, s]],
            int(st.killer[b, s]),
            int(st.elim_turn[b, s]),
        )
        for s in range(st.snakes)
    )
    food = tuple(sorted(geo.point(int(p)) for p in np.flatnonzero(st.food[b])))
    return (int(st.turn[b]), food, snakes)


def run_differential(
    boards: list[Board], seeds: list[int], settings: Settings, chaos: float = 0.0
) -> tuple[int, set[str]]:
    """Play every game to the end in both engines, comparing after every turn. ``chaos``:
    share of moves replaced by a random code, -1 (no move) included. Returns the number of
    turns compared and the elimination causes seen."""
    rnd = random.Random(1234)
    st = fs.from_boards(boards, seeds)
    assert [snapshot(st, i) for i in range(len(boards))] == [reference_snapshot(b) for b in boards]
    compared, causes = 0, set()
    S = len(boards[0].snakes)
    while True:
        # one snake: the solo ruleset, as both engines play a one-snake start by default
        live = [
            i
            for i, b in enumerate(boards)
            if not is_game_over(b, solo=S == 1) and b.turn < TURN_CAP
        ]
        if not live:
            break
        fast_choice = random_safe_moves(st)
        moves = np.full((len(boards), S), -1, dtype=np.int64)
        for i in live:
            b = boards[i]
            chosen: dict[str, str | None] = {}
            for j, s in enumerate(b.snakes):
                if not s.alive:
                    continue
                move = random_safe(b, s.id, seeds[i])
                assert MOVES[fast_choice[i, j]] == move, f"game {i} seat {j} turn {b.turn}"
                if rnd.random() < chaos:
                    code = rnd.randrange(-1, 4)
                    move = MOVES[code] if code >= 0 else None
                chosen[s.id] = move
                moves[i, j] = MOVES.index(move) if move else -1
            boards[i] = step(b, chosen, seeds[i], settings)
        frozen = np.ones(len(boards), dtype=bool)
        frozen[live] = False
        st.done |= frozen  # games the reference stopped (over or capped) stay put
        fs.step_(st, moves, settings)
        for i in live:
            want = reference_snapshot(boards[i])
            assert snapshot(st, i) == want, f"game {i} (seed {seeds[i]}) at turn {boards[i].turn}"
            causes.update(s.eliminated_cause for s in boards[i].snakes)
        compared += len(live)
        over = np.array([is_game_over(b, solo=S == 1) for b in boards])
        assert np.array_equal(st.done | frozen, over | frozen)
    return compared, causes


def _starts(size: int, n: int, seeds: list[int]) -> list[Board]:
    return [standard_start(size, [f"s{i}" for i in range(n)], s) for s in seeds]


@pytest.mark.parametrize(
    ("size", "n", "games"),
    [(7, 2, 300), (7, 4, 300), (11, 2, 150), (11, 4, 150), (19, 2, 60), (19, 4, 60)],
)
def test_random_safe_games_match_turn_by_turn(size: int, n: int, games: int) -> None:
    seeds = [size * 100_000 + n * 10_000 + g for g in range(games)]
    turns, _ = run_differential(_starts(size, n, seeds), seeds, Settings())
    assert turns > 10 * games


@pytest.mark.slow
def test_thousands_of_games_match_turn_by_turn() -> None:
    total = 0
    for size in (7, 11, 19):
        for n in (1, 2, 4):
            seeds = [7_000_000 + size * 10_000 + n * 1000 + g for g in range(600)]
            run_differential(_starts(size, n, seeds), seeds, Settings(), chaos=0.02)
            total += len(seeds)
    assert total >= 5000


def _with_hazards(board: Board, seed: int) -> Board:
    rnd = random.Random(seed)
    cells = [Point(x, y) for x in range(board.width) for y in range(board.height)]
    board.hazards = rnd.sample(cells, len(cells) // 3)
    board.hazards += board.hazards[:3]  # a few stacked hazards
    return board


@pytest.mark.parametrize(("size", "n"), [(7, 2), (11, 4), (19, 8), (7, 1)])
def test_hazards_missing_and_bad_moves_match(size: int, n: int) -> None:
    seeds = list(range(40))
    boards = [_with_hazards(b, s) for b, s in zip(_starts(size, n, seeds), seeds, strict=True)]
    settings = Settings(food_spawn_chance=25, minimum_food=2, hazard_damage_per_turn=30)
    turns, causes = run_differential(boards, seeds, settings, chaos=0.2)
    assert turns > 200
    if n > 1:
        assert {"wall-collision", "hazard"} <= causes


def test_every_cause_occurs_in_matching_games() -> None:
    seeds = list(range(300))
    settings = Settings(food_spawn_chance=50, minimum_food=3)
    _, causes = run_differential(_starts(7, 4, seeds), seeds, settings, chaos=0.15)
    solo = _starts(19, 1, seeds[:20])
    for board in solo:
        board.food = []  # no food to come: starves at turn 100
    _, solo_causes = run_differential(solo, seeds[:20], Settings(0, 0, 14))
    assert "out-of-health" in solo_causes
    assert set(CAUSES) - {"hazard"} <= causes | solo_causes


@pytest.mark.parametrize("size", [7, 11, 19])
@pytest.mark.parametrize("n", range(1, 9))
def test_standard_starts_equal_reference_starts(size: int, n: int) -> None:
    seeds = [size * 1000 + n * 100 + g for g in range(60)]
    st = fs.standard_starts(size, n, seeds)
    want = [reference_snapshot(b) for b in _starts(size, n, seeds)]
    assert [snapshot(st, i) for i in range(len(seeds))] == want
    for i, board in enumerate(_starts(size, n, seeds[:3])):
        got = fs.to_board(st, i, [f"s{k}" for k in range(n)])
        assert (got.snakes, sorted(got.food), got.turn) == (board.snakes, sorted(board.food), 0)


@pytest.mark.parametrize(("size", "n"), [(7, 4), (11, 2)])
def test_whole_games_equal_the_batched_runner(size: int, n: int) -> None:
    seeds = [size * 31 + n * 7 + g for g in range(120)]
    torch.set_num_threads(1)
    want = run_games(
        [GameSpec(s, (0,) * n) for s in seeds], [RandomSafe()], size=size, max_turns=200
    )
    got = play_random_safe(seeds, size, n, max_turns=200)
    for key in ("winner", "turns", "cause", "elim_turn", "length", "turn_limit"):
        assert np.array_equal(got[key], getattr(want, key)), key


def test_moves_are_checked() -> None:
    st = fs.standard_starts(7, 2, [1])
    with pytest.raises(ValueError, match="shape"):
        fs.step_(st, np.zeros((1, 3), np.int64))
    with pytest.raises(ValueError, match="move codes"):
        fs.step_(st, np.full((1, 2), 4, np.int64))


def test_negative_hazard_damage_heals_as_the_reference() -> None:
    """A negative hazardDamagePerTurn heals, capped at full health, in both engines."""
    seeds = list(range(30))
    boards = [_with_hazards(b, s) for b, s in zip(_starts(7, 2, seeds), seeds, strict=True)]
    settings = Settings(food_spawn_chance=25, minimum_food=2, hazard_damage_per_turn=-10)
    turns, _ = run_differential(boards, seeds, settings, chaos=0.1)
    assert turns > 100
