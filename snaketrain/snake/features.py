"""Tensor features of candidate moves, for many snakes and moves at once (the policies' hot path).

The unit of work is a *row*: one snake (``seat``) considering one move in one game, described by
a ``RowView`` of the board after the move. A flood fill over a row's free cells answers the
questions the heuristic asks (reachable area, BFS steps to food, Voronoi territory) in one pass.

Grids are bitboards: a board of W x H cells is ``[..., H]`` int32, bit x of entry y set for cell
(x, y); the flood packs several boards into each int64 word. A dilation round is a handful of
shifts and ors over ``[H, K, N / boards per word]`` words instead of ``N*K*P`` bytes, which is
what makes thousands of fills per turn cheap on a CPU.

Conventions (``space.CONVENTIONS``): *after the move* our new head is a body segment and our tail
is freed unless we eat; enemies stay where they stand. The reachable area does not count the
head it starts from.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from snaketrain.rules.batched import BatchState, Geometry

from .random_safe import safe_mask

__all__ = [
    "FloodResult",
    "MoveFeatures",
    "RowView",
    "flood",
    "flood_rows",
    "move_features",
    "move_rows",
    "node_areas",
    "pack",
    "popcount",
    "safe_mask",
    "segments",
]


def popcount(words: torch.Tensor) -> torch.Tensor:
    """Set bits of each integer word holding at most 24 bits (a board row), as int64."""
    x = words.long()
    x = x - ((x >> 1) & 0x555555)
    x = (x & 0x333333) + ((x >> 2) & 0x333333)
    x = (x + (x >> 4)) & 0x0F0F0F
    return ((x * 0x010101) >> 16) & 0xFF


def pack(grid: torch.Tensor, geo: Geometry) -> torch.Tensor:
    """Padded cells ``grid: [N, P]`` (bool) to board bitboards ``[N, H]`` int32."""
    n = grid.shape[0]
    g = grid.reshape(n, geo.height + 2, geo.wp)[:, 1:-1, 1:-1]
    weights = torch.ones(geo.width, dtype=torch.int32, device=grid.device) << torch.arange(
        geo.width, dtype=torch.int32, device=grid.device
    )
    return (g.int() * weights).sum(-1, dtype=torch.int32)


def segments(cnt: torch.Tensor) -> torch.Tensor:
    """``cnt: [N, S, P]`` per-snake segment counts to all snakes' segments per cell ``[N, P]``
    (a loop over S: much faster than a reduction over the middle dim of a small int type)."""
    total = cnt[:, 0].long()
    for j in range(1, cnt.shape[1]):
        total = total + cnt[:, j]
    return total


def cell_xy(pos: torch.Tensor, geo: Geometry) -> tuple[torch.Tensor, torch.Tensor]:
    """Board (x, y) of padded cells (off-board cells give -1 or W / H)."""
    return pos % geo.wp - 1, pos // geo.wp - 1


def on_board(pos: torch.Tensor, geo: Geometry) -> torch.Tensor:
    x, y = cell_xy(pos, geo)
    return (x >= 0) & (x < geo.width) & (y >= 0) & (y < geo.height)


@dataclass
class RowView:
    """N rows: the board after one snake's move, from that snake's point of view.

    Source 0 is our (new) head; sources 1..K-1 are the other seats in seat order."""

    geo: Geometry
    free: torch.Tensor  # [N, H] int32 bitboard: cells no body occupies after the move
    food: torch.Tensor  # [N, H] int32 bitboard: food after the move
    src: torch.Tensor  # [N, K] padded cell of each source head
    src_alive: torch.Tensor  # [N, K] bool (source 0: the move is safe)
    length: torch.Tensor  # [N, K] lengths; ours before the move
    eats: torch.Tensor  # [N] bool: the move eats
    straight: torch.Tensor  # [N] bool: the move keeps the neck -> head direction
    health: torch.Tensor  # [N] our health before the move
    turn: torch.Tensor  # [N] turn before the move
    before_area: torch.Tensor  # [N, K] reachable area of each head before the move


@dataclass
class FloodResult:
    area: torch.Tensor  # [N, K] reachable cells from each source, the source not counted
    food_steps: torch.Tensor  # [N] BFS steps from source 0 to the nearest food, -1: none
    territory: torch.Tensor  # [N] cells strictly closer to source 0 than to every other source


def _fold(t: torch.Tensor, nf: int, fw: int) -> torch.Tensor:
    """Rows ``t: [nf * m, ...]`` (board bitboards) to ``[m, ...]`` int64, row ``f * m + i`` in
    field f (bits ``f*fw ..``) of word i."""
    t = t.reshape(nf, -1, *t.shape[1:]).long()
    out = t[0].clone()
    for f in range(1, nf):
        out |= t[f] << (f * fw)
    return out


def flood(
    free: torch.Tensor,
    src: torch.Tensor,
    src_alive: torch.Tensor,
    geo: Geometry,
    food: torch.Tensor | None = None,
    max_rounds: int | None = None,
) -> FloodResult:
    """Lock-step BFS from every source through ``free: [N, H]`` cells (bitboards).

    ``src: [N, K]`` padded cells, ``src_alive: [N, K]`` which sources exist. A source's own cell
    need not be free. Dilation stops when no row changes, or after ``max_rounds`` (board cells).

    Several rows share one int64 word (fields of W + 1 bits: the spare bit stops a shift from
    leaking into the next field, since it is never free), and words whose rows stopped changing
    leave the working set, so long corridors cost only their own words."""
    n, k = src.shape
    h, w, dev = geo.height, geo.width, free.device
    fw = w + 1
    nf = max(1, min(63 // fw, n))  # rows per word
    m = -(-n // nf)  # words
    extra = nf * m - n
    x, y = cell_xy(src, geo)
    ok = src_alive & on_board(src, geo)
    seed = torch.zeros(n + extra, k, h, dtype=torch.long, device=dev)
    rows = torch.arange(n, device=dev)[:, None].expand(n, k)
    cols = torch.arange(k, device=dev)[None, :].expand(n, k)
    seed[rows, cols, y.clamp(0, h - 1)] = torch.where(ok, 1 << x.clamp(0, w - 1), 0)

    def padded(t: torch.Tensor) -> torch.Tensor:
        return torch.cat([t, t.new_zeros(extra, *t.shape[1:])]) if extra else t

    reach = _fold(seed, nf, fw).permute(2, 1, 0).contiguous()  # [H, K, m]
    f_ok = _fold(padded(free), nf, fw).t().contiguous()[:, None, :]  # [H, 1, m]
    fd = _fold(padded(food), nf, fw).t().contiguous() if food is not None else None  # [H, m]
    mask = (1 << w) - 1
    shifts = [f * fw for f in range(nf)]

    low = sum(mask << s for s in shifts)  # the value bits of every field
    guard = sum(1 << (s + w) for s in shifts)  # the spare bit of every field

    def fields(word: torch.Tensor) -> torch.Tensor:
        return torch.stack([(word >> s) & mask for s in shifts])  # [nf, ...]

    claimed = torch.zeros(h, m, dtype=torch.long, device=dev)
    # food: ``found`` has a field's spare bit set once source 0 reached food; ``waited``
    # counts, in each field, the rounds that ended with no food found yet
    found = torch.zeros(m, dtype=torch.long, device=dev)
    waited = torch.zeros(m, dtype=torch.long, device=dev)
    active = torch.arange(m, device=dev)
    out_area = torch.zeros(nf, k, m, dtype=torch.long, device=dev)
    out_terr = torch.zeros(nf, m, dtype=torch.long, device=dev)
    out_steps = torch.full((nf, m), -1, dtype=torch.long, device=dev)

    def retire(done: torch.Tensor) -> None:
        ids = active[done]
        out_area[:, :, ids] = popcount(fields(reach[:, :, done])).sum(1)
        out_terr[:, ids] = popcount(fields(claimed[:, done])).sum(1)
        hit = torch.stack([(found[done] >> (s + w)) & 1 for s in shifts]) == 1
        out_steps[:, ids] = torch.where(hit, fields(waited[done]) + 1, -1)

    cap = max_rounds if max_rounds is not None else w * h
    for r in range(1, cap + 1):
        new = reach << 1
        new |= reach >> 1
        new[1:] |= reach[:-1]
        new[:-1] |= reach[1:]
        new &= f_ok
        new |= reach
        fresh = new[:, 0] & ~reach[:, 0]  # [H, m] cells source 0 reaches in round r
        if k > 1:
            enemy = new[:, 1]
            for j in range(2, k):
                enemy = enemy | new[:, j]
            claimed |= fresh & ~enemy
        else:
            claimed |= fresh
        if fd is not None:
            # per row: 1 in a field's low bit if it reached food (value + low carries into
            # the spare bit iff the value is not 0); summed over rows, tested the same way
            rows_hit = (((fresh & fd) + low) & guard) >> w
            found |= (rows_hit.sum(0) + low) & guard
            waited += (~found & guard) >> w
        if r % 2 == 0 or r == cap:
            changed = (new != reach).reshape(h * k, -1).any(0)  # [m]
            reach = new
            n_changed = int(changed.sum())
            if n_changed == 0 or r == cap:
                break
            if n_changed < 0.6 * len(active):
                retire(~changed)
                reach, claimed = reach[:, :, changed], claimed[:, changed]
                found, waited = found[changed], waited[changed]
                active, f_ok = active[changed], f_ok[:, :, changed]
                if fd is not None:
                    fd = fd[:, changed]
        else:
            reach = new
    retire(torch.ones_like(active, dtype=torch.bool))
    area = out_area.permute(0, 2, 1).reshape(nf * m, k)[:n]
    return FloodResult(area - ok.long(), out_steps.reshape(-1)[:n], out_terr.reshape(-1)[:n])


def flood_rows(view: RowView, sources: int | None = None) -> FloodResult:
    """The flood of every row whose move is safe, from its first ``sources`` sources (default
    all); rows whose move dies get area 0, no food and no territory without being filled."""
    src, alive = view.src[:, :sources], view.src_alive[:, :sources]
    live = torch.nonzero(alive[:, 0]).flatten()
    n, k = src.shape
    if len(live) == n:
        return flood(view.free, src, alive, view.geo, view.food)
    part = flood(view.free[live], src[live], alive[live], view.geo, view.food[live])
    dev = src.device
    area = torch.zeros(n, k, dtype=torch.long, device=dev)
    steps = torch.full((n,), -1, dtype=torch.long, device=dev)
    terr = torch.zeros(n, dtype=torch.long, device=dev)
    area[live], steps[live], terr[live] = part.area, part.food_steps, part.territory
    return FloodResult(area, steps, terr)


def _order(s: torch.Tensor, n_seats: int) -> torch.Tensor:
    """Seats in source order for rows of seat ``s: [R]``: ``[R, S]``, s first then the rest."""
    seats = torch.arange(n_seats, device=s.device)
    others = seats[None, :].expand(len(s), n_seats)
    # put s first: rank of each seat = 0 for s, else 1 + its index among the others
    rank = torch.where(others == s[:, None], -1, others)
    return rank.argsort(dim=1, stable=True)


def node_areas(state: BatchState, b: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
    """``[R, S]`` reachable area of every head (seat ``s`` first) in games ``b`` as they stand.

    One fill per game and head, however many seats of the game ask."""
    geo, S = state.geo, state.snakes
    games, which = torch.unique(b, return_inverse=True)
    occ = segments(state.cnt[games]) > 0  # [G, P]
    area = flood(pack(~occ, geo), state.heads()[games], state.alive[games], geo).area  # [G, S]
    return area[which].gather(1, _order(s, S))


def move_rows(
    state: BatchState, b: torch.Tensor, s: torch.Tensor, enemies: bool = True
) -> tuple[RowView, torch.Tensor]:
    """Depth-0 rows for seats ``(b[r], s[r])``: 4 rows per seat, row ``4*r + m`` is move m.

    Returns the view and ``safe: [R, 4]``. Without ``enemies`` only source 0 is filled."""
    geo, dev = state.geo, state.device
    R, S, P = len(b), state.snakes, geo.cells
    safe = safe_mask(state)[b, s]  # [R, 4]
    heads = state.heads()  # [B, S]
    head = heads[b, s]
    new_head = (head[:, None] + geo.deltas(dev)).clamp(0, P - 1)  # [R, 4]
    eats = state.food[b[:, None], new_head] & safe  # [R, 4]
    occ = segments(state.cnt[b])  # [R, P] segments after nobody moved
    tail = state.tails()[b, s]
    free = pack(occ == 0, geo).repeat_interleave(4, 0)  # [R*4, H]
    rows = torch.arange(R * 4, device=dev)
    # the tail frees its cell unless we eat (or it is stacked: two segments there)
    tx, ty = cell_xy(tail, geo)
    freed = (~eats & (occ.gather(1, tail[:, None]) == 1)).reshape(-1)
    tx, ty = tx.repeat_interleave(4), ty.repeat_interleave(4)
    free[rows, ty] |= torch.where(freed, 1 << tx, 0).int()
    # the new head is a body segment
    hx, hy = cell_xy(new_head.reshape(-1), geo)
    inside = on_board(new_head.reshape(-1), geo)
    free[rows, hy.clamp(0, geo.height - 1)] &= ~torch.where(inside, 1 << hx.clamp(0, 30), 0).int()
    food = pack(state.food[b], geo).repeat_interleave(4, 0)
    order = _order(s, S)
    if not enemies:
        order = order[:, :1]
    src = heads[b].gather(1, order).repeat_interleave(4, 0)
    src[:, 0] = new_head.reshape(-1)
    alive = state.alive[b].gather(1, order).repeat_interleave(4, 0)
    alive[:, 0] = safe.reshape(-1)
    length = state.length[b].gather(1, order).repeat_interleave(4, 0)
    neck = state.segment(1)[b, s]
    stacked = neck == head
    straight = (new_head - head[:, None] == (head - neck)[:, None]) & ~stacked[:, None]
    view = RowView(
        geo=geo,
        free=free,
        food=food,
        src=src,
        src_alive=alive,
        length=length,
        eats=eats.reshape(-1),
        straight=straight.reshape(-1),
        health=state.health[b, s].repeat_interleave(4),
        turn=state.turn[b].repeat_interleave(4),
        before_area=torch.zeros_like(length),
    )
    return view, safe


@dataclass
class MoveFeatures:
    """Features of each move of each seat: every tensor is ``[B, S, 4]`` (``[B, S, 4, S]`` for
    distances), zero for seats not asked about."""

    safe: torch.Tensor  # bool: the move does not die at once (walls, bodies)
    head_risk: torch.Tensor  # bool: new head next to an enemy head at least as long
    head_chance: torch.Tensor  # bool: new head next to a strictly shorter enemy head
    area: torch.Tensor  # reachable area after the move
    food_steps: torch.Tensor  # BFS steps to the nearest reachable food (0 if eats), -1: none
    territory: torch.Tensor  # Voronoi cells of the new head
    enemy_area: torch.Tensor  # [B, S, 4, S] area of each seat's head after the move (-1: self)
    head_dist: torch.Tensor  # [B, S, 4, S] Manhattan distance new head -> each head (-1: self)


def head_distances(view: RowView) -> torch.Tensor:
    """``[N, K]`` Manhattan distance from our new head to every source head (col 0 = 0)."""
    x, y = cell_xy(view.src, view.geo)
    return (x - x[:, :1]).abs() + (y - y[:, :1]).abs()


def move_features(state: BatchState, mask: torch.Tensor | None = None) -> MoveFeatures:
    """Every feature of every move for the seats in ``mask: [B, S]`` (default: living seats)."""
    B, S = state.alive.shape
    dev = state.device
    mask = state.alive if mask is None else mask
    b, s = torch.nonzero(mask, as_tuple=True)
    view, safe = move_rows(state, b, s)
    res = flood_rows(view)
    dist = head_distances(view)  # [R*4, S]
    longer = (view.length >= view.length[:, :1]) & view.src_alive
    longer[:, 0] = False
    shorter = (view.length < view.length[:, :1]) & view.src_alive
    shorter[:, 0] = False
    risk = ((dist == 1) & longer).any(1)
    chance = ((dist == 1) & shorter).any(1)
    food = torch.where(view.eats, 0, res.food_steps)
    order = _order(s, S).repeat_interleave(4, 0)  # [R*4, S] seat of each source

    R4 = len(view.eats)

    def scatter(values: torch.Tensor, fill: int = -1) -> torch.Tensor:
        by_seat = torch.full((R4, S), fill, dtype=values.dtype, device=dev)
        by_seat.scatter_(1, order, values)
        by_seat[torch.arange(R4, device=dev), order[:, 0]] = fill
        return by_seat

    out = MoveFeatures(
        safe=torch.zeros(B, S, 4, dtype=torch.bool, device=dev),
        head_risk=torch.zeros(B, S, 4, dtype=torch.bool, device=dev),
        head_chance=torch.zeros(B, S, 4, dtype=torch.bool, device=dev),
        area=torch.zeros(B, S, 4, dtype=torch.long, device=dev),
        food_steps=torch.full((B, S, 4), -1, dtype=torch.long, device=dev),
        territory=torch.zeros(B, S, 4, dtype=torch.long, device=dev),
        enemy_area=torch.full((B, S, 4, S), -1, dtype=torch.long, device=dev),
        head_dist=torch.full((B, S, 4, S), -1, dtype=torch.long, device=dev),
    )
    out.safe[b, s] = safe
    out.head_risk[b, s] = risk.reshape(-1, 4)
    out.head_chance[b, s] = chance.reshape(-1, 4)
    out.area[b, s] = torch.where(safe, res.area[:, 0].reshape(-1, 4), 0)
    out.food_steps[b, s] = torch.where(safe, food.reshape(-1, 4), -1)
    out.territory[b, s] = res.territory.reshape(-1, 4)
    out.enemy_area[b, s] = scatter(res.area).reshape(-1, 4, S)
    out.head_dist[b, s] = scatter(dist).reshape(-1, 4, S)
    return out
