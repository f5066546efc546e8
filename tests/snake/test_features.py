"""Move features on hand-built boards: numbers worked out from the rules, not from the code.

Coordinates are (x, y) with (0, 0) bottom-left; move order is up, down, left, right.
"""

from __future__ import annotations

from collections import deque

import pytest
import torch

from snaketrain.rules.batched import from_boards, step_, to_board
from snaketrain.rules.start import standard_start
from snaketrain.rules.types import DELTAS, MOVES, Board, Point, Settings, Snake
from snaketrain.snake.features import move_features
from snaketrain.snake.random_safe import RandomSafe, safe_moves

UP, DOWN, LEFT, RIGHT = range(4)


def snake(sid: str, *cells: tuple[int, int], health: int = 100) -> Snake:
    return Snake(id=sid, health=health, body=[Point(x, y) for x, y in cells])


def wall_board(food: list[tuple[int, int]] = ()) -> Board:
    """7x7: snake a is a wall down column 3 (head at the top, tail bent into (2, 0)), b sits
    in the right half."""
    a = snake("a", *[(3, y) for y in range(6, -1, -1)], (2, 0))
    b = snake("b", (5, 3), (5, 2), (5, 1))
    return Board(7, 7, [a, b], [Point(x, y) for x, y in food], [], 0)


def test_reachable_area_counts_the_pocket_the_move_enters() -> None:
    f = move_features(from_boards([wall_board()], [0]))
    # a: up leaves the board. Left: the 21 cells of x=0..2 less the new head (the tail cell
    # (2, 0) is vacated) = 20. Right: 21 cells of x=4..6, less b's 3 and the new head = 17.
    assert f.safe[0, 0].tolist() == [False, False, True, True]
    assert f.area[0, 0, LEFT] == 20
    assert f.area[0, 0, RIGHT] == 17
    # b: down is its own neck. After up, b covers (5,4),(5,3),(5,2); a stands as it is, so the
    # right half keeps 21 - 3 = 18 free cells, all connected.
    assert f.safe[0, 1].tolist() == [True, False, True, True]
    assert f.area[0, 1, UP] == 18
    # b's area after each move of a: left does not touch the right half (18 free, b's tail
    # stays: enemies do not move); right takes (4, 6): 17.
    assert f.enemy_area[0, 0, LEFT, 1] == 18
    assert f.enemy_area[0, 0, RIGHT, 1] == 17


def test_food_steps_are_bfs_steps_to_the_nearest_reachable_food() -> None:
    f = move_features(from_boards([wall_board(food=[(0, 0), (6, 6)])], [0]))
    # left to (2, 6): (6, 6) is behind the wall; (0, 0) is 2 + 6 steps away.
    assert f.food_steps[0, 0, LEFT] == 8
    # right to (4, 6): (6, 6) is 2 steps away.
    assert f.food_steps[0, 0, RIGHT] == 2
    # a move onto food is 0 steps
    f = move_features(from_boards([wall_board(food=[(2, 6)])], [0]))
    assert f.food_steps[0, 0, LEFT] == 0
    # unsafe moves and no reachable food: -1
    assert f.food_steps[0, 0, UP] == -1
    assert f.food_steps[0, 0, RIGHT] == -1


def test_voronoi_territory_is_the_cells_strictly_closer_to_our_new_head() -> None:
    # Two stacked length-3 snakes on row 3 of a 7x7 board, heads at x=1 and x=5.
    a = snake("a", (1, 3), (1, 3), (1, 3))
    b = snake("b", (5, 3), (5, 3), (5, 3))
    f = move_features(from_boards([Board(7, 7, [a, b], [], [], 0)], [0]))
    # a moves right to (2, 3) (its stacked tail stays). Column x=3 is 1 + |dy| from a and
    # 2 + |dy| from b; column 4 is closer to b. So a owns x=0..3 (28 cells) but for its two
    # body cells (1, 3) and (2, 3): 26.
    assert f.territory[0, 0, RIGHT] == 26
    # a moves left to (0, 3): columns 0..2 are closer to a (x=2 is 2 + |dy| vs 3 + |dy|)
    # except (2, 3), which a reaches only around its own body (4 steps; b: 3). Column 3 is
    # b's. 21 cells less (0, 3), (1, 3) and (2, 3) = 18.
    assert f.territory[0, 0, LEFT] == 18
    # head distances from the new head to the other head: Manhattan
    assert f.head_dist[0, 0, RIGHT, 1] == 3
    assert f.head_dist[0, 0, LEFT, 1] == 5
    assert f.head_dist[0, 0, RIGHT, 0] == -1


def test_head_to_head_risk_and_chance() -> None:
    # a (length 3) and b (length 4) heads two cells apart on row 3; c (length 2) below a.
    a = snake("a", (2, 3), (1, 3), (0, 3))
    b = snake("b", (4, 3), (5, 3), (6, 3), (6, 2))
    c = snake("c", (2, 1), (1, 1))
    f = move_features(from_boards([Board(7, 7, [a, b, c], [], [], 0)], [0]))
    # a: right to (3, 3) is next to b's head (longer): risk. Down to (2, 2) is next to c's
    # head (shorter): chance.
    assert f.head_risk[0, 0].tolist() == [False, False, False, True]
    assert f.head_chance[0, 0].tolist() == [False, True, False, False]
    # b: left to (3, 3) is next to a's head, a is shorter: a chance, no risk.
    assert f.head_risk[0, 1].tolist() == [False, False, False, False]
    assert f.head_chance[0, 1, LEFT]


# --- against a plain-Python BFS on boards from real games --------------------------------


def reference(board: Board, sid: str, move: str) -> tuple[int, int, int] | None:
    """(area, food steps, territory) of ``move`` by the conventions, with plain BFS."""
    me = board.snake(sid)
    dx, dy = DELTAS[move]
    head = Point(me.head.x + dx, me.head.y + dy)
    eats = head in board.food
    blocked: list[Point] = []
    for s in board.alive_snakes:
        blocked += s.body if s.id != sid else [head, *(me.body if eats else me.body[:-1])]
    if move not in safe_moves(board, sid):
        return None
    occupied = set(blocked)

    def bfs(start: Point) -> dict[Point, int]:
        dist = {start: 0}
        todo = deque([start])
        while todo:
            p = todo.popleft()
            for ddx, ddy in DELTAS.values():
                q = Point(p.x + ddx, p.y + ddy)
                if board.in_bounds(q) and q not in occupied and q not in dist:
                    dist[q] = dist[p] + 1
                    todo.append(q)
        return dist

    mine = bfs(head)
    theirs = [bfs(s.head) for s in board.alive_snakes if s.id != sid]
    steps = 0 if eats else min((d for p, d in mine.items() if p in board.food), default=-1)
    terr = sum(1 for p, d in mine.items() if d > 0 and all(d < t.get(p, 1 << 30) for t in theirs))
    return len(mine) - 1, steps, terr


@pytest.mark.parametrize(("size", "n_snakes", "turns"), [(7, 2, 12), (11, 4, 25), (19, 8, 30)])
def test_features_match_a_plain_bfs_on_game_boards(size: int, n_snakes: int, turns: int) -> None:
    ids = [f"snake-{i}" for i in range(n_snakes)]
    seeds = list(range(6))
    state = from_boards([standard_start(size, ids, s) for s in seeds], seeds)
    for _ in range(turns):
        step_(state, RandomSafe()(state, state.alive), Settings())
    f = move_features(state)
    checked = 0
    for bi in range(len(seeds)):
        board = to_board(state, bi)
        for si, s in enumerate(board.snakes):
            if not s.alive or state.done[bi]:
                continue
            for m, move in enumerate(MOVES):
                want = reference(board, s.id, move)
                assert bool(f.safe[bi, si, m]) == (want is not None)
                if want is not None:
                    got = (f.area[bi, si, m], f.food_steps[bi, si, m], f.territory[bi, si, m])
                    assert tuple(int(v) for v in got) == want, (bi, si, move)
                    checked += 1
    assert checked > 0


DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


@pytest.mark.parametrize("device", DEVICES)
def test_features_run_on_the_device_of_the_state(device: str) -> None:
    state = from_boards([wall_board()], [0], device=device)
    f = move_features(state)
    assert f.area.device.type == device
    assert f.area[0, 0, LEFT] == 20
