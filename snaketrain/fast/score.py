"""The heuristic's features and score of one row, compiled (``snake.features`` and
``snake.heuristic.score_rows`` for one row at a time).

A row is one snake's view of a board after its move: ``free`` (padded cells no body occupies),
``food``, the source heads (``src[0]``: our new head, then the other seats in seat order) and
their lengths. ``flood`` is the BFS of every source at once: reachable area (the source not
counted), BFS steps from source 0 to the nearest food, and the Voronoi territory of source 0
(cells strictly closer to it than to every other source). ``score`` evaluates the weighted
features in the order and float64 arithmetic of ``score_rows`` so ties break identically.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from snaketrain.snake.config import Config
from snaketrain.snake.lookahead import NEG
from snaketrain.snake.weights import Weights, choice

KEYS = (
    "weights.space",
    "weights.food",
    "food_urgency.normal",
    "food_urgency.low",
    "food_urgency.critical",
    "food_urgency.low_health",
    "food_urgency.critical_health",
    "weights.center_control",
    "weights.cutoff",
    "weights.straight_movement",
    "weights.territory",
    "pursuit.distance_1",
    "pursuit.distance_2",
    "pursuit.distance_3",
    "pursuit.distance_4",
    "pursuit.distance_5",
    "trapping.trapped_ratio",
    "trapping.space_cutoff_threshold",
    "trapping.weight",
    "weights.head_collision",
    "weights.wall_penalty",
    "traps.moderate",
    "traps.severe",
    "traps.critical",
    "traps.food_trap_threshold",
    "traps.food_trap",
    "late_game.turn_threshold",
    "late_game.caution_multiplier",
    "hybrid.enabled",
    "hybrid.critical_health",
    "hybrid.critical_nearby_enemies",
    "hybrid.critical_space_ratio",
    "hybrid.lookahead_depth",
    "search.depth",
    "search.max_nodes",
    "search.reply_model",
)
"""The keys the compiled heuristic reads, in the column order of ``weight_table``."""
(
    SPACE,
    FOOD,
    URG_NORMAL,
    URG_LOW,
    URG_CRIT,
    URG_LOW_HP,
    URG_CRIT_HP,
    CENTRE,
    CUTOFF,
    STRAIGHT,
    TERRITORY,
    PURSUIT1,
    _P2,
    _P3,
    _P4,
    _P5,
    TRAPPED_RATIO,
    SPACE_CUTOFF,
    TRAP_WEIGHT,
    HEAD_COLL,
    WALL,
    MODERATE,
    SEVERE,
    CRITICAL,
    FOOD_TRAP_T,
    FOOD_TRAP,
    LATE_TURN,
    LATE_MULT,
    HY_ENABLED,
    HY_HEALTH,
    HY_NEARBY,
    HY_SPACE,
    HY_DEPTH,
    DEPTH,
    MAX_NODES,
    REPLY,
) = range(len(KEYS))
AVERAGE = choice("search.reply_model", "average")


def weight_table(configs: list[Config] | tuple[Config, ...]) -> np.ndarray:
    """``[C, len(KEYS)]`` float64: each config's values as the heuristic reads them."""
    rows = []
    for config in configs:
        w = Weights.of(config)
        rows.append([float(w[k]) for k in KEYS])  # type: ignore[arg-type]
    return np.array(rows, dtype=np.float64)


@njit(cache=True)
def flood(free, food, src, ok, wp, area, dist):
    """BFS of every source ``src[k]`` with ``ok[k]`` through ``free`` cells; fills ``area[k]``
    and ``dist[k, p]`` (-1: not reached). Returns (food_steps, territory) of source 0."""
    K = src.shape[0]
    P = free.shape[0]
    queue = np.empty(P, np.int64)
    for k in range(K):
        area[k] = 0
        for p in range(P):
            dist[k, p] = -1
        if not ok[k]:
            continue
        dist[k, src[k]] = 0
        head, tail = 0, 1
        queue[0] = src[k]
        while head < tail:
            p = queue[head]
            head += 1
            d = dist[k, p] + 1
            for q in (p + wp, p - wp, p - 1, p + 1):
                if free[q] and dist[k, q] < 0:
                    dist[k, q] = d
                    queue[tail] = q
                    tail += 1
        area[k] = tail - 1
    steps, territory = -1, 0
    if ok[0]:
        for p in range(P):
            d0 = dist[0, p]
            if d0 < 1:
                continue
            if food[p] and (steps < 0 or d0 < steps):
                steps = d0
            mine = True
            for j in range(1, K):
                dj = dist[j, p]
                if ok[j] and dj >= 0 and dj <= d0:
                    mine = False
                    break
            if mine:
                territory += 1
    return steps, territory


@njit(cache=True)
def score(free, food, src, alive, length, eats, straight, health, turn, before, w, width, height):
    """``score_rows`` of one row: ``src/alive/length/before: [K]`` in source order (length 0:
    ours before the move), ``w``: one config's row of ``weight_table``."""
    if not alive[0]:
        return NEG
    K = src.shape[0]
    wp = width + 2
    P = free.shape[0]
    ok = np.empty(K, np.bool_)
    for k in range(K):
        x, y = src[k] % wp - 1, src[k] // wp - 1
        ok[k] = alive[k] and 0 <= x < width and 0 <= y < height
    area = np.empty(K, np.int64)
    dist = np.empty((K, P), np.int64)
    food_steps, territory = flood(free, food, src, ok, wp, area, dist)
    cells = float(width * height)
    a0 = float(area[0])
    me_len = float(length[0])
    hx, hy = src[0] % wp - 1, src[0] // wp - 1
    hd = np.empty(K, np.int64)
    for k in range(K):
        hd[k] = abs(src[k] % wp - 1 - hx) + abs(src[k] // wp - 1 - hy)

    bonus = w[SPACE] * a0 / cells
    urgency = w[URG_NORMAL]
    if health <= w[URG_LOW_HP]:
        urgency = w[URG_LOW]
    if health <= w[URG_CRIT_HP]:
        urgency = w[URG_CRIT]
    steps = 0 if eats else food_steps
    if steps >= 0:
        bonus = bonus + w[FOOD] * urgency / (1 + float(steps))
    cx, cy = (width - 1) / 2, (height - 1) / 2
    to_centre = abs(float(hx) - cx) + abs(float(hy) - cy)
    bonus = bonus + w[CENTRE] * (1 - to_centre / (cx + cy))
    if K > 1:
        near = -1
        for k in range(1, K):
            if alive[k] and (near < 0 or hd[k] < hd[near]):
                near = k
        if near > 0:
            lost = before[near] - area[near]
            bonus = bonus + w[CUTOFF] * float(lost) / cells
    bonus = bonus + w[STRAIGHT] * (1.0 if straight else 0.0)
    bonus = bonus + w[TERRITORY] * float(territory) / cells
    for d in range(1, 6):
        n_k = 0
        for k in range(1, K):
            if alive[k] and length[k] < length[0] and hd[k] == d:
                n_k += 1
        bonus = bonus + w[PURSUIT1 + d - 1] * float(n_k)
    trapped = 0
    for k in range(1, K):
        if alive[k] and float(area[k]) < w[TRAPPED_RATIO] * float(length[k]):
            trapped += 1
    if a0 >= w[SPACE_CUTOFF] * me_len:
        bonus = bonus + w[TRAP_WEIGHT] * float(trapped)

    on_ring = hx == 0 or hy == 0 or hx == width - 1 or hy == height - 1
    risk = False
    for k in range(1, K):
        if alive[k] and length[k] >= length[0] and hd[k] == 1:
            risk = True
    pen = w[HEAD_COLL] * (1.0 if risk else 0.0)
    pen = pen + w[WALL] * (1.0 if on_ring else 0.0)
    trap = 0.0
    if a0 < 2 * me_len:
        trap = w[MODERATE]
    if a0 < me_len:
        trap = w[SEVERE]
    if a0 < me_len / 2:
        trap = w[CRITICAL]
    food_trap = eats and a0 < w[FOOD_TRAP_T] * (me_len + 1)
    pen = pen + trap + w[FOOD_TRAP] * (1.0 if food_trap else 0.0)
    if turn >= w[LATE_TURN]:
        pen = pen * w[LATE_MULT]
    return bonus - pen
