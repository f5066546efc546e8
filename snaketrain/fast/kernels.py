"""One turn of one game, and the standard start, as numba kernels over one game's arrays.

A game is the arrays of one row of a ``FastState`` (see ``state.py``), the layout of the
batched engine: cells on a board padded by one wall cell (``pos = (y+1)*(W+2) + x+1``), each
body a ring buffer (segment i at ``body[s, (hp[s] + i) % L]``), ``cnt[s, pos]`` the segments
of living snake s on each cell. Stages and their order are those of ``rules.reference.step``:

    move -> reduce health -> hazard damage -> feed -> spawn food -> eliminate
"""

from __future__ import annotations

import numpy as np
from numba import njit

from snaketrain.rules.batched import C_HAZARD, C_HEAD, C_HEALTH, C_NONE, C_SELF, C_SNAKE, C_WALL
from snaketrain.rules.types import MAX_HEALTH, START_LENGTH

from .rng import SPAWN_CHANCE, SPAWN_PICK, START, below, draw

UP, DOWN, LEFT, RIGHT = 0, 1, 2, 3


@njit(cache=True, inline="always")
def delta(move: int, wp: int) -> int:
    """Index offset of a move code (MOVES order: up, down, left, right)."""
    if move == UP:
        return wp
    if move == DOWN:
        return -wp
    if move == LEFT:
        return -1
    return 1


@njit(cache=True, inline="always")
def on_board(pos: int, width: int, height: int) -> bool:
    wp = width + 2
    x, y = pos % wp - 1, pos // wp - 1
    return 0 <= x < width and 0 <= y < height


@njit(cache=True, inline="always")
def default_move(body: np.ndarray, hp: int, length: int, wp: int) -> int:
    """``reference.default_move``: the neck direction; a neck not next to the head anchors
    on the zero axis; up without a usable neck."""
    if length < 2:
        return UP
    L = body.shape[0]
    d = body[hp] - body[(hp + 1) % L]
    if d == 1:
        return RIGHT
    if d == -1:
        return LEFT
    if d == wp:
        return UP
    if d == -wp:
        return DOWN
    # a neck not next to the head (wrapped boards): anchor on the zero axis
    hx, hy = body[hp] % wp - 1, body[hp] // wp - 1
    n = body[(hp + 1) % L]
    nx, ny = n % wp - 1, n // wp - 1
    if hx == 0 and nx > 0:
        return RIGHT
    if nx == 0 and hx > 0:
        return LEFT
    if hy == 0 and ny > 0:
        return UP
    if ny == 0 and hy > 0:
        return DOWN
    return UP


@njit(cache=True)
def step_game(
    body,
    hp,
    length,
    health,
    alive,
    cause,
    killer,
    etime,
    food,
    hazard,
    cnt,
    seed,
    turn,
    moves,
    width,
    height,
    spawn_chance,
    min_food,
    hz_damage,
    scratch,
) -> bool:
    """Play turn ``turn`` -> ``turn + 1`` of one game in place; ``moves[s]``: a move code, -1
    for none. ``scratch``: int64 work space of at least P + 2*S. Returns: the game is over."""
    S, L = body.shape
    P = food.shape[0]
    wp = width + 2
    nxt = turn + 1
    was = scratch[P : P + S]  # 1: alive when the turn began
    for s in range(S):
        was[s] = 1 if alive[s] else 0
    # move
    for s in range(S):
        if not alive[s]:
            continue
        m = moves[s]
        if m < 0:
            m = default_move(body[s], hp[s], length[s], wp)
        head = body[s, hp[s]]
        tail = body[s, (hp[s] + length[s] - 1) % L]
        cnt[s, tail] -= 1
        hp[s] = (hp[s] - 1) % L
        new = head + delta(m, wp)
        body[s, hp[s]] = new
        cnt[s, new] += 1
    # reduce health
    for s in range(S):
        if alive[s]:
            health[s] -= 1
    # hazard damage: every entry on the head's cell, unless food lies there
    for s in range(S):
        if not alive[s]:
            continue
        h = body[s, hp[s]]
        if hazard[h] > 0 and not food[h]:
            health[s] = min(MAX_HEALTH, max(0, health[s] - hazard[h] * hz_damage))
            if health[s] <= 0:
                alive[s] = False
                cause[s] = C_HAZARD
                killer[s] = -1
                etime[s] = nxt
    # feed: every living head on food eats it; eaten food disappears
    for s in range(S):
        if not alive[s]:
            continue
        h = body[s, hp[s]]
        if food[h]:
            health[s] = MAX_HEALTH
            tail = body[s, (hp[s] + length[s] - 1) % L]
            body[s, (hp[s] + length[s]) % L] = tail
            length[s] += 1
            cnt[s, tail] += 1
    for s in range(S):
        if alive[s]:
            food[body[s, hp[s]]] = False
    eliminate(
        body, hp, length, health, alive, cause, killer, etime, cnt, nxt, width, height, scratch
    )
    # the standard map's post-update step: after eliminations, as the official engine
    spawn_food(
        body,
        hp,
        alive,
        food,
        hazard,
        cnt,
        seed,
        turn,
        width,
        height,
        spawn_chance,
        min_food,
        scratch,
    )
    left = 0
    for s in range(S):
        if alive[s]:
            left += 1
        elif was[s] == 1:
            cnt[s, :] = 0
    return left == 0 if S == 1 else left <= 1


@njit(cache=True)
def spawn_food(
    body,
    hp,
    alive,
    food,
    hazard,
    cnt,
    seed,
    turn,
    width,
    height,
    spawn_chance,
    min_food,
    scratch,
) -> None:
    """``reference.spawn_food``: up to ``min_food``, else one with ``spawn_chance``%, on the
    free cells (no food, living body, or cell next to a living head; hazards are free) in
    row-major order, the k-th pick drawn from (seed, turn, SPAWN_PICK, k)."""
    S = body.shape[0]
    P = food.shape[0]
    wp = width + 2
    n_food = 0
    for p in range(P):
        if food[p]:
            n_food += 1
    need = 0
    if n_food < min_food:
        need = min_food - n_food
    elif spawn_chance > 0:
        roll = below(draw(seed, turn, SPAWN_CHANCE, 0), 100)
        if 100 - roll < spawn_chance:
            need = 1
    if need == 0:
        return
    free = scratch[:P]
    n_free = 0
    for y in range(height):
        for x in range(width):
            p = (y + 1) * wp + x + 1
            if food[p]:
                continue
            taken = False
            for s in range(S):
                if not alive[s]:
                    continue
                if cnt[s, p] > 0:
                    taken = True
                    break
                d = p - body[s, hp[s]]
                if d == 1 or d == -1 or d == wp or d == -wp:
                    taken = True
                    break
            if not taken:
                free[n_free] = p
                n_free += 1
    for k in range(min(need, n_free)):
        i = below(draw(seed, turn, SPAWN_PICK, k), n_free)
        food[free[i]] = True
        for j in range(i, n_free - 1):  # list.pop(i): the rest keep their order
            free[j] = free[j + 1]
        n_free -= 1


@njit(cache=True)
def eliminate(
    body,
    hp,
    length,
    health,
    alive,
    cause,
    killer,
    etime,
    cnt,
    nxt,
    width,
    height,
    scratch,
) -> None:
    """``reference.eliminate_snakes``: out of health, out of bounds, then collisions among the
    snakes still standing, all judged before any is applied (body hits and lost head-to-heads
    attributed to the longest snake, ties to the lowest seat)."""
    S = body.shape[0]
    P = cnt.shape[1]
    for s in range(S):
        if not alive[s]:
            continue
        if health[s] <= 0:
            alive[s] = False
            cause[s], killer[s], etime[s] = C_HEALTH, -1, nxt
        elif not on_board(body[s, hp[s]], width, height):
            alive[s] = False
            cause[s], killer[s], etime[s] = C_WALL, -1, nxt
    verdict = scratch[P + S : P + 2 * S]
    by = scratch[:S]  # the free-cell list of spawn_food is spent by now
    for s in range(S):
        verdict[s] = C_NONE
        if not alive[s]:
            continue
        head = body[s, hp[s]]
        if cnt[s, head] >= 2:
            verdict[s], by[s] = C_SELF, s
            continue
        best = -1
        for o in range(S):  # a body other than its head on our head's cell
            if o == s or not alive[o]:
                continue
            segs = cnt[o, head] - (1 if body[o, hp[o]] == head else 0)
            if segs >= 1 and (best < 0 or length[o] > length[best]):
                best = o
        if best >= 0:
            verdict[s], by[s] = C_SNAKE, best
            continue
        for o in range(S):  # a head at least as long on the same cell
            if o == s or not alive[o]:
                continue
            meets = body[o, hp[o]] == head and length[s] <= length[o]
            if meets and (best < 0 or length[o] > length[best]):
                best = o
        if best >= 0:
            verdict[s], by[s] = C_HEAD, best
    for s in range(S):
        if verdict[s] != C_NONE:
            alive[s] = False
            cause[s], killer[s], etime[s] = verdict[s], by[s], nxt


@njit(cache=True, inline="always")
def _shuffle4(seed: int, k0: int, out: np.ndarray) -> None:
    for i in range(4):
        out[i] = i
    for i in range(3, 0, -1):
        j = below(draw(seed, 0, START, k0 + i), i + 1)
        out[i], out[j] = out[j], out[i]


@njit(cache=True)
def start_game(
    seed, size, body, hp, length, health, alive, cause, killer, etime, food, hazard, cnt
) -> bool:
    """Turn 0 of a standard game (``rules.start.standard_start``) into cleared arrays of one
    game. Returns False when the standard placement has no room for the initial food."""
    S = body.shape[0]
    wp = size + 2
    mn, md, mx = 1, (size - 1) // 2, size - 2
    cx = np.array([mn, mn, mx, mx])
    cy = np.array([mn, mx, mn, mx])
    dx = np.array([mn, md, md, mx])
    dy = np.array([md, mn, mx, md])
    pc = np.empty(4, np.int64)
    pd = np.empty(4, np.int64)
    _shuffle4(seed, 0, pc)
    _shuffle4(seed, 8, pd)
    corners_first = below(draw(seed, 0, START, 16), 2) == 0
    px = np.empty(8, np.int64)
    py = np.empty(8, np.int64)
    for i in range(4):
        a, b = (i, i + 4) if corners_first else (i + 4, i)
        px[a], py[a] = cx[pc[i]], cy[pc[i]]
        px[b], py[b] = dx[pd[i]], dy[pd[i]]
    for s in range(S):
        p = (py[s] + 1) * wp + px[s] + 1
        for i in range(START_LENGTH):
            body[s, i] = p
        hp[s], length[s], health[s] = 0, START_LENGTH, MAX_HEALTH
        alive[s], cause[s], killer[s], etime[s] = True, C_NONE, -1, 0
        cnt[s, p] = START_LENGTH
    c = (size - 1) // 2
    centre = (c + 1) * wp + c + 1
    if S <= 4 or size * size >= 11 * 11:
        ox = np.array([-1, -1, 1, 1])
        oy = np.array([-1, 1, -1, 1])
        options = np.empty(4, np.int64)
        for s in range(S):
            hx, hy = px[s], py[s]
            n = 0
            for d in range(4):
                qx, qy = hx + ox[d], hy + oy[d]
                q = (qy + 1) * wp + qx + 1
                if q == centre or food[q]:
                    continue
                taken = False
                for o in range(S):
                    if cnt[o, q] > 0:
                        taken = True
                if taken:
                    continue
                away = (qx < hx < c) or (c < hx < qx) or (qy < hy < c) or (c < hy < qy)
                corner = (qx == 0 or qx == size - 1) and (qy == 0 or qy == size - 1)
                if away and not corner:
                    options[n] = q
                    n += 1
            if n == 0:
                return False
            food[options[below(draw(seed, 0, START, 32 + s), n)]] = True
    for o in range(S):
        if cnt[o, centre] > 0:
            return False
    if food[centre]:
        return False
    food[centre] = True
    return True


@njit(cache=True)
def safe_moves(body, hp, length, alive, cnt, s, width, height, out) -> int:
    """``random_safe.safe_moves`` of seat s into ``out`` (MOVES order); returns how many.
    A move is safe on the board and off every segment still there next turn (a tail moves
    on unless its last two segments are stacked)."""
    S, L = body.shape
    wp = width + 2
    head = body[s, hp[s]]
    n = 0
    for m in range(4):
        p = head + delta(m, wp)
        if not on_board(p, width, height):
            continue
        occ = 0
        for o in range(S):
            if not alive[o]:
                continue
            c = cnt[o, p]
            if c > 0:
                tail = body[o, (hp[o] + length[o] - 1) % L]
                if p == tail:
                    stacked = length[o] >= 2 and body[o, (hp[o] + length[o] - 2) % L] == tail
                    if not stacked:
                        c -= 1
                occ += c
        if occ == 0:
            out[n] = m
            n += 1
    return n
