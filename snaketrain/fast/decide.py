"""The search over move combinations and the heuristic snake's moves for a batch, compiled.

``search_values`` is ``lookahead._values`` for one seat of one node: every combination of
the seats' safe moves (a seat with none, or out of the game, plays "up"), in the order
``lookahead.expand`` lists them, each child stepped without food spawns; leaves scored by
``score.score`` on the board after everyone moved, enemy replies combined by their minimum
or mean, a loss put off by a turn worth 1 more. ``decide_all`` is ``HeuristicPolicy.__call__``
over games in parallel, each seat with its own config row.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from snaketrain.snake.lookahead import DRAW, LOSS, NEG, WIN
from snaketrain.snake.survival import HAZARD_DAMAGE

from .kernels import safe_moves, step_game
from .rng import POLICY, below, draw
from .score import REPLY, score
from .search import depth0, free_cells, node_areas, plan_depth, source_order, survival


@njit(cache=True)
def leaf(
    body, hp, length, health, turn, cb, chp, clen, calive, cfood, ccnt, s, before, w, width, height
):
    """The score of seat s's move from node (body, hp, length, health, turn) to child c*."""
    S, L = body.shape
    order = np.empty(S, np.int64)
    source_order(S, s, order)
    src = np.empty(S, np.int64)
    alive = np.empty(S, np.bool_)
    ln = np.empty(S, np.int64)
    for k in range(S):
        o = order[k]
        src[k], alive[k], ln[k] = cb[o, chp[o]], calive[o], clen[o]
    eats = clen[s] > length[s]
    if eats:
        ln[0] -= 1
    head, neck = body[s, hp[s]], body[s, (hp[s] + 1) % L]
    straight = src[0] - head == head - neck and head != neck
    return score(
        free_cells(ccnt, width, height),
        cfood,
        src,
        alive,
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
def search_values(
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
    s,
    depth,
    before,
    w,
    width,
    height,
    out,
):
    """``out[4]``: the value of each move of seat s searching ``depth`` turns (NEG: unsafe);
    ``before``: the heads' areas of this node (``node_areas``), used when ``depth == 1``."""
    S, L = body.shape
    P = food.shape[0]
    average = w[REPLY] == 1.0
    total = np.zeros(4)
    count = np.zeros(4)
    for m in range(4):
        out[m] = NEG
    choices = np.zeros((S, 4), np.int64)
    n_choice = np.ones(S, np.int64)
    opts = np.empty(4, np.int64)
    own_safe = np.zeros(4, np.bool_)
    for o in range(S):
        n = safe_moves(body, hp, length, alive, cnt, o, width, height, opts) if alive[o] else 0
        if o == s:
            for i in range(n):
                own_safe[opts[i]] = True
        if n > 0:
            n_choice[o] = n
            for i in range(n):
                choices[o, i] = opts[i]
    idx = np.zeros(S, np.int64)
    moves = np.empty(S, np.int64)
    scratch = np.empty(P + 2 * S, np.int64)
    deeper = np.empty(4)
    while True:
        for o in range(S):
            moves[o] = choices[o, idx[o]]
        own = moves[s]
        if own_safe[own]:
            cb, chp, clen, chealth = body.copy(), hp.copy(), length.copy(), health.copy()
            calive, ccause, ckiller, cet = alive.copy(), cause.copy(), killer.copy(), etime.copy()
            cfood, ccnt = food.copy(), cnt.copy()
            step_game(
                cb,
                chp,
                clen,
                chealth,
                calive,
                ccause,
                ckiller,
                cet,
                cfood,
                hazard,
                ccnt,
                seed,
                turn,
                moves,
                width,
                height,
                0,
                0,
                HAZARD_DAMAGE,
                scratch,
            )
            me = calive[s]
            others = False
            for o in range(S):
                if o != s and calive[o]:
                    others = True
            v = LOSS
            if not me and not others:
                v = DRAW
            if S > 1 and me and not others:
                v = WIN
            if me and (others or S == 1):
                if depth == 1:
                    v = leaf(
                        body,
                        hp,
                        length,
                        health,
                        turn,
                        cb,
                        chp,
                        clen,
                        calive,
                        cfood,
                        ccnt,
                        s,
                        before,
                        w,
                        width,
                        height,
                    )
                else:
                    kid_before = node_areas(cb, chp, calive, ccnt, s, width, height)
                    search_values(
                        cb,
                        chp,
                        clen,
                        chealth,
                        calive,
                        ccause,
                        ckiller,
                        cet,
                        cfood,
                        hazard,
                        ccnt,
                        seed,
                        turn + 1,
                        s,
                        depth - 1,
                        kid_before,
                        w,
                        width,
                        height,
                        deeper,
                    )
                    later = max(deeper.max(), LOSS)
                    v = later + 1 if later < DRAW else later
            if average:
                total[own] += v
                count[own] += 1.0
            elif count[own] == 0 or v < out[own]:
                out[own] = v
                count[own] = 1.0
        o = S - 1
        while o >= 0:
            idx[o] += 1
            if idx[o] < n_choice[o]:
                break
            idx[o] = 0
            o -= 1
        if o < 0:
            break
    if average:
        for m in range(4):
            if count[m] > 0:
                out[m] = total[m] / count[m]


@njit(cache=True)
def decide_game(
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
    done,
    mask,
    variant,
    table,
    width,
    height,
    moves,
):
    """``moves[s]`` for every seat with ``mask[s]`` of one game (``HeuristicPolicy``)."""
    S = body.shape[0]
    live = alive.copy()
    if done:
        live[:] = False
    surv = survival(body, hp, length, health, live, food, hazard, cnt, width, height)
    values = np.empty(4)
    for s in range(S):
        if not mask[s]:
            continue
        w = table[variant[s]]
        before = node_areas(body, hp, alive, cnt, s, width, height)
        depth = plan_depth(body, hp, length, health, alive, s, before[0], w, width, height)
        if depth == 0:
            depth0(
                body,
                hp,
                length,
                health,
                alive,
                food,
                cnt,
                turn,
                s,
                before,
                w,
                width,
                height,
                values,
            )
        else:
            search_values(
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
                s,
                depth,
                before,
                w,
                width,
                height,
                values,
            )
        top = surv[s].max()
        best_v = -np.inf
        for m in range(4):
            if surv[s, m] == top and values[m] > best_v:
                best_v = values[m]
        n = 0
        best = np.zeros(4, np.bool_)
        for m in range(4):
            if surv[s, m] == top and values[m] == best_v:
                best[m] = True
                n += 1
        k = below(draw(seed, turn, POLICY + s, 0), max(n, 1))
        pick = 0
        for m in range(4):
            if best[m]:
                if k == 0:
                    pick = m
                    break
                k -= 1
        moves[s] = pick if n > 0 else 0


@njit(cache=True, parallel=True)
def decide_all(
    seed,
    turn,
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
    done,
    mask,
    variant,
    table,
    width,
    height,
    moves,
):
    for g in prange(seed.shape[0]):
        if mask[g].any():
            decide_game(
                body[g],
                hp[g],
                length[g],
                health[g],
                alive[g],
                cause[g],
                killer[g],
                etime[g],
                food[g],
                hazard[g],
                cnt[g],
                seed[g],
                turn[g],
                done[g],
                mask[g],
                variant[g],
                table,
                width,
                height,
                moves[g],
            )
