"""Many games as numpy arrays, stepped by the compiled kernels in parallel across cores.

``FastState`` has the fields of ``rules.batched.BatchState`` (same padded-cell layout and
ring buffers) as numpy arrays, so converting between the two is a copy per field; boards go
in and out through ``from_boards`` / ``to_board`` like the batched engine's.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace

import numpy as np
from numba import njit, prange

from snaketrain.rules import rng
from snaketrain.rules.batched import Geometry, ring_capacity
from snaketrain.rules.start import StartError, check_start
from snaketrain.rules.types import CAUSES, MOVES, Board, Settings, Snake

from .kernels import start_game, step_game

PARALLEL = threading.Lock()
"""Held around every call of a parallel kernel: numba's fallback threading layer
(``workqueue``, where no OpenMP or TBB library is found) aborts the process when two Python
threads launch parallel kernels at once."""


@dataclass
class FastState:
    """B games of S snakes on one board size; every array's first dim is the game."""

    geo: Geometry
    seed: np.ndarray  # [B] int64 (< 2**32)
    turn: np.ndarray  # [B] int64
    body: np.ndarray  # [B, S, L] int64 padded cell of each ring slot
    head_ptr: np.ndarray  # [B, S] int64
    length: np.ndarray  # [B, S] int64
    health: np.ndarray  # [B, S] int64
    alive: np.ndarray  # [B, S] bool
    cause: np.ndarray  # [B, S] int64 index into CAUSES
    killer: np.ndarray  # [B, S] int64 seat, -1 for none
    elim_turn: np.ndarray  # [B, S] int64
    food: np.ndarray  # [B, P] bool
    hazard: np.ndarray  # [B, P] int64 hazard entries per cell
    cnt: np.ndarray  # [B, S, P] int16 segments of each living snake per cell
    done: np.ndarray  # [B] bool

    @property
    def batch(self) -> int:
        return int(self.seed.shape[0])

    @property
    def snakes(self) -> int:
        return int(self.body.shape[1])

    def clone(self) -> FastState:
        return replace(self, **{f.name: getattr(self, f.name).copy() for f in _arrays()})


def _arrays() -> list:
    return [f for f in fields(FastState) if f.name != "geo"]


def empty(geo: Geometry, batch: int, snakes: int, capacity: int | None = None) -> FastState:
    L, P = capacity or ring_capacity(geo), geo.cells
    i64 = np.int64
    return FastState(
        geo=geo,
        seed=np.zeros(batch, i64),
        turn=np.zeros(batch, i64),
        body=np.zeros((batch, snakes, L), i64),
        head_ptr=np.zeros((batch, snakes), i64),
        length=np.zeros((batch, snakes), i64),
        health=np.zeros((batch, snakes), i64),
        alive=np.zeros((batch, snakes), np.bool_),
        cause=np.zeros((batch, snakes), i64),
        killer=np.full((batch, snakes), -1, i64),
        elim_turn=np.zeros((batch, snakes), i64),
        food=np.zeros((batch, P), np.bool_),
        hazard=np.zeros((batch, P), i64),
        cnt=np.zeros((batch, snakes, P), np.int16),
        done=np.zeros(batch, np.bool_),
    )


def from_boards(
    boards: Sequence[Board], seeds: Sequence[int], capacity: int | None = None
) -> FastState:
    """Stack reference boards (one size and snake count) into a FastState."""
    if not boards:
        raise ValueError("from_boards needs at least one board")
    if len(seeds) != len(boards):
        raise ValueError(f"{len(boards)} boards but {len(seeds)} seeds")
    w, h, n = boards[0].width, boards[0].height, len(boards[0].snakes)
    for i, b in enumerate(boards):
        if (b.width, b.height, len(b.snakes)) != (w, h, n):
            raise ValueError(
                f"board {i} is {b.width}x{b.height} with {len(b.snakes)} snakes; "
                f"a batch needs one size and snake count ({w}x{h}, {n} snakes)"
            )
    geo = Geometry(w, h)
    st = empty(geo, len(boards), n, capacity or ring_capacity(geo, boards))
    for bi, board in enumerate(boards):
        st.seed[bi] = seeds[bi] & rng.MASK32
        st.turn[bi] = board.turn
        ids = [s.id for s in board.snakes]
        for si, s in enumerate(board.snakes):
            cells = [geo.pos(p) for p in s.body]
            st.body[bi, si, : len(cells)] = cells
            st.length[bi, si] = len(cells)
            st.health[bi, si] = s.health
            st.alive[bi, si] = s.alive
            st.cause[bi, si] = CAUSES.index(s.eliminated_cause)
            st.killer[bi, si] = ids.index(s.eliminated_by) if s.eliminated_by in ids else -1
            st.elim_turn[bi, si] = s.eliminated_turn
            if s.alive:
                for c in cells:
                    st.cnt[bi, si, c] += 1
        for p in board.food:
            st.food[bi, geo.pos(p)] = True
        for p in board.hazards:
            st.hazard[bi, geo.pos(p)] += 1
    left = st.alive.sum(1)
    st.done = left == 0 if n == 1 else left <= 1
    return st


def to_board(
    st: FastState, b: int, ids: Sequence[str] | None = None, names: Sequence[str] | None = None
) -> Board:
    """Game ``b`` as a reference Board."""
    geo, S, L = st.geo, st.snakes, st.body.shape[2]
    ids = list(ids) if ids is not None else [f"snake-{i}" for i in range(S)]
    names = list(names) if names is not None else ids
    snakes = []
    for s in range(S):
        k, hp = int(st.killer[b, s]), int(st.head_ptr[b, s])
        body = [geo.point(int(st.body[b, s, (hp + i) % L])) for i in range(int(st.length[b, s]))]
        snakes.append(
            Snake(
                id=ids[s],
                name=names[s],
                health=int(st.health[b, s]),
                body=body,
                eliminated_cause=CAUSES[int(st.cause[b, s])],
                eliminated_by=ids[k] if k >= 0 else "",
                eliminated_turn=int(st.elim_turn[b, s]),
            )
        )
    food = [geo.point(int(p)) for p in np.flatnonzero(st.food[b])]
    hazards = [
        geo.point(int(p)) for p in np.flatnonzero(st.hazard[b]) for _ in range(st.hazard[b, p])
    ]
    return Board(geo.width, geo.height, snakes, food, hazards, int(st.turn[b]))


@njit(cache=True, parallel=True)
def _start_all(
    seed, size, body, hp, length, health, alive, cause, killer, etime, food, hazard, cnt, ok
) -> None:
    for g in prange(seed.shape[0]):
        ok[g] = start_game(
            seed[g],
            size,
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
        )


def standard_starts(
    size: int, n_snakes: int, seeds: Sequence[int] | np.ndarray, capacity: int | None = None
) -> FastState:
    """Turn 0 of ``len(seeds)`` standard games: the boards ``start.standard_start`` gives."""
    check_start(size, size, n_snakes)
    seed = np.asarray(seeds, dtype=np.int64) & rng.MASK32
    st = empty(Geometry(size, size), len(seed), n_snakes, capacity)
    st.seed[:] = seed
    ok = np.zeros(len(seed), np.bool_)
    with PARALLEL:
        _start_all(st.seed, size, *(getattr(st, f.name) for f in _arrays()[2:-1]), ok)
    if not ok.all():
        bad = int(seed[np.flatnonzero(~ok)[0]])
        raise StartError(f"no room for the initial food of the standard start (seed {bad})")
    return st


@njit(cache=True, parallel=True)
def _step_all(
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
    moves,
    width,
    height,
    chance,
    min_food,
    damage,
) -> None:
    S, P = body.shape[1], food.shape[1]
    for g in prange(seed.shape[0]):
        if done[g]:
            continue
        scratch = np.empty(P + 2 * S, np.int64)
        done[g] = step_game(
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
            moves[g],
            width,
            height,
            chance,
            min_food,
            damage,
            scratch,
        )
        turn[g] += 1


def step_(st: FastState, moves: np.ndarray, settings: Settings | None = None) -> None:
    """Advance every unfinished game one turn in place; ``moves: [B, S]`` codes into MOVES,
    -1 for no move. Finished games and eliminated snakes do not change."""
    moves = np.ascontiguousarray(moves, dtype=np.int64)
    if moves.shape != (st.batch, st.snakes):
        raise ValueError(
            f"moves must have shape [B, S] = {[st.batch, st.snakes]}, got {list(moves.shape)}"
        )
    if moves.size and (moves.min() < -1 or moves.max() >= len(MOVES)):
        raise ValueError(
            f"move codes must be -1 (no move) or 0..3 for {', '.join(MOVES)}; "
            f"got values in {int(moves.min())}..{int(moves.max())}"
        )
    s = settings or Settings()
    arrays = [getattr(st, f.name) for f in _arrays()]
    with PARALLEL:
        _step_all(
            *arrays,
            moves,
            st.geo.width,
            st.geo.height,
            s.food_spawn_chance,
            s.minimum_food,
            s.hazard_damage_per_turn,
        )
