"""The batched engine: B games of the standard ruleset at once as dense tensors (CPU or CUDA).

Same semantics as ``reference.py``, stage for stage; ``tests/rules/test_differential.py`` keeps
the two identical. Layout:

* Cells are indexed on a board padded by one wall cell on every side: ``pos = (y+1)*Wp + (x+1)``
  with ``Wp = W + 2``. A head that leaves the board lands on a wall cell (and dies that turn),
  so every index stays valid. On-board cells keep row-major order, as the reference engine lists
  them, so the k-th free cell is the same in both engines.
* A body is a ring buffer: segment i of snake s is ``body[b, s, (head_ptr + i) % L]``. Moving
  writes one new head and drops one tail without shifting anything.
* ``cnt[b, s, pos]`` counts the segments of living snake s on each cell: collisions and
  occupancy are gathers, not scans over bodies.

Random choices come from ``rng.draw_t(seed, turn, ...)``, the same draws the reference engine
makes, so a game replays identically in either engine and in any batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace

import torch

from . import rng
from .start import check_start
from .types import (
    CAUSES,
    HAZARD,
    MAX_HEALTH,
    MOVES,
    START_LENGTH,
    Board,
    Point,
    Settings,
    Snake,
)

C_NONE, C_HEALTH, C_WALL, C_SELF, C_SNAKE, C_HEAD, C_HAZARD = range(len(CAUSES))
CNT_DTYPE = torch.int16
assert CAUSES[C_HAZARD] == HAZARD


@dataclass
class Geometry:
    """Board size and the padded index arithmetic shared by the engine and the policies."""

    width: int
    height: int

    @property
    def wp(self) -> int:
        return self.width + 2

    @property
    def cells(self) -> int:  # P: padded cells
        return (self.width + 2) * (self.height + 2)

    def pos(self, p: Point) -> int:
        return (p.y + 1) * self.wp + (p.x + 1)

    def point(self, pos: int) -> Point:
        return Point(pos % self.wp - 1, pos // self.wp - 1)

    def deltas(self, device: torch.device | str = "cpu") -> torch.Tensor:
        """Index offset of each move, in MOVES order (up, down, left, right): [4]."""
        return torch.tensor([self.wp, -self.wp, -1, 1], dtype=torch.long, device=device)

    def wall_mask(self, device: torch.device | str = "cpu") -> torch.Tensor:
        """True on the padding ring: [P]."""
        wall = torch.ones(self.height + 2, self.wp, dtype=torch.bool, device=device)
        wall[1:-1, 1:-1] = False
        return wall.reshape(-1)


@dataclass
class BatchState:
    """B games of S snakes on one board size. Every tensor's first dim is the game."""

    geo: Geometry
    seed: torch.Tensor  # [B] int64, the game's seed (< 2**32)
    turn: torch.Tensor  # [B] int64
    body: torch.Tensor  # [B, S, L] int64 padded cell of each ring slot
    head_ptr: torch.Tensor  # [B, S] int64 ring slot of the head
    length: torch.Tensor  # [B, S] int64
    health: torch.Tensor  # [B, S] int64
    alive: torch.Tensor  # [B, S] bool, not eliminated
    cause: torch.Tensor  # [B, S] int64 index into CAUSES
    killer: torch.Tensor  # [B, S] int64 seat that eliminated it, -1 for none
    elim_turn: torch.Tensor  # [B, S] int64
    food: torch.Tensor  # [B, P] bool
    hazard: torch.Tensor  # [B, P] int64 hazard entries per cell (stacked hazards count)
    cnt: torch.Tensor  # [B, S, P] int16 segments of each living snake per cell
    done: torch.Tensor  # [B] bool, game over (stays over)
    solo: torch.Tensor  # [B] bool, solo ruleset: over when no snake is left (else at most one)

    @property
    def batch(self) -> int:
        return self.seed.shape[0]

    @property
    def snakes(self) -> int:
        return self.body.shape[1]

    @property
    def device(self) -> torch.device:
        return self.seed.device

    def heads(self) -> torch.Tensor:
        """Padded cell of each head: [B, S]."""
        return self.body.gather(2, self.head_ptr[..., None]).squeeze(-1)

    def tails(self) -> torch.Tensor:
        """Padded cell of each tail: [B, S]."""
        slot = (self.head_ptr + self.length - 1) % self.body.shape[2]
        return self.body.gather(2, slot[..., None]).squeeze(-1)

    def segment(self, i: int | torch.Tensor) -> torch.Tensor:
        """Padded cell of segment i (0 = head) of each snake: [B, S]."""
        slot = (self.head_ptr + i) % self.body.shape[2]
        return self.body.gather(2, slot[..., None]).squeeze(-1)

    def winners(self) -> torch.Tensor:
        """Seat of the winner of each finished multi-snake game, -1 for a draw or unfinished."""
        one_left = self.done & (self.alive.sum(1) == 1) & (self.snakes > 1)
        return torch.where(one_left, self.alive.long().argmax(1), torch.full_like(self.turn, -1))

    def clone(self) -> BatchState:
        return replace(
            self, **{f.name: getattr(self, f.name).clone() for f in fields(self) if f.name != "geo"}
        )

    def load_(self, slots: torch.Tensor, other: BatchState) -> None:
        """Overwrite games ``slots`` with the games of ``other`` (same geometry and S)."""
        for f in fields(self):
            if f.name == "geo":
                continue
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            if f.name == "body" and theirs.shape[2] != mine.shape[2]:
                raise ValueError("ring sizes differ; build both states with the same capacity")
            mine[slots] = theirs


def ring_capacity(geo: Geometry, boards: Sequence[Board] = ()) -> int:
    longest = max((len(s.body) for b in boards for s in b.snakes), default=0)
    return max(geo.width * geo.height + 2, longest + 1)


def _solo(solo: bool | None, n_snakes: int, batch: int, device: torch.device | str) -> torch.Tensor:
    """The per-game solo flag; None: as the official CLI picks, solo exactly for one snake."""
    value = n_snakes == 1 if solo is None else solo
    return torch.full((batch,), value, dtype=torch.bool, device=device)


def from_boards(
    boards: Sequence[Board],
    seeds: Sequence[int],
    device: torch.device | str = "cpu",
    capacity: int | None = None,
    solo: bool | None = None,
) -> BatchState:
    """Stack reference boards (same size and number of snakes) into a BatchState. ``solo``:
    the game-over rule, as in ``game.play_game`` (None: solo exactly for one snake)."""
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
    L = capacity or ring_capacity(geo, boards)
    B, P = len(boards), geo.cells
    body = torch.zeros(B, n, L, dtype=torch.long)
    length = torch.zeros(B, n, dtype=torch.long)
    health = torch.zeros(B, n, dtype=torch.long)
    alive = torch.zeros(B, n, dtype=torch.bool)
    cause = torch.zeros(B, n, dtype=torch.long)
    killer = torch.full((B, n), -1, dtype=torch.long)
    elim_turn = torch.zeros(B, n, dtype=torch.long)
    food = torch.zeros(B, P, dtype=torch.bool)
    hazard = torch.zeros(B, P, dtype=torch.long)
    cnt = torch.zeros(B, n, P, dtype=CNT_DTYPE)
    for bi, board in enumerate(boards):
        ids = [s.id for s in board.snakes]
        for si, s in enumerate(board.snakes):
            cells = [geo.pos(p) for p in s.body]
            body[bi, si, : len(cells)] = torch.tensor(cells)
            length[bi, si] = len(cells)
            health[bi, si] = s.health
            alive[bi, si] = s.alive
            cause[bi, si] = CAUSES.index(s.eliminated_cause)
            killer[bi, si] = ids.index(s.eliminated_by) if s.eliminated_by in ids else -1
            elim_turn[bi, si] = s.eliminated_turn
            if s.alive:
                for c in cells:
                    cnt[bi, si, c] += 1
        for p in board.food:
            food[bi, geo.pos(p)] = True
        for p in board.hazards:
            hazard[bi, geo.pos(p)] += 1
    state = BatchState(
        geo=geo,
        seed=torch.tensor([s & rng.MASK32 for s in seeds], dtype=torch.long),
        turn=torch.tensor([b.turn for b in boards], dtype=torch.long),
        body=body,
        head_ptr=torch.zeros(B, n, dtype=torch.long),
        length=length,
        health=health,
        alive=alive,
        cause=cause,
        killer=killer,
        elim_turn=elim_turn,
        food=food,
        hazard=hazard,
        cnt=cnt,
        done=torch.zeros(B, dtype=torch.bool),
        solo=_solo(solo, n, B, "cpu"),
    )
    state.done = _game_over(state)
    return _to(state, device)


def _shuffle4(seed: torch.Tensor, k0: int) -> torch.Tensor:
    """Fisher-Yates permutations of 0..3 per game, drawn as ``start._shuffle`` draws: [B, 4]."""
    B = seed.shape[0]
    perm = torch.arange(4, device=seed.device).repeat(B, 1)
    rows = torch.arange(B, device=seed.device)
    for i in range(3, 0, -1):
        j = rng.below_t(rng.draw_t(seed, 0, rng.START, k0 + i), i + 1)
        a, b = perm[:, i].clone(), perm[rows, j].clone()
        perm[:, i] = b
        perm[rows, j] = a
    return perm


def standard_starts(
    size: int,
    n_snakes: int,
    seeds: torch.Tensor,
    device: torch.device | str = "cpu",
    capacity: int | None = None,
    solo: bool | None = None,
) -> BatchState:
    """Turn 0 of ``len(seeds)`` standard games, built directly as tensors: the same boards as
    ``start.standard_start`` gives for each seed, without a Python loop over games. ``solo``:
    the game-over rule, as in ``from_boards``; a standard game of one snake is over at once."""
    check_start(size, size, n_snakes)
    seed = torch.as_tensor(seeds, dtype=torch.long).to(device) & rng.MASK32
    geo, S, B = Geometry(size, size), n_snakes, seed.shape[0]
    P, L = geo.cells, capacity or ring_capacity(geo)
    mn, md, mx = 1, (size - 1) // 2, size - 2
    corners = torch.tensor([[mn, mn], [mn, mx], [mx, mn], [mx, mx]], device=device)
    cardinals = torch.tensor([[mn, md], [md, mn], [md, mx], [mx, md]], device=device)
    c = corners[_shuffle4(seed, 0)]  # [B, 4, 2] (x, y)
    d = cardinals[_shuffle4(seed, 8)]
    corners_first = (rng.below_t(rng.draw_t(seed, 0, rng.START, 16), 2) == 0)[:, None, None]
    points = torch.where(corners_first, torch.cat([c, d], 1), torch.cat([d, c], 1))[:, :S]
    pos = (points[..., 1] + 1) * geo.wp + points[..., 0] + 1  # [B, S]
    rows = torch.arange(B, device=device)

    food = torch.zeros(B, P, dtype=torch.bool, device=device)
    centre = torch.tensor([(size - 1) // 2, (size - 1) // 2], device=device)
    if S <= 4 or size * size >= 11 * 11:
        diag = torch.tensor([[-1, -1], [-1, 1], [1, -1], [1, 1]], device=device)
        for i in range(S):
            h = points[:, i]  # [B, 2]
            p = h[:, None, :] + diag  # [B, 4, 2]
            ppos = (p[..., 1] + 1) * geo.wp + p[..., 0] + 1
            taken = food.gather(1, ppos) | (ppos[..., None] == pos[:, None, :]).any(-1)
            hx, hy, cx, cy = h[:, 0:1], h[:, 1:2], centre[0], centre[1]
            px, py = p[..., 0], p[..., 1]
            away = (
                ((px < hx) & (hx < cx))
                | ((cx < hx) & (hx < px))
                | ((py < hy) & (hy < cy))
                | ((cy < hy) & (hy < py))
            )
            corner = ((px == 0) | (px == size - 1)) & ((py == 0) | (py == size - 1))
            is_centre = (px == cx) & (py == cy)
            ok = away & ~corner & ~is_centre & ~taken  # [B, 4]
            n = ok.sum(1)
            if bool((n == 0).any()):
                raise ValueError(f"no room for initial food next to snake {i}")
            k = rng.below_t(rng.draw_t(seed, 0, rng.START, 32 + i), n)
            pick = (ok & (ok.long().cumsum(1) == (k + 1)[:, None])).long().argmax(1)
            food[rows, ppos[rows, pick]] = True
    food[:, geo.pos(Point(int(centre[0]), int(centre[1])))] = True

    body = torch.zeros(B, S, L, dtype=torch.long, device=device)
    body[:, :, :START_LENGTH] = pos[..., None]
    cnt = torch.zeros(B, S, P, dtype=CNT_DTYPE, device=device)
    cnt.scatter_(2, pos[..., None], START_LENGTH)
    zeros = torch.zeros(B, S, dtype=torch.long, device=device)
    state = BatchState(
        geo=geo,
        seed=seed,
        turn=torch.zeros(B, dtype=torch.long, device=device),
        body=body,
        head_ptr=zeros.clone(),
        length=zeros + START_LENGTH,
        health=zeros + MAX_HEALTH,
        alive=torch.ones(B, S, dtype=torch.bool, device=device),
        cause=zeros.clone(),
        killer=zeros - 1,
        elim_turn=zeros.clone(),
        food=food,
        hazard=torch.zeros(B, P, dtype=torch.long, device=device),
        cnt=cnt,
        done=torch.zeros(B, dtype=torch.bool, device=device),
        solo=_solo(solo, S, B, device),
    )
    state.done = _game_over(state)
    return state


def _to(state: BatchState, device: torch.device | str) -> BatchState:
    return replace(
        state,
        **{f.name: getattr(state, f.name).to(device) for f in fields(state) if f.name != "geo"},
    )


def to_board(
    state: BatchState,
    b: int,
    ids: Sequence[str] | None = None,
    names: Sequence[str] | None = None,
) -> Board:
    """Game ``b`` of the batch as a reference Board (for tests, replays and HTTP)."""
    geo, S, L = state.geo, state.snakes, state.body.shape[2]
    ids = list(ids) if ids is not None else [f"snake-{i}" for i in range(S)]
    names = list(names) if names is not None else ids
    body = state.body[b].tolist()
    hp, ln = state.head_ptr[b].tolist(), state.length[b].tolist()
    snakes = []
    for s in range(S):
        k = int(state.killer[b, s])
        snakes.append(
            Snake(
                id=ids[s],
                name=names[s],
                health=int(state.health[b, s]),
                body=[geo.point(body[s][(hp[s] + i) % L]) for i in range(ln[s])],
                eliminated_cause=CAUSES[int(state.cause[b, s])],
                eliminated_by=ids[k] if k >= 0 else "",
                eliminated_turn=int(state.elim_turn[b, s]),
            )
        )
    food = [geo.point(int(p)) for p in torch.nonzero(state.food[b]).flatten()]
    hazards = [
        geo.point(int(p))
        for p in torch.nonzero(state.hazard[b]).flatten()
        for _ in range(int(state.hazard[b, p]))
    ]
    return Board(geo.width, geo.height, snakes, food, hazards, int(state.turn[b]))


# --- one turn ------------------------------------------------------------------------------


def _default_moves(state: BatchState, heads: torch.Tensor) -> torch.Tensor:
    """Move code of ``reference.default_move`` (official ``getDefaultMove``): [B, S]. The
    neck direction; a neck not next to the head anchors on the zero axis; else up. The
    checks run in reverse order of precedence, so the first that holds wins."""
    neck = state.segment(1)
    wp = state.geo.wp
    hx, hy = heads % wp - 1, heads // wp - 1
    nx, ny = neck % wp - 1, neck // wp - 1
    rules = [  # (condition, move code), highest precedence first
        (hx == nx + 1, 3),
        (hx == nx - 1, 2),
        (hy == ny + 1, 0),
        (hy == ny - 1, 1),
        ((hx == 0) & (nx > 0), 3),
        ((nx == 0) & (hx > 0), 2),
        ((hy == 0) & (ny > 0), 0),
        ((ny == 0) & (hy > 0), 1),
    ]
    out = torch.zeros_like(heads)  # up
    for cond, code in reversed(rules):
        out = torch.where(cond, code, out)
    return torch.where(state.length >= 2, out, torch.zeros_like(out))


def _add_cells(cnt: torch.Tensor, cells: torch.Tensor, amount: torch.Tensor) -> None:
    """cnt[b, s, cells[b, s]] += amount[b, s] for cnt: [B, S, P]."""
    cnt.scatter_add_(2, cells[..., None], amount[..., None].to(cnt.dtype))


def _move(state: BatchState, moves: torch.Tensor, active: torch.Tensor) -> torch.Tensor:
    heads = state.heads()
    moves = torch.where(moves < 0, _default_moves(state, heads), moves)
    new_heads = torch.where(active, heads + state.geo.deltas(state.device)[moves], heads)
    a = active.long()
    _add_cells(state.cnt, state.tails(), -a)
    L = state.body.shape[2]
    state.head_ptr = torch.where(active, (state.head_ptr - 1) % L, state.head_ptr)
    cur = state.body.gather(2, state.head_ptr[..., None]).squeeze(-1)
    state.body.scatter_(
        2, state.head_ptr[..., None], torch.where(active, new_heads, cur)[..., None]
    )
    _add_cells(state.cnt, new_heads, a)
    return torch.where(active, new_heads, heads)


def _hazards(
    state: BatchState,
    heads: torch.Tensor,
    settings: Settings,
    nxt: torch.Tensor,
    live: torch.Tensor,
) -> None:
    on_hazard = state.hazard.gather(1, heads)  # [B, S]
    on_food = state.food.gather(1, heads)
    hit = live & state.alive & (on_hazard > 0) & ~on_food
    damage = on_hazard * settings.hazard_damage_per_turn  # negative: heals
    damaged = (state.health - damage).clamp(0, MAX_HEALTH)
    state.health = torch.where(hit, damaged, state.health)
    dead = hit & (state.health <= 0)
    _eliminate(state, dead, C_HAZARD, torch.full_like(state.killer, -1), nxt)


def _feed(state: BatchState, heads: torch.Tensor, live: torch.Tensor) -> None:
    eat = live & state.alive & state.food.gather(1, heads)  # [B, S]
    state.health = torch.where(eat, MAX_HEALTH, state.health)
    tails = state.tails()
    L = state.body.shape[2]
    slot = ((state.head_ptr + state.length) % L)[..., None]
    state.body.scatter_(
        2, slot, torch.where(eat, tails, state.body.gather(2, slot).squeeze(-1))[..., None]
    )
    state.length = state.length + eat.long()
    _add_cells(state.cnt, tails, eat.long())
    eaten = torch.zeros_like(state.hazard).scatter_add_(1, heads, eat.long())
    state.food = state.food & (eaten == 0)


def _spawn(
    state: BatchState, heads: torch.Tensor, settings: Settings, active_game: torch.Tensor
) -> None:
    P = state.food.shape[1]
    n_food = state.food.sum(1)
    need = (settings.minimum_food - n_food).clamp(min=0)
    if settings.food_spawn_chance > 0:
        roll = rng.below_t(rng.draw_t(state.seed, state.turn, rng.SPAWN_CHANCE), 100)
        chance = (100 - roll < settings.food_spawn_chance).long()
        need = torch.where(n_food < settings.minimum_food, need, chance)
    need = torch.where(active_game, need, torch.zeros_like(need))
    games = torch.nonzero(need).flatten()  # only these games spawn this turn
    if len(games) == 0:
        return
    need, G = need[games], len(games)
    alive = state.alive[games]  # [G, S]
    occupied = ((state.cnt[games] > 0) & alive[..., None]).any(1)  # [G, P]
    occupied |= state.food[games] | state.geo.wall_mask(state.device)  # hazards are free
    near = (heads[games][..., None] + state.geo.deltas(state.device)).clamp(0, P - 1)  # [G, S, 4]
    near = torch.where(alive[..., None], near, 0)  # dead heads mark cell 0, a wall
    occupied.scatter_(1, near.reshape(G, -1), True)
    free = ~occupied
    seed, turn = state.seed[games], state.turn[games]
    rows = torch.arange(G, device=state.device)
    for k in range(int(need.max())):
        n_free = free.sum(1)
        place = (need > k) & (n_free > 0)
        target = rng.below_t(rng.draw_t(seed, turn, rng.SPAWN_PICK, k), n_free)
        cell = (free & (free.cumsum(1) == (target + 1)[:, None])).long().argmax(1)
        state.food[games, cell] |= place
        free[rows, cell] &= ~place


def _eliminate(
    state: BatchState, dead: torch.Tensor, cause: int, by: torch.Tensor, nxt: torch.Tensor
) -> None:
    state.cause = torch.where(dead, cause, state.cause)
    state.killer = torch.where(dead, by, state.killer)
    state.elim_turn = torch.where(dead, nxt[:, None], state.elim_turn)
    state.alive = state.alive & ~dead


def _collisions(
    state: BatchState, heads: torch.Tensor, nxt: torch.Tensor, live: torch.Tensor
) -> None:
    S = state.snakes
    wall = state.geo.wall_mask(state.device)[heads]
    starved = live & state.alive & (state.health <= 0)
    out = live & state.alive & ~starved & wall
    no_one = torch.full_like(state.killer, -1)
    _eliminate(state, starved, C_HEALTH, no_one, nxt)
    _eliminate(state, out, C_WALL, no_one, nxt)

    standing = live & state.alive  # [B, S]
    # at[b, o, s]: segments of snake o on the head cell of snake s.
    at = state.cnt.gather(2, heads[:, None, :].expand(-1, S, -1))
    same_head = heads[:, :, None] == heads[:, None, :]  # [B, o, s]
    eye = torch.eye(S, dtype=torch.bool, device=state.device)
    self_hit = standing & (at.diagonal(dim1=1, dim2=2) >= 2)
    other = standing[:, :, None] & ~eye  # o standing and o != s
    body_hit = other & ((at - same_head.long()) >= 1)
    head_lost = other & same_head & (state.length[:, None, :] <= state.length[:, :, None])
    # Attribution: the longest snake first, ties in seat order.
    rank = (state.length * (S + 1) + (S - torch.arange(S, device=state.device)))[:, :, None]

    def culprit(hit: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        any_hit = hit.any(1)
        who = torch.where(hit, rank, -1).argmax(1)
        return any_hit, who

    body_any, body_by = culprit(body_hit)
    head_any, head_by = culprit(head_lost)
    seats = torch.arange(S, device=state.device).expand_as(state.killer)
    self_dead = self_hit
    body_dead = standing & ~self_hit & body_any
    head_dead = standing & ~self_hit & ~body_any & head_any
    _eliminate(state, self_dead, C_SELF, seats, nxt)
    _eliminate(state, body_dead, C_SNAKE, body_by, nxt)
    _eliminate(state, head_dead, C_HEAD, head_by, nxt)


def _game_over(state: BatchState) -> torch.Tensor:
    left = state.alive.sum(1)
    return torch.where(state.solo, left == 0, left <= 1)


def step_(state: BatchState, moves: torch.Tensor, settings: Settings) -> None:
    """Advance every unfinished game one turn, in place. ``moves: [B, S]`` move codes
    (index into MOVES), -1 for no move. Finished games and eliminated snakes do not change."""
    playing = ~state.done
    active = state.alive & playing[:, None]
    nxt = state.turn + 1
    heads = _move(state, moves, active)
    state.health = state.health - active.long()
    if bool(state.hazard.any()):
        _hazards(state, heads, settings, nxt, active)
    _feed(state, heads, active)
    _collisions(state, heads, nxt, active)
    died = active & ~state.alive
    if bool(died.any()):
        state.cnt[died] = 0
    _spawn(state, heads, settings, playing)  # the standard map's post-update step
    state.turn = torch.where(playing, nxt, state.turn)
    state.done = state.done | _game_over(state)


def step(state: BatchState, moves: torch.Tensor, settings: Settings | None = None) -> BatchState:
    """The state after one turn; ``state`` is left as it was. Checks ``moves`` first."""
    moves = torch.as_tensor(moves, device=state.device, dtype=torch.long)
    if moves.shape != (state.batch, state.snakes):
        raise ValueError(
            f"moves must have shape [B, S] = {[state.batch, state.snakes]}, got {list(moves.shape)}"
        )
    if moves.numel() and (int(moves.min()) < -1 or int(moves.max()) >= len(MOVES)):
        raise ValueError(
            f"move codes must be -1 (no move) or 0..3 for {', '.join(MOVES)}; "
            f"got values in {int(moves.min())}..{int(moves.max())}"
        )
    nxt = state.clone()
    step_(nxt, moves, settings or Settings())
    return nxt
