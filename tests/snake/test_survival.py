"""Which moves die at once, for every enemy reply or for some: hand-built boards worked out
from the rules, then every move of every seat on game boards against the reference engine.

Coordinates are (x, y) with (0, 0) bottom-left; move order is up, down, left, right.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from survival_oracle import survival_class

from snaketrain.rules.api import board_from_api
from snaketrain.rules.batched import from_boards, step_, to_board
from snaketrain.rules.start import standard_start
from snaketrain.rules.types import MOVES, WALL_COLLISION, Board, Point, Settings, Snake
from snaketrain.snake.random_safe import RandomSafe
from snaketrain.snake.survival import DIES, RISKY, SURVIVES, move_survival

UP, DOWN, LEFT, RIGHT = range(4)


def snake(sid: str, *cells: tuple[int, int], health: int = 100) -> Snake:
    return Snake(id=sid, health=health, body=[Point(x, y) for x, y in cells])


ME = ((2, 3), (2, 2), (2, 1))


def classes(board: Board, seat: int = 0) -> list[int]:
    return move_survival(from_boards([board], [0]))[0, seat].tolist()


def board(*snakes: Snake, food: tuple[tuple[int, int], ...] = (), hazards=()) -> Board:
    return Board(7, 7, list(snakes), [Point(*p) for p in food], [Point(*p) for p in hazards])


def test_an_enemy_tail_moves_on_even_when_that_enemy_eats() -> None:
    # growth repeats the tail after the move, so the old tail cell is free either way
    foe = snake("foe", (4, 4), (4, 3), (3, 3))  # tail (3, 3) right of our head
    assert classes(board(snake("me", *ME), foe)) == [SURVIVES, DIES, SURVIVES, SURVIVES]
    fed = board(snake("me", *ME), foe, food=((5, 4),))
    assert classes(fed) == [SURVIVES, DIES, SURVIVES, SURVIVES]
    just_ate = snake("foe", (4, 4), (4, 3), (3, 3), (3, 3))  # stacked: the tail stays
    assert classes(board(snake("me", *ME), just_ate))[RIGHT] == DIES


def test_a_head_to_head_is_risky_against_a_snake_at_least_as_long() -> None:
    for foe_len, expected in [(2, SURVIVES), (3, RISKY), (4, RISKY)]:
        foe = snake("foe", *[(4 + i, 3) if i < 3 else (6, 4) for i in range(foe_len)])
        assert classes(board(snake("me", *ME), foe))[RIGHT] == expected, foe_len
    # a longer foe that starves unless it eats the food we step on: it meets us for sure
    foe = snake("foe", (4, 3), (5, 3), (6, 3), (6, 4), health=1)
    assert classes(board(snake("me", *ME), foe, food=((3, 3),)))[RIGHT] == DIES
    foe.health = 50
    assert classes(board(snake("me", *ME), foe, food=((3, 3),)))[RIGHT] == RISKY


def test_our_own_tail_moves_on_unless_stacked() -> None:
    me = snake("me", (2, 3), (3, 3), (3, 2), (2, 2))  # tail (2, 2) below the head
    foe = snake("foe", (6, 6), (6, 5), (6, 4))
    assert classes(board(me, foe))[DOWN] == SURVIVES
    just_ate = snake("me", (2, 3), (3, 3), (3, 2), (2, 2), (2, 2))
    assert classes(board(just_ate, foe))[DOWN] == DIES


def test_health_and_hazards() -> None:
    foe = snake("foe", (6, 6), (6, 5), (6, 4))
    starving = board(snake("me", *ME, health=1), foe, food=((1, 3),))
    assert classes(starving) == [DIES, DIES, SURVIVES, DIES]  # only the food saves us
    hazard = board(snake("me", *ME, health=15), foe, hazards=((1, 3),))  # 15 - 1 - 14 = 0
    assert classes(hazard)[LEFT] == DIES
    assert classes(board(snake("me", *ME, health=16), foe, hazards=((1, 3),)))[LEFT] == SURVIVES
    fed = board(snake("me", *ME, health=15), foe, food=((1, 3),), hazards=((1, 3),))
    assert classes(fed)[LEFT] == SURVIVES  # no hazard damage on food


def test_the_body_of_an_enemy_that_starves_whatever_it_plays_is_passable() -> None:
    foe = snake("foe", (3, 4), (3, 3), (3, 2), (4, 2), health=1)  # (3, 3) right of our head
    assert classes(board(snake("me", *ME), foe))[RIGHT] == SURVIVES
    # with food next to its head it can eat and stand: its body stays
    assert classes(board(snake("me", *ME), foe, food=((3, 5),)))[RIGHT] == DIES


def test_the_fatal_position_from_a_live_game() -> None:
    body = json.loads((Path(__file__).with_name("data") / "fatal-move-turn144.json").read_text())
    b = board_from_api(body["board"], turn=body["turn"])
    # up survives (the enemy is shorter); left is our neck; down and right leave the board
    assert classes(b) == [SURVIVES, DIES, DIES, DIES]


def game_boards(size: int, n: int, games: int, turns: int, seed: int) -> list[Board]:
    """Boards of random-safe games every 3 turns, with low health and hazards sprinkled in."""
    ids = [f"snake-{i}" for i in range(n)]
    seeds = [seed + g for g in range(games)]
    state = from_boards([standard_start(size, ids, s) for s in seeds], seeds)
    rnd = random.Random(seed)
    out = []
    for t in range(turns):
        step_(state, RandomSafe()(state, state.alive), Settings())
        if t % 3:
            continue
        for b in range(state.batch):
            if bool(state.done[b]):
                continue
            board = to_board(state, b)
            for s in board.snakes:
                if rnd.random() < 0.3:
                    s.health = rnd.randint(1, 16)
            cells = [Point(x, y) for x in range(size) for y in range(size)]
            board.hazards = rnd.sample(cells, rnd.randint(0, 2 * size))
            out.append(board)
    return out


@pytest.mark.parametrize(
    ("size", "n", "games", "turns"),
    [(7, 2, 48, 60), (11, 2, 24, 90), (11, 3, 8, 40), (11, 4, 8, 40), (7, 4, 16, 20)],
)
def test_classes_match_the_reference_engine_on_game_boards(
    size: int, n: int, games: int, turns: int
) -> None:
    boards = game_boards(size, n, games, turns, seed=100 * size + n)
    got = move_survival(from_boards(boards, [0] * len(boards)))
    seen = set()
    for i, b in enumerate(boards):
        for s, sn in enumerate(b.snakes):
            if not sn.alive:
                continue
            for m, move in enumerate(MOVES):
                want = survival_class(b, sn.id, move)
                seen.add(want)
                assert int(got[i, s, m]) == want, (i, sn.id, move, b)
    assert seen == {DIES, RISKY, SURVIVES}


def test_finished_games_and_eliminated_seats_survive_nothing() -> None:
    foe = snake("foe", (6, 6), (6, 5), (6, 4))
    foe.eliminated_cause = WALL_COLLISION
    state = from_boards([board(snake("me", *ME), foe)], [0])
    assert bool(state.done[0])
    assert bool((move_survival(state) == DIES).all())
    state.done[:] = False
    assert move_survival(state)[0, 1].tolist() == [DIES] * 4
    assert move_survival(state)[0, 0].tolist() == [SURVIVES, DIES, SURVIVES, SURVIVES]
