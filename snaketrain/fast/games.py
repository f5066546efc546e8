"""Whole games on the compiled engine: random-safe moves and engine-only game loops.

``play_random_safe`` plays every game start to end inside one compiled call, games spread
over the cores: the engine-only throughput (``benchmarks/engine.py``) and the opponent that
costs nothing. Results are those of ``arena.runner.run_games`` with ``RandomSafe`` in every
seat, game for game.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numba import njit, prange

from snaketrain.rules.batched import Geometry, ring_capacity
from snaketrain.rules.start import StartError, check_start
from snaketrain.rules.types import Settings

from .kernels import safe_moves, start_game, step_game
from .rng import POLICY, below, draw
from .state import PARALLEL, FastState


@njit(cache=True)
def random_safe_game(body, hp, length, alive, cnt, seed, turn, width, height, moves, opts):
    """``random_safe.random_safe`` for every living seat of one game into ``moves``."""
    for s in range(body.shape[0]):
        if not alive[s]:
            continue
        n = safe_moves(body, hp, length, alive, cnt, s, width, height, opts)
        moves[s] = 0 if n == 0 else opts[below(draw(seed, turn, POLICY + s, 0), n)]


@njit(cache=True, parallel=True)
def _random_safe_all(seed, turn, body, hp, length, alive, cnt, width, height, moves):
    for g in prange(seed.shape[0]):
        opts = np.empty(4, np.int64)
        random_safe_game(
            body[g],
            hp[g],
            length[g],
            alive[g],
            cnt[g],
            seed[g],
            turn[g],
            width,
            height,
            moves[g],
            opts,
        )


def random_safe_moves(st: FastState) -> np.ndarray:
    """``[B, S]`` random-safe move of every living seat (0 elsewhere), as the scalar snake."""
    moves = np.zeros((st.batch, st.snakes), np.int64)
    with PARALLEL:
        _random_safe_all(
            st.seed,
            st.turn,
            st.body,
            st.head_ptr,
            st.length,
            st.alive,
            st.cnt,
            st.geo.width,
            st.geo.height,
            moves,
        )
    return moves


@njit(cache=True, parallel=True)
def _play_all(
    seeds,
    size,
    S,
    L,
    chance,
    min_food,
    damage,
    max_turns,
    winner,
    turns,
    cause,
    elim,
    length_out,
    limit,
    ok,
):
    P = (size + 2) * (size + 2)
    for g in prange(seeds.shape[0]):
        body = np.zeros((S, L), np.int64)
        hp = np.zeros(S, np.int64)
        length = np.zeros(S, np.int64)
        health = np.zeros(S, np.int64)
        alive = np.zeros(S, np.bool_)
        cz = np.zeros(S, np.int64)
        killer = np.full(S, -1, np.int64)
        et = np.zeros(S, np.int64)
        food = np.zeros(P, np.bool_)
        hazard = np.zeros(P, np.int64)
        cnt = np.zeros((S, P), np.int16)
        moves = np.zeros(S, np.int64)
        opts = np.empty(4, np.int64)
        scratch = np.empty(P + 2 * S, np.int64)
        seed = seeds[g]
        ok[g] = start_game(
            seed, size, body, hp, length, health, alive, cz, killer, et, food, hazard, cnt
        )
        left = 0
        for s in range(S):
            left += 1 if alive[s] else 0
        over = left == 0 if S == 1 else left <= 1
        turn = 0
        while ok[g] and not over and turn < max_turns:
            random_safe_game(body, hp, length, alive, cnt, seed, turn, size, size, moves, opts)
            over = step_game(
                body,
                hp,
                length,
                health,
                alive,
                cz,
                killer,
                et,
                food,
                hazard,
                cnt,
                seed,
                turn,
                moves,
                size,
                size,
                chance,
                min_food,
                damage,
                scratch,
            )
            turn += 1
        capped = not over
        winner[g] = -1
        if over and S > 1:
            for s in range(S):
                if alive[s]:
                    winner[g] = s
        turns[g], limit[g] = turn, capped
        for s in range(S):
            cause[g, s], elim[g, s], length_out[g, s] = cz[s], et[s], length[s]


def play_random_safe(
    seeds: Sequence[int] | np.ndarray,
    size: int = 11,
    n_snakes: int = 2,
    settings: Settings | None = None,
    max_turns: int = 1000,
) -> dict[str, np.ndarray]:
    """Play one random-safe game per seed to the end (or ``max_turns``: a draw), in parallel.
    Returns arrays in seed order: ``winner [N]`` (seat, -1 for a draw or solo game),
    ``turns [N]``, ``cause [N, S]``, ``elim_turn [N, S]``, ``length [N, S]``, ``turn_limit``."""
    check_start(size, size, n_snakes)
    s = settings or Settings()
    seed = np.asarray(seeds, dtype=np.int64) & 0xFFFFFFFF
    N, S = len(seed), n_snakes
    out = {
        "winner": np.zeros(N, np.int64),
        "turns": np.zeros(N, np.int64),
        "cause": np.zeros((N, S), np.int64),
        "elim_turn": np.zeros((N, S), np.int64),
        "length": np.zeros((N, S), np.int64),
        "turn_limit": np.zeros(N, np.bool_),
    }
    ok = np.zeros(N, np.bool_)
    L = ring_capacity(Geometry(size, size))
    with PARALLEL:
        _play_all(
            seed,
            size,
            S,
            L,
            s.food_spawn_chance,
            s.minimum_food,
            s.hazard_damage_per_turn,
            max_turns,
            *out.values(),
            ok,
        )
    if not ok.all():
        bad = int(seed[np.flatnonzero(~ok)[0]])
        raise StartError(f"no room for the initial food of the standard start (seed {bad})")
    return out
