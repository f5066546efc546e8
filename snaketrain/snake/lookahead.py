"""Depth-limited search for the heuristic snake, on the batched engine.

A node is a game seen by one seat. Expanding it plays every combination of our safe moves and
the enemies' replies (each enemy's safe moves; one placeholder move for an enemy with none or a
dead one) with ``step_`` on copies of the game, without food spawns (the policy does not know
the game's settings). A leaf where we are eliminated is a loss (a draw when nobody is left), one
where every enemy is gone is a win; any other leaf is worth the heuristic score of the move that
led to it, read on the board after everyone moved. Enemy replies combine by their minimum
(``worst``) or mean (``average``); our own choices by the maximum.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields, replace

import torch

from snaketrain.rules.batched import BatchState, step_
from snaketrain.rules.types import Settings

from .features import RowView, _order, node_areas, pack, segments
from .random_safe import safe_mask

Scorer = Callable[[RowView], torch.Tensor]
"""The heuristic: ``[N]`` score of the move each row of a ``RowView`` made."""

NEG = -1e9
"""Value of a move that dies at once (worse than any searched outcome)."""
WIN, DRAW, LOSS = 1e6, -5e5, -1e6
NO_SPAWN = Settings(food_spawn_chance=0, minimum_food=0)
CHUNK = 4096
"""Roots searched together at depth 1 (divided by 8 per extra turn): bounds the memory of the
expanded games while keeping the per-call overhead low."""


def _take(t: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
    if t.stride(0) == 0:  # one row shared by every game (see compact): stays shared
        return t[:1].expand(len(idx), *t.shape[1:])
    return t[idx]


def index(state: BatchState, idx: torch.Tensor) -> BatchState:
    """The games ``idx: [N]`` of ``state`` (repeats allowed) as a new BatchState."""
    names = [f.name for f in fields(state) if f.name != "geo"]
    return replace(state, **{name: _take(getattr(state, name), idx) for name in names})


def compact(state: BatchState, turns: int) -> BatchState:
    """``state`` with each ring buffer rotated to start at the head and cut to the longest
    snake plus ``turns`` + 1 slots (room to grow each simulated turn), and without hazards a
    single shared all-zero hazard row: cheap copies of the searched games."""
    L = state.body.shape[2]
    cap = min(L, int(state.length.max()) + turns + 1)
    slots = (state.head_ptr[..., None] + torch.arange(cap, device=state.device)) % L
    hazard = state.hazard
    if not bool(hazard.any()):
        hazard = torch.zeros_like(hazard[:1]).expand_as(hazard)
    return replace(
        state,
        body=state.body.gather(2, slots),
        head_ptr=torch.zeros_like(state.head_ptr),
        hazard=hazard,
    )


def expand(nodes: BatchState, seat: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Every move combination worth playing in each node: ``parent: [M]``, ``moves: [M, S]``.

    Seat ``seat[n]`` plays its safe moves (none: the node has no children); every other seat
    its safe moves, or only "up" when it has none or is out of the game."""
    N, S = nodes.alive.shape
    dev = nodes.device
    safe = safe_mask(nodes)  # [N, S, 4]
    up = torch.arange(4, device=dev) == 0
    allowed = torch.where((safe.any(-1) & nodes.alive)[..., None], safe, up)
    rows = torch.arange(N, device=dev)
    allowed[rows, seat] = safe[rows, seat]
    parent = rows
    moves = torch.zeros(N, 0, dtype=torch.long, device=dev)
    for j in range(S):
        p, m = torch.nonzero(allowed[parent, j], as_tuple=True)
        parent, moves = parent[p], torch.cat([moves[p], m[:, None]], 1)
    return parent, moves


def leaf_rows(
    nodes: BatchState,
    kids: BatchState,
    going: torch.Tensor,
    parent: torch.Tensor,
    seat: torch.Tensor,
    before: torch.Tensor,
) -> RowView:
    """Rows scoring our last move on the boards ``kids[going]`` (children ``parent`` of
    ``nodes``), ``before: [N, S]`` the nodes' head areas in source order."""
    geo, S = kids.geo, kids.snakes
    rows = torch.arange(len(going), device=kids.device)
    order = _order(seat, S)
    if len(going) < kids.batch:
        kids = index(kids, going)
    occ = segments(kids.cnt) > 0
    k_len = kids.length
    eats = k_len[rows, seat] > nodes.length[parent, seat]
    length = k_len.gather(1, order)
    length[:, 0] -= eats.long()
    head, neck = nodes.heads()[parent, seat], nodes.segment(1)[parent, seat]
    k_heads = kids.heads()
    new_head = k_heads[rows, seat]
    return RowView(
        geo=geo,
        free=pack(~occ, geo),
        food=pack(kids.food, geo),
        src=k_heads.gather(1, order),
        src_alive=kids.alive.gather(1, order),
        length=length,
        eats=eats,
        straight=(new_head - head == head - neck) & (head != neck),
        health=nodes.health[parent, seat],
        turn=nodes.turn[parent],
        before_area=before[parent],
    )


def _values(
    nodes: BatchState,
    seat: torch.Tensor,
    depth: int,
    score: Scorer,
    average: bool,
    before: torch.Tensor | None = None,
) -> torch.Tensor:
    """``[N, 4]`` value of each move of ``seat`` in each node, searching ``depth`` turns;
    ``before: [N, S]`` the nodes' head areas (``node_areas``) if known."""
    N, S = nodes.alive.shape
    dev = nodes.device
    parent, moves = expand(nodes, seat)
    out = torch.full((N * 4,), NEG, dtype=torch.float64, device=dev)
    if len(parent) == 0:
        return out.reshape(N, 4)
    kids = index(nodes, parent)
    step_(kids, moves, NO_SPAWN)
    M = len(parent)
    rows = torch.arange(M, device=dev)
    kseat = seat[parent]
    own = moves[rows, kseat]
    me = kids.alive[rows, kseat]
    others = (kids.alive.sum(1) - me.long()) > 0
    v = torch.full((M,), LOSS, dtype=torch.float64, device=dev)
    v = torch.where(~me & ~others, DRAW, v)
    if S > 1:
        v = torch.where(me & ~others, WIN, v)
    going = torch.nonzero(me & (others | (S == 1))).flatten()
    if len(going):
        if depth == 1:
            if before is None:
                before = node_areas(nodes, torch.arange(N, device=dev), seat)
            view = leaf_rows(nodes, kids, going, parent[going], kseat[going], before)
            v[going] = score(view)
        else:
            sub = index(kids, going)
            v[going] = _values(sub, kseat[going], depth - 1, score, average).max(1).values
    key = parent * 4 + own
    if average:
        total = torch.zeros(N * 4, dtype=torch.float64, device=dev).index_add_(0, key, v)
        count = torch.zeros(N * 4, dtype=torch.float64, device=dev).index_add_(
            0, key, torch.ones_like(v)
        )
        out = torch.where(count > 0, total / count.clamp(min=1), out)
    else:
        out.scatter_reduce_(0, key, v, "amin", include_self=False)
    return out.reshape(N, 4)


def search(
    state: BatchState,
    b: torch.Tensor,
    s: torch.Tensor,
    depth: int,
    score: Scorer,
    average: bool = False,
    before: torch.Tensor | None = None,
) -> torch.Tensor:
    """``[R, 4]`` value of each move of seats ``(b, s)`` after searching ``depth`` turns,
    ``score`` valuing the leaves; ``before: [R, S]`` = ``node_areas(state, b, s)`` if known."""
    parts = []
    chunk = max(16, CHUNK >> (3 * (depth - 1)))
    for i in range(0, len(b), chunk):
        roots = compact(index(state, b[i : i + chunk]), depth)
        parts.append(
            _values(
                roots,
                s[i : i + chunk],
                depth,
                score,
                average,
                None if before is None else before[i : i + chunk],
            )
        )
    return torch.cat(parts)
