"""The heuristic snake's decision for one seat of one game, compiled: ``snake.survival``,
``snake.heuristic`` (depth 0, hybrid depth plan, choice) and ``snake.lookahead`` (the search
over every combination of safe moves, without food spawns), move for move as the batched
``HeuristicPolicy`` decides.

A node is one game's arrays (the layout of ``kernels``); a child is a copy stepped by
``kernels.step_game``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from snaketrain.snake.survival import DIES, HAZARD_DAMAGE, RISKY, SURVIVES

from .kernels import delta, on_board, safe_moves
from .score import (
    DEPTH,
    HY_DEPTH,
    HY_ENABLED,
    HY_HEALTH,
    HY_NEARBY,
    HY_SPACE,
    MAX_NODES,
    flood,
    score,
)


@njit(cache=True)
def source_order(S, s, out):
    """Seats in source order for seat s: s first, then the others in seat order."""
    out[0] = s
    k = 1
    for o in range(S):
        if o != s:
            out[k] = o
            k += 1


@njit(cache=True)
def free_cells(cnt, width, height):
    """Padded cells with no segment of any snake (walls not free)."""
    S, P = cnt.shape
    free = np.zeros(P, np.bool_)
    wp = width + 2
    for y in range(height):
        for x in range(width):
            p = (y + 1) * wp + x + 1
            t = 0
            for o in range(S):
                t += cnt[o, p]
            free[p] = t == 0
    return free


@njit(cache=True)
def node_areas(body, hp, alive, cnt, s, width, height):
    """``[S]`` reachable area of every head as the board stands, seat ``s`` first."""
    S, P = cnt.shape
    order = np.empty(S, np.int64)
    source_order(S, s, order)
    src = np.empty(S, np.int64)
    ok = np.empty(S, np.bool_)
    for k in range(S):
        o = order[k]
        src[k] = body[o, hp[o]]
        ok[k] = alive[o] and on_board(src[k], width, height)
    area = np.empty(S, np.int64)
    dist = np.empty((S, P), np.int64)
    flood(free_cells(cnt, width, height), np.zeros(P, np.bool_), src, ok, width + 2, area, dist)
    return area


@njit(cache=True)
def survival(body, hp, length, health, alive, food, hazard, cnt, width, height):
    """``[S, 4]`` DIES / RISKY / SURVIVES of every move of every seat (``move_survival``)."""
    S, L = body.shape
    P = food.shape[0]
    wp = width + 2
    nxt = np.empty((S, 4), np.int64)
    reaches = np.zeros((S, 4), np.bool_)
    standing = np.zeros(S, np.bool_)
    n_reach = np.zeros(S, np.int64)
    for s in range(S):
        head = body[s, hp[s]]
        for m in range(4):
            p = min(max(head + delta(m, wp), 0), P - 1)
            nxt[s, m] = p
            wall = not on_board(p, width, height)
            left = health[s] - 1 - (0 if food[p] else hazard[p] * HAZARD_DAMAGE)
            gone = wall or (not food[p] and left <= 0)
            reaches[s, m] = alive[s] and not gone
            if reaches[s, m]:
                standing[s] = True
                n_reach[s] += 1
    kept = np.zeros(P, np.int64)
    for s in range(S):
        if not standing[s]:
            continue
        for p in range(P):
            kept[p] += cnt[s, p]
        tail = body[s, (hp[s] + length[s] - 1) % L]
        stacked = length[s] >= 2 and body[s, (hp[s] + length[s] - 2) % L] == tail
        if not stacked:
            kept[tail] -= 1
    out = np.empty((S, 4), np.int64)
    for s in range(S):
        for m in range(4):
            threat, forced = False, False
            for o in range(S):
                if o == s or not standing[o] or length[o] < length[s]:
                    continue
                for m2 in range(4):
                    if reaches[o, m2] and nxt[o, m2] == nxt[s, m]:
                        threat = True
                        if n_reach[o] == 1:
                            forced = True
            c = RISKY if threat else SURVIVES
            if not reaches[s, m] or kept[nxt[s, m]] > 0 or forced:
                c = DIES
            out[s, m] = c
    return out


@njit(cache=True)
def depth0(body, hp, length, health, alive, food, cnt, turn, s, before, w, width, height, out):
    """``out[4]``: the score of each move of seat s with the enemies unmoved (``move_rows``)."""
    S, L = body.shape
    P = food.shape[0]
    wp = width + 2
    opts = np.empty(4, np.int64)
    n = safe_moves(body, hp, length, alive, cnt, s, width, height, opts)
    safe = np.zeros(4, np.bool_)
    for i in range(n):
        safe[opts[i]] = True
    occ = np.zeros(P, np.int64)
    for o in range(S):
        for p in range(P):
            occ[p] += cnt[o, p]
    order = np.empty(S, np.int64)
    source_order(S, s, order)
    head = body[s, hp[s]]
    neck = body[s, (hp[s] + 1) % L]
    tail = body[s, (hp[s] + length[s] - 1) % L]
    src = np.empty(S, np.int64)
    src_alive = np.empty(S, np.bool_)
    ln = np.empty(S, np.int64)
    for k in range(S):
        o = order[k]
        src[k], src_alive[k], ln[k] = body[o, hp[o]], alive[o], length[o]
    base = free_cells(cnt, width, height)
    free = np.empty(P, np.bool_)
    for m in range(4):
        new = min(max(head + delta(m, wp), 0), P - 1)
        eats = food[new] and safe[m]
        free[:] = base
        if not eats and occ[tail] == 1:
            free[tail] = True
        if on_board(new, width, height):
            free[new] = False
        src[0], src_alive[0] = new, safe[m]
        straight = new - head == head - neck and neck != head
        out[m] = score(
            free,
            food,
            src,
            src_alive,
            ln,
            eats,
            straight,
            health[s],
            turn,
            before,
            w,
            width,
            height,
        )


@njit(cache=True)
def plan_depth(body, hp, length, health, alive, s, area0, w, width, height):
    """``heuristic.plan_depth`` of seat s: search.depth, or hybrid.lookahead_depth on a
    critical turn, cut to what search.max_nodes affords."""
    S = body.shape[0]
    wp = width + 2
    depth = int(w[DEPTH])
    if w[HY_ENABLED] > 0:
        head = body[s, hp[s]]
        mx, my = head % wp - 1, head // wp - 1
        near, enemies = 0, 0
        for o in range(S):
            if o == s or not alive[o]:
                continue
            p = body[o, hp[o]]
            if abs(p % wp - 1 - mx) + abs(p // wp - 1 - my) <= 3:
                near += 1
        hot = (
            health[s] <= w[HY_HEALTH]
            or near >= w[HY_NEARBY]
            or float(area0) < w[HY_SPACE] * float(length[s])
        )
        if hot:
            depth = int(w[HY_DEPTH])
    enemies = -1
    for o in range(S):
        if alive[o]:
            enemies += 1
    bits = 0
    for i in range(1, 40):
        if w[MAX_NODES] >= 2.0**i:
            bits += 1
    return min(depth, bits // (2 * (1 + enemies)))
