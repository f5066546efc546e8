"""Depth-limited search for the heuristic snake, on the batched engine.

A node is a game seen by one seat. Expanding it plays every combination of our safe moves and
the enemies' replies (each enemy's safe moves; one placeholder move for an enemy with none or a
dead one) with ``step_`` on copies of the game, without food spawns (the policy does not know
the game's settings). A leaf where we are eliminated is a loss (a draw when nobody is left), one
where every enemy is gone is a win; any other leaf is worth the heuristic score of the move that
led to it, read on the board after everyone moved. Enemy replies combine by their minimum
(``worst``) or mean (``average``); our own choices by the maximum. A node where we have no safe
move is a loss there, and a loss one turn later is worth 1 more (hold out longest).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields, replace

import torch

from snaketrain.rules.batched import BatchState, step_
from snaketrain.rules.types import Settings

from .features import RowView, _order, node_areas, pack, segments
from .random_safe import safe_mask

Scorer = Callable[[RowView, "torch.Tensor | None"], torch.Tensor]
"""The heuristic: ``[N]`` score of the move each row of a ``RowView`` made, given each row's
variant (``[N]``, the search's ``variant`` of the row it descends from; None without one)."""
Average = bool | torch.Tensor
"""The reply model: True for ``average``, False for ``worst``; or ``[R]`` bool, one per row."""

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


def expand(nodes: BatchState) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Every move combination worth playing in each node: ``safe: [N, S, 4]`` (the nodes'
    safe moves), ``parent: [M]`` (non-decreasing) and ``moves: [M, S]`` of the children.

    Every seat plays its safe moves, or only "up" when it has none or is out of the game; a
    searching seat keeps only the children where its own move was safe."""
    N, S = nodes.alive.shape
    dev = nodes.device
    safe = safe_mask(nodes)  # [N, S, 4]
    up = torch.arange(4, device=dev) == 0
    allowed = torch.where((safe.any(-1) & nodes.alive)[..., None], safe, up)
    parent = torch.arange(N, device=dev)
    moves = torch.zeros(N, 0, dtype=torch.long, device=dev)
    for j in range(S):
        p, m = torch.nonzero(allowed[parent, j], as_tuple=True)
        parent, moves = parent[p], torch.cat([moves[p], m[:, None]], 1)
    return safe, parent, moves


def leaf_rows(
    nodes: BatchState,
    kids: BatchState,
    kid: torch.Tensor,
    parent: torch.Tensor,
    seat: torch.Tensor,
    before: torch.Tensor,
) -> RowView:
    """Rows scoring the last move of ``seat: [n]`` on the boards ``kids[kid]``, children of
    ``nodes[parent]``; ``before: [n, S]`` the parents' head areas in source order."""
    geo, S = kids.geo, kids.snakes
    rows = torch.arange(len(kid), device=kids.device)
    order = _order(seat, S)
    free = pack(segments(kids.cnt) == 0, geo)[kid]  # packed once per child
    food = pack(kids.food, geo)[kid]
    k_len = kids.length[kid]
    eats = k_len[rows, seat] > nodes.length[parent, seat]
    length = k_len.gather(1, order)
    length[:, 0] -= eats.long()
    head, neck = nodes.heads()[parent, seat], nodes.segment(1)[parent, seat]
    k_heads = kids.heads()[kid]
    new_head = k_heads[rows, seat]
    return RowView(
        geo=geo,
        free=free,
        food=food,
        src=k_heads.gather(1, order),
        src_alive=kids.alive[kid].gather(1, order),
        length=length,
        eats=eats,
        straight=(new_head - head == head - neck) & (head != neck),
        health=nodes.health[parent, seat],
        turn=nodes.turn[parent],
        before_area=before,
    )


def _pick(x: torch.Tensor | None, rows: torch.Tensor) -> torch.Tensor | None:
    return None if x is None else x[rows]


def _values(
    nodes: BatchState,
    rg: torch.Tensor,
    rs: torch.Tensor,
    depth: int,
    score: Scorer,
    average: Average,
    before: torch.Tensor | None = None,
    variant: torch.Tensor | None = None,
) -> torch.Tensor:
    """``[R, 4]`` value of each move of seat ``rs[r]`` in node ``rg[r]``, searching ``depth``
    turns. Each node is expanded and stepped once for all the seats asking about it;
    ``before: [R, S]`` the rows' head areas (``node_areas``) if known; ``variant: [R]``
    passed to ``score`` with the leaves of each row."""
    S = nodes.snakes
    R, dev = len(rg), nodes.device
    out = torch.full((R * 4,), NEG, dtype=torch.float64, device=dev)
    safe, parent, moves = expand(nodes)
    if len(parent) == 0 or R == 0:
        return out.reshape(R, 4)
    kids = index(nodes, parent)
    step_(kids, moves, NO_SPAWN)
    # pairs (row, child of the row's node); children of a node are contiguous
    per_node = torch.bincount(parent, minlength=nodes.batch)
    first = torch.cumsum(per_node, 0) - per_node
    n_kids = per_node[rg]
    pr = torch.repeat_interleave(torch.arange(R, device=dev), n_kids)
    offset = torch.arange(len(pr), device=dev) - (torch.cumsum(n_kids, 0) - n_kids)[pr]
    pc = first[rg][pr] + offset
    seat = rs[pr]
    own = moves[pc, seat]
    ok = safe[rg[pr], seat, own]
    pr, pc, seat, own = pr[ok], pc[ok], seat[ok], own[ok]
    me = kids.alive[pc, seat]
    others = (kids.alive[pc].sum(1) - me.long()) > 0
    v = torch.full((len(pr),), LOSS, dtype=torch.float64, device=dev)
    v = torch.where(~me & ~others, DRAW, v)
    if S > 1:
        v = torch.where(me & ~others, WIN, v)
    going = torch.nonzero(me & (others | (S == 1))).flatten()
    if len(going):
        gr, gc, gs = pr[going], pc[going], seat[going]
        if depth == 1:
            if before is None:
                before = node_areas(nodes, rg, rs)
            v[going] = score(leaf_rows(nodes, kids, gc, rg[gr], gs, before[gr]), _pick(variant, gr))
        else:
            games, which = torch.unique(gc, return_inverse=True)
            avg = average[gr] if isinstance(average, torch.Tensor) else average
            kid_games = index(kids, games)
            deeper = _values(kid_games, which, gs, depth - 1, score, avg, None, _pick(variant, gr))
            # no move left there (all NEG) is a loss; each turn a loss is put off is worth 1
            later = deeper.max(1).values.clamp(min=LOSS)
            v[going] = torch.where(later < DRAW, later + 1, later)
    return _combine(out, pr * 4 + own, v, average).reshape(R, 4)


def _combine(
    out: torch.Tensor, key: torch.Tensor, v: torch.Tensor, average: Average
) -> torch.Tensor:
    """``out: [R * 4]`` with the replies' values ``v`` to move ``key`` combined into it: their
    mean where ``average`` (per row of 4 if a tensor), else their minimum."""
    mean = out
    if isinstance(average, torch.Tensor) or average:
        total = torch.zeros_like(out).index_add_(0, key, v)
        count = torch.zeros_like(out).index_add_(0, key, torch.ones_like(v))
        mean = torch.where(count > 0, total / count.clamp(min=1), out)
        if not isinstance(average, torch.Tensor):
            return mean
    worst = out.scatter_reduce(0, key, v, "amin", include_self=False)
    if not isinstance(average, torch.Tensor):
        return worst
    return torch.where(average.repeat_interleave(4), mean, worst)


def search(
    state: BatchState,
    b: torch.Tensor,
    s: torch.Tensor,
    depth: int,
    score: Scorer,
    average: Average = False,
    before: torch.Tensor | None = None,
    variant: torch.Tensor | None = None,
) -> torch.Tensor:
    """``[R, 4]`` value of each move of seats ``(b, s)`` after searching ``depth`` turns,
    ``score`` valuing the leaves; ``before: [R, S]`` = ``node_areas(state, b, s)`` if known;
    ``variant: [R]`` each row's variant for ``score`` (a config index, say)."""
    out = torch.empty(len(b), 4, dtype=torch.float64, device=state.device)
    games, which = torch.unique(b, return_inverse=True)
    chunk = max(16, CHUNK >> (3 * (depth - 1)))
    for g0 in range(0, len(games), chunk):
        rows = torch.nonzero((which >= g0) & (which < g0 + chunk)).flatten()
        roots = compact(index(state, games[g0 : g0 + chunk]), depth)
        out[rows] = _values(
            roots,
            which[rows] - g0,
            s[rows],
            depth,
            score,
            average[rows] if isinstance(average, torch.Tensor) else average,
            _pick(before, rows),
            _pick(variant, rows),
        )
    return out
