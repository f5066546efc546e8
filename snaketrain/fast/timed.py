"""Time-budgeted search for one seat of one game: iterative deepening over ``decide``'s search.

``timed_values`` is ``decide.search_values`` (every combination of the seats' safe moves,
children stepped without food spawns, leaves scored by ``score.score``, enemy replies combined
by their minimum or mean, a loss put off by a turn worth 1 more) with our moves outermost and
two cheap additions: with the ``worst`` reply model it prunes (alpha-beta over our move x the
enemies' joint reply: paranoid for 3+ snakes), and it stops when a wall-clock deadline passes
(the clock is read every ``CHECK_EVERY`` children, so a check costs a few ns per child). It
releases the GIL, so the server's other worker and its HTTP threads run meanwhile.

Pruning keeps the root exact where it matters: a root move is cut only once its value is known
to be strictly below the best so far, so every move that is best or tied for best keeps its
value, and ties break as ``decide_game`` breaks them. ``timed_move`` deepens 1, 2, ... up to
``max_depth`` and answers the best move of the deepest depth that finished in time (a depth cut
off by the clock is discarded; depth 1, a few ms even on 19x19 with 4 snakes, always runs to
its end); at depth ``d`` with time to spare its move is
``decide_game``'s at a fixed depth ``d``. It does not start depth ``d + 1`` when the time depth
``d`` took, times the growth of the tree from ``d - 1`` to ``d`` (children stepped), says that
``d + 1`` cannot finish before the deadline: it would be discarded anyway.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from snaketrain.snake.lookahead import DRAW, LOSS, NEG, WIN
from snaketrain.snake.survival import HAZARD_DAMAGE

from .decide import leaf
from .kernels import safe_moves, step_game
from .rng import POLICY, below, draw
from .score import REPLY
from .search import node_areas, survival
from .state import FastState

CHECK_EVERY = 8
"""Children stepped between two reads of the clock. One child (a step and a leaf's or a node's
flood fills) costs 7-24 us on the 2-core VM unloaded (11x11 with 2 snakes to 19x19 with 8), a
read ~25 ns (vDSO), so 8 children are at most ~0.2 ms past the deadline for ~0.05% of the time
(64 children were up to ~2 ms, and 8x that at a load of 8 per core)."""
MAX_DEPTH = 64
"""Deepest search ``timed_move`` tries (a board where every line ends sooner costs nothing)."""
# stats slots: children stepped, 1 once the deadline passed
NODES, STOPPED = 0, 1


@intrinsic
def _monotonic_ns(typingctx):
    """``clock_gettime(CLOCK_MONOTONIC)`` in ns, called from machine code (POSIX: Linux,
    macOS): no trip through Python, which numba's ``objmode`` would cost at every read."""

    def codegen(context, builder, signature, args):
        i32, i64 = ir.IntType(32), ir.IntType(64)
        timespec = ir.LiteralStructType([i64, i64])
        fn = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(i32, [i32, timespec.as_pointer()]), "clock_gettime"
        )
        ts = cgutils.alloca_once(builder, timespec)
        builder.call(fn, [ir.Constant(i32, time.CLOCK_MONOTONIC), ts])
        sec = builder.load(cgutils.gep_inbounds(builder, ts, 0, 0))
        nsec = builder.load(cgutils.gep_inbounds(builder, ts, 0, 1))
        return builder.add(builder.mul(sec, ir.Constant(i64, 1_000_000_000)), nsec)

    return types.int64(), codegen


@njit(cache=True)
def now() -> float:
    """Seconds on the monotonic clock (``time.monotonic``'s on Linux)."""
    return _monotonic_ns() / 1e9


@njit(cache=True)
def later_value(later):
    """What a node worth ``later`` (its best move) is worth one turn earlier."""
    later = max(later, LOSS)
    return later + 1 if later < DRAW else later


@njit(cache=True, nogil=True)
def timed_values(
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
    order,
    beta,
    ply,
    deadline,
    stats,
    out,
):
    """``out[4]``: each move of seat s searched ``depth`` turns (NEG: unsafe or not searched),
    our moves in ``order`` (-1 ends it). With the ``worst`` reply model, stops once
    ``later_value(best) >= beta`` (the parent's minimum cannot fall further) and cuts a move
    whose minimum falls to the best so far (strictly below it at the root, ``ply`` 0)."""
    S = body.shape[0]
    P = food.shape[0]
    average = w[REPLY] == 1.0
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
    kid_order = np.array([0, 1, 2, 3])
    best = NEG
    for k in range(4):
        own = order[k]
        if own < 0:
            break
        if not own_safe[own]:
            continue
        total, count, low = 0.0, 0, 0.0
        idx[:] = 0
        while True:
            for o in range(S):
                moves[o] = choices[o, idx[o]]
            moves[s] = own
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
            stats[NODES] += 1
            if stats[NODES] % CHECK_EVERY == 0 and now() > deadline:
                stats[STOPPED] = 1
            if stats[STOPPED]:
                return
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
                    timed_values(
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
                        kid_order,
                        low if count > 0 and not average else np.inf,
                        ply + 1,  # not a literal: that would compile a second
                        # specialization of this function, which crashes loaded from the cache
                        deadline,
                        stats,
                        deeper,
                    )
                    if stats[STOPPED]:
                        return
                    v = later_value(deeper.max())
            if average:
                total += v
            elif count == 0 or v < low:
                low = v
            count += 1
            if not average and best > NEG and (low < best or (ply > 0 and low <= best)):
                break  # this move cannot beat (or, at the root, tie) the best so far
            o = S - 1
            while o >= 0:
                if o != s:
                    idx[o] += 1
                    if idx[o] < n_choice[o]:
                        break
                    idx[o] = 0
                o -= 1
            if o < 0:
                break
        out[own] = total / count if average else low
        best = max(best, out[own])
        if not average and later_value(best) >= beta:
            return


@dataclass(frozen=True)
class Searched:
    """The move of a budgeted search and how far it got."""

    move: int  # code into rules.types.MOVES
    depth: int  # deepest depth finished in time (depth 1 always finishes)
    nodes: int  # children stepped, the discarded depth's included
    seconds: float  # wall-clock time of the whole search
    deadline: float = float("inf")  # the clock's reading the search had to end by
    predicted: bool = False  # the next depth was not started: predicted not to finish


def next_depth_seconds(seconds: float, nodes: int, nodes_before: int) -> float:
    """The predicted time of depth ``d + 1`` from depth ``d``'s (``seconds``, ``nodes``
    children stepped) and depth ``d - 1``'s ``nodes_before``: ``d``'s time times the tree's
    growth from ``d - 1`` to ``d`` (at least 1: a deeper tree is not smaller)."""
    return seconds * max(1.0, nodes / max(1, nodes_before))


def choose(surv: np.ndarray, values: np.ndarray, seed: int, turn: int, s: int) -> int:
    """``decide_game``'s choice: the best value among the safest moves, ties by seeded draw."""
    top = surv.max()
    best_v = max(values[m] for m in range(4) if surv[m] == top)
    best = [m for m in range(4) if surv[m] == top and values[m] == best_v]
    return best[below(draw(seed, turn, POLICY + s, 0), len(best))]


def timed_move(
    fs: FastState,
    s: int,
    w: np.ndarray,
    budget_s: float,
    max_depth: int = MAX_DEPTH,
    game: int = 0,
    *,
    started: float | None = None,
    clock: Callable[[], float] = now,
) -> Searched:
    """Seat ``s``'s move in game ``game`` of ``fs`` with config row ``w`` (``weight_table``),
    searching deeper and deeper until ``budget_s`` seconds have passed since ``started`` (a
    reading of ``clock``, the monotonic clock the kernel reads; default: now) or
    ``max_depth``. ``clock`` times the depths (tests inject a fake one); the kernel's own
    deadline check always reads the real clock."""
    start = clock()
    deadline = (start if started is None else started) + budget_s
    g = game
    args = (
        fs.body[g],
        fs.head_ptr[g],
        fs.length[g],
        fs.health[g],
        fs.alive[g],
        fs.cause[g],
        fs.killer[g],
        fs.elim_turn[g],
        fs.food[g],
        fs.hazard[g],
        fs.cnt[g],
    )
    seed, turn, width, height = int(fs.seed[g]), int(fs.turn[g]), fs.geo.width, fs.geo.height
    live = fs.alive[g].copy()
    if fs.done[g]:
        live[:] = False
    body, hp, length, health, alive, food, hazard, cnt = (
        args[i] for i in (0, 1, 2, 3, 4, 8, 9, 10)
    )
    surv = survival(body, hp, length, health, live, food, hazard, cnt, width, height)[s]
    before = node_areas(body, hp, alive, cnt, s, width, height)
    top = surv.max()
    order = np.array(([m for m in range(4) if surv[m] == top] + [-1] * 4)[:4], np.int64)
    chosen = np.full(4, NEG)
    stats = np.zeros(2, np.int64)
    values = np.empty(4)
    depth, predicted, nodes_before, took, grown = 0, False, 0, 0.0, 0
    for d in range(1, max_depth + 1):
        t = clock()
        if d > 1 and t >= deadline:
            break
        if d > 2 and t + next_depth_seconds(took, grown, nodes_before) > deadline:
            predicted = True
            break
        n = int(stats[NODES])
        timed_values(
            *args, seed, turn, s, d, before, w, width, height,
            order, np.inf, 0, deadline if d > 1 else np.inf, stats, values,
        )  # fmt: skip
        if stats[STOPPED]:
            break
        nodes_before, grown, took = grown, int(stats[NODES]) - n, clock() - t
        chosen[:] = values
        depth = d
        ranked = sorted((m for m in order if m >= 0), key=lambda m: -values[m])
        order[: len(ranked)] = ranked
    move = choose(surv, chosen, seed, turn, s)
    return Searched(move, depth, int(stats[NODES]), clock() - start, deadline, predicted)
