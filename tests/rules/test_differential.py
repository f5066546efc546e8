"""The batched engine and the reference engine reach identical states after every turn.

Both engines get the same moves (chosen on the reference board) and draw food from the same
(seed, turn) counters. The large test plays 10,008 games on 7x7, 11x11 and 19x19 with 1, 2 and
4 snakes; the fast ones add hazards, missing moves and deliberately bad moves so that every
elimination cause occurs.
"""

from __future__ import annotations

import multiprocessing
import os
import random

import pytest
import torch
from rulekit import reference_snapshot

from snaketrain.rules import batched as bt
from snaketrain.rules.reference import is_game_over, step
from snaketrain.rules.start import standard_start
from snaketrain.rules.types import CAUSES, MOVES, Board, Point, Settings, Snake
from snaketrain.snake.random_safe import random_safe

TURN_CAP = 250


def snapshot(state: bt.BatchState, games: list[int] | None = None) -> list[tuple]:
    """Games ``games`` (default all) as comparable tuples: bulk transfers, no per-game indexing."""
    idx = torch.tensor(games if games is not None else range(state.batch), dtype=torch.long)
    geo, L = state.geo, state.body.shape[2]
    body, hp, ln = (
        state.body[idx].tolist(),
        state.head_ptr[idx].tolist(),
        state.length[idx].tolist(),
    )
    health, cause = state.health[idx].tolist(), state.cause[idx].tolist()
    killer, et, turn = (
        state.killer[idx].tolist(),
        state.elim_turn[idx].tolist(),
        state.turn[idx].tolist(),
    )
    food = [
        sorted(geo.point(p) for p in torch.nonzero(f).flatten().tolist()) for f in state.food[idx]
    ]
    out = []
    for b in range(len(idx)):
        snakes = tuple(
            (
                health[b][s],
                tuple(geo.point(body[b][s][(hp[b][s] + i) % L]) for i in range(ln[b][s])),
                CAUSES[cause[b][s]],
                killer[b][s],
                et[b][s],
            )
            for s in range(state.snakes)
        )
        out.append((turn[b], tuple(food[b]), snakes))
    return out


def run_differential(
    boards: list[Board],
    seeds: list[int],
    settings: Settings,
    chaos: float = 0.0,
    solo: bool | None = None,
) -> tuple[int, set[str]]:
    """Play all games to the end in both engines, comparing after every turn.
    ``chaos``: share of moves replaced by a random code, -1 (no move) included.
    ``solo``: the game-over rule (None: solo exactly for one snake, as the engines default).
    Returns the number of turns compared and the elimination causes seen."""
    rnd = random.Random(1234)
    solo = len(boards[0].snakes) == 1 if solo is None else solo
    state = bt.from_boards(boards, seeds, solo=solo)
    assert snapshot(state) == [reference_snapshot(b) for b in boards]
    compared, causes = 0, set()
    S = len(boards[0].snakes)
    while True:
        live = [i for i, b in enumerate(boards) if not is_game_over(b, solo) and b.turn < TURN_CAP]
        if not live:
            break
        moves = torch.full((len(boards), S), -1, dtype=torch.long)
        for i in live:
            b = boards[i]
            chosen: dict[str, str | None] = {}
            for j, s in enumerate(b.snakes):
                if not s.alive:
                    continue
                if rnd.random() < chaos:
                    code = rnd.randrange(-1, 4)
                    chosen[s.id] = MOVES[code] if code >= 0 else None
                else:
                    chosen[s.id] = random_safe(b, s.id, seeds[i])
                moves[i, j] = MOVES.index(chosen[s.id]) if chosen[s.id] else -1
            boards[i] = step(b, chosen, seeds[i], settings)
        frozen = torch.ones(len(boards), dtype=torch.bool)
        frozen[live] = False
        state.done |= frozen  # games the reference stopped (over or capped) stay put
        bt.step_(state, moves, settings)
        got = snapshot(state, live)
        for k, i in enumerate(live):
            want = reference_snapshot(boards[i])
            assert got[k] == want, f"game {i} (seed {seeds[i]}) differs at turn {boards[i].turn}"
            causes.update(s.eliminated_cause for s in boards[i].snakes)
        compared += len(live)
        over = torch.tensor([is_game_over(b, solo) for b in boards])
        assert torch.equal(state.done | frozen, over | frozen)
    return compared, causes


def _random_safe_games(size: int, n: int, games: int) -> tuple[int, int]:
    torch.set_num_threads(1)
    seeds = [size * 100_000 + n * 10_000 + g for g in range(games)]
    boards = [standard_start(size, [f"s{i}" for i in range(n)], s) for s in seeds]
    turns, _ = run_differential(boards, seeds, Settings())
    return games, turns


@pytest.mark.slow
def test_ten_thousand_random_safe_games_match_turn_by_turn() -> None:
    jobs = [(size, n, 1112) for size in (7, 11, 19) for n in (1, 2, 4)]
    with multiprocessing.get_context("spawn").Pool(min(2, os.cpu_count() or 1)) as pool:
        results = pool.starmap(_random_safe_games, jobs)
    total_games = sum(g for g, _ in results)
    total_turns = sum(t for _, t in results)
    assert total_games >= 10_000
    assert total_turns > 10 * total_games


def _with_hazards(board: Board, seed: int) -> Board:
    rnd = random.Random(seed)
    cells = [Point(x, y) for x in range(board.width) for y in range(board.height)]
    board.hazards = rnd.sample(cells, len(cells) // 3)
    board.hazards += board.hazards[:3]  # a few stacked hazards
    return board


@pytest.mark.parametrize(("size", "n"), [(7, 2), (11, 4), (19, 8), (7, 1)])
def test_hazards_missing_and_bad_moves_match(size: int, n: int) -> None:
    seeds = list(range(40))
    boards = [_with_hazards(standard_start(size, [f"s{i}" for i in range(n)], s), s) for s in seeds]
    settings = Settings(food_spawn_chance=25, minimum_food=2, hazard_damage_per_turn=30)
    turns, causes = run_differential(boards, seeds, settings, chaos=0.2)
    assert turns > 200
    if n > 1:
        assert {"wall-collision", "hazard"} <= causes


def test_every_cause_occurs_in_matching_games() -> None:
    seeds = list(range(300))
    boards = [standard_start(7, [f"s{i}" for i in range(4)], s) for s in seeds]
    settings = Settings(food_spawn_chance=50, minimum_food=3)
    _, causes = run_differential(boards, seeds, settings, chaos=0.15)
    # Solo snakes on an empty board with no food to come starve at turn 100.
    solo = [standard_start(19, ["solo"], s) for s in seeds[:20]]
    for board in solo:
        board.food = []
    _, solo_causes = run_differential(solo, seeds[:20], Settings(0, 0, 14))
    assert "out-of-health" in solo_causes
    assert set(CAUSES) - {"hazard"} <= causes | solo_causes


@pytest.mark.parametrize("size", [7, 11, 19])
@pytest.mark.parametrize("n", range(1, 9))
def test_batched_standard_starts_equal_reference_starts(size: int, n: int) -> None:
    seeds = [size * 1000 + n * 100 + g for g in range(60)]
    batched = bt.standard_starts(size, n, torch.tensor(seeds))
    want = [reference_snapshot(standard_start(size, [f"s{i}" for i in range(n)], s)) for s in seeds]
    assert snapshot(batched) == want


def test_default_moves_match_for_every_head_and_neck() -> None:
    # Every (head, neck) pair on a 5x5 board, adjacent or not (a wrapped board's neck), with
    # no move sent: both engines apply official getDefaultMove.
    cells = [Point(x, y) for y in range(5) for x in range(5)]
    boards = [Board(5, 5, [Snake("a", 100, [h, n, n])]) for h in cells for n in cells]
    settings = Settings(food_spawn_chance=0, minimum_food=0)
    state = bt.from_boards(boards, [0] * len(boards))
    bt.step_(state, torch.full((len(boards), 1), -1, dtype=torch.long), settings)
    want = [reference_snapshot(step(b, {}, 0, settings)) for b in boards]
    assert snapshot(state) == want


@pytest.mark.parametrize(("size", "n"), [(7, 2), (11, 4)])
def test_healing_hazards_match(size: int, n: int) -> None:
    seeds = list(range(40))
    boards = [_with_hazards(standard_start(size, [f"s{i}" for i in range(n)], s), s) for s in seeds]
    settings = Settings(food_spawn_chance=25, minimum_food=2, hazard_damage_per_turn=-7)
    turns, _ = run_differential(boards, seeds, settings, chaos=0.2)
    assert turns > 200


def test_a_single_snake_standard_game_is_over_at_once_in_both_engines() -> None:
    seeds = list(range(5))
    boards = [standard_start(7, ["s0"], s) for s in seeds]
    assert bool(bt.standard_starts(7, 1, torch.tensor(seeds), solo=False).done.all())
    assert not bool(bt.standard_starts(7, 1, torch.tensor(seeds)).done.any())  # solo: on
    assert bool(bt.from_boards(boards, seeds, solo=False).done.all())
    assert run_differential(boards, seeds, Settings(), solo=False) == (0, set())
