"""The tunable snake: every move scored by the weighted features that ``config.yaml`` names.

``score_rows`` implements each ``Param.meaning`` of ``space.SPACE`` on rows of ``features``;
``HeuristicPolicy`` plays the best-scoring move that survives every enemy reply this turn
(``survival``; only when none does, the best of those that may survive), searching ahead
(``lookahead``) as the ``search.*`` and ``hybrid.*`` keys say, ties broken with the game's
seeded draws. One policy may play many configs at once, one per seat (``from_configs``; the
values as per-row tensors: ``weights``).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from snaketrain.rules.batched import BatchState

from .config import Config
from .features import RowView, cell_xy, flood_rows, move_rows, node_areas
from .lookahead import NEG, search
from .policy import Member
from .random_safe import random_safe_batched
from .survival import move_survival
from .weights import Weights, WeightTable, any_true, choice, column, per_row

AVERAGE = choice("search.reply_model", "average")


def score_rows(view: RowView, w: Weights) -> torch.Tensor:
    """``[N]`` float64 heuristic score of each row's move (NEG where the move dies at once).

    Readings of the meanings where they leave a choice: *own length* is our length before the
    move (``traps.food_trap`` uses the length after eating, as it says); *health* and *turn*
    are those before the move; enemy lengths are as they stand on the row's board. ``w``: one
    value per key for every row, or per row (``weights``)."""
    geo = view.geo
    res = flood_rows(view)
    cells = float(geo.width * geo.height)
    f64 = torch.float64
    area = res.area[:, 0].to(f64)
    me_len = view.length[:, 0].to(f64)
    enemy = view.src_alive.clone()
    enemy[:, 0] = False
    x, y = cell_xy(view.src, geo)
    hx, hy = x[:, 0], y[:, 0]
    dist = (x - hx[:, None]).abs() + (y - hy[:, None]).abs()  # [N, K]
    longer = enemy & (view.length >= view.length[:, :1])
    shorter = enemy & (view.length < view.length[:, :1])

    bonus = w["weights.space"] * area / cells
    # food, with urgency from health before the move
    hp = view.health
    urgency = per_row(w["food_urgency.normal"], hp)
    urgency = torch.where(hp <= w["food_urgency.low_health"], w["food_urgency.low"], urgency)
    urgency = torch.where(
        hp <= w["food_urgency.critical_health"], w["food_urgency.critical"], urgency
    )
    steps = torch.where(view.eats, 0, res.food_steps)
    bonus = bonus + torch.where(steps >= 0, w["weights.food"] * urgency / (1 + steps.to(f64)), 0)
    # centre control
    cx, cy = (geo.width - 1) / 2, (geo.height - 1) / 2
    to_centre = (hx.to(f64) - cx).abs() + (hy.to(f64) - cy).abs()
    bonus = bonus + w["weights.center_control"] * (1 - to_centre / (cx + cy))
    # cutoff: the enemy whose head is nearest our new head (lowest seat on ties)
    if view.src.shape[1] > 1:
        far = torch.where(enemy, dist, 1 << 30)
        near = far.argmin(1, keepdim=True)
        has = enemy.any(1)
        lost = (view.before_area.gather(1, near) - res.area.gather(1, near)).squeeze(1)
        bonus = bonus + torch.where(has, w["weights.cutoff"] * lost.to(f64) / cells, 0)
    bonus = bonus + w["weights.straight_movement"] * view.straight.to(f64)
    bonus = bonus + w["weights.territory"] * res.territory.to(f64) / cells
    for k in range(1, 6):
        n_k = ((dist == k) & shorter).sum(1).to(f64)
        bonus = bonus + w[f"pursuit.distance_{k}"] * n_k
    ratio = column(w["trapping.trapped_ratio"])
    trapped = (enemy & (res.area.to(f64) < ratio * view.length.to(f64))).sum(1)
    roomy = area >= w["trapping.space_cutoff_threshold"] * me_len
    bonus = bonus + torch.where(roomy, w["trapping.weight"] * trapped.to(f64), 0)

    # penalties
    on_ring = (hx == 0) | (hy == 0) | (hx == geo.width - 1) | (hy == geo.height - 1)
    pen = w["weights.head_collision"] * ((dist == 1) & longer).any(1).to(f64)
    pen = pen + w["weights.wall_penalty"] * on_ring.to(f64)
    trap = torch.zeros_like(area)
    trap = torch.where(area < 2 * me_len, w["traps.moderate"], trap)
    trap = torch.where(area < me_len, w["traps.severe"], trap)
    trap = torch.where(area < me_len / 2, w["traps.critical"], trap)
    food_trap = view.eats & (area < w["traps.food_trap_threshold"] * (me_len + 1))
    pen = pen + trap + w["traps.food_trap"] * food_trap.to(f64)
    late = view.turn >= w["late_game.turn_threshold"]
    pen = torch.where(late, pen * w["late_game.caution_multiplier"], pen)
    return torch.where(view.src_alive[:, 0], bonus - pen, NEG)


def depth0_values(
    state: BatchState, b: torch.Tensor, s: torch.Tensor, w: Weights, before: torch.Tensor
) -> torch.Tensor:
    """``[R, 4]`` scores of the four moves of seats ``(b, s)`` with enemies unmoved;
    ``before: [R, S]`` the heads' areas now (``node_areas``); ``w``: the seats' weights."""
    view, _ = move_rows(state, b, s)
    view.before_area = before.repeat_interleave(4, 0)
    return score_rows(view, w.repeat(4)).reshape(-1, 4)


def critical(
    state: BatchState, b: torch.Tensor, s: torch.Tensor, w: Weights, area: torch.Tensor
) -> torch.Tensor:
    """``[R]`` bool: a hybrid critical turn for seat ``(b, s)`` (health, nearby heads, space);
    ``area: [R]`` our reachable area from the current head."""
    heads = state.heads()[b]  # [R, S]
    x, y = cell_xy(heads, state.geo)
    me = s[:, None]
    mx, my = x.gather(1, me), y.gather(1, me)
    near = ((x - mx).abs() + (y - my).abs() <= 3) & state.alive[b]
    near[torch.arange(len(b), device=b.device), s] = False
    area = area.double()
    return (
        (state.health[b, s] <= w["hybrid.critical_health"])
        | (near.sum(1) >= w["hybrid.critical_nearby_enemies"])
        | (area < w["hybrid.critical_space_ratio"] * state.length[b, s].double())
    )


def plan_depth(
    state: BatchState,
    b: torch.Tensor,
    s: torch.Tensor,
    w: Weights,
    before: torch.Tensor | None = None,
) -> torch.Tensor:
    """``[R]`` search depth per seat: search.depth, or hybrid.lookahead_depth on a critical
    turn, cut to the deepest whose full tree ((4 * 4^enemies)^depth leaves) fits max_nodes.
    ``before: [R, S]``: ``node_areas(state, b, s)`` if already known."""
    depth = per_row(w["search.depth"], b).long()
    if any_true(w["hybrid.enabled"]):
        if before is None:
            before = node_areas(state, b, s)
        hot = critical(state, b, s, w, before[:, 0]) & (per_row(w["hybrid.enabled"], b) > 0)
        depth = torch.where(hot, per_row(w["hybrid.lookahead_depth"], b).long(), depth)
    enemies = state.alive[b].sum(1) - 1
    # floor(log2(max_nodes)): the powers of two from 2 up that max_nodes reaches
    powers = 2.0 ** torch.arange(1, 40, dtype=torch.float64, device=b.device)
    bits = (per_row(w["search.max_nodes"], b)[:, None] >= powers).sum(1)
    return torch.minimum(depth, bits // (2 * (1 + enemies)))


def _builtin_only(config: Config, name: str) -> None:
    if not config.space.builtin:
        raise ValueError(
            f"snake {name}: the built-in snake plays configs of the built-in space only, "
            f"not one of {config.space.describe()}"
        )


class HeuristicPolicy:
    """The batched snake of one config, or of several at once (``from_configs``): each seat
    then plays the config that ``variant: [B, S]`` names, and ``member(k)`` is config k as a
    policy of its own (``policy.play_seats`` moves the seats of all members in one call).

    Every key may differ between the configs of one policy, search keys included: seats are
    grouped by their planned depth (as hybrid turns already are), so a batch costs what its
    seats' searches cost together; configs that share ``search.*`` and ``hybrid.*`` keys (as
    SPSA's θ+cΔ / θ−cΔ pairs do while those stay fixed) play at the speed of one config."""

    def __init__(self, config: Config, name: str = "heuristic") -> None:
        _builtin_only(config, name)
        self.configs: tuple[Config, ...] = (config,)
        self.config = config
        self.name = name
        self.weights = Weights.of(config)
        self.table = WeightTable.of(self.configs)

    @classmethod
    def from_configs(cls, configs: Sequence[Config], name: str = "heuristic") -> HeuristicPolicy:
        """One policy playing ``configs`` (each seat the one its variant names)."""
        if not configs:
            raise ValueError("HeuristicPolicy.from_configs needs at least one config")
        policy = cls(configs[0], name)
        for config in configs[1:]:
            _builtin_only(config, name)
        policy.configs = tuple(configs)
        policy.table = WeightTable.of(policy.configs)
        return policy

    def member(self, k: int, name: str | None = None) -> Member:
        """Config ``k`` as a policy of its own (default name ``"<name>/<k>"``)."""
        if not 0 <= k < len(self.configs):
            raise ValueError(f"member {k} of a policy of {len(self.configs)} configs")
        return Member(self, k, name if name is not None else f"{self.name}/{k}")

    def members(self, names: Sequence[str] | None = None) -> list[Member]:
        """Every config as a policy of its own, in order."""
        if names is not None and len(names) != len(self.configs):
            raise ValueError(f"{len(self.configs)} configs but {len(names)} names")
        return [self.member(k, None if names is None else names[k]) for k in range(self.size)]

    @property
    def size(self) -> int:
        """How many configs this policy plays."""
        return len(self.configs)

    def _weights(self, variant: torch.Tensor | None) -> Weights:
        return self.weights if variant is None or self.size == 1 else self.table.rows(variant)

    def score(self, view: RowView, variant: torch.Tensor | None = None) -> torch.Tensor:
        """``[N]`` heuristic score of each row's move, row n under config ``variant[n]``."""
        return score_rows(view, self._weights(variant))

    def values(
        self,
        state: BatchState,
        b: torch.Tensor,
        s: torch.Tensor,
        variant: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """``[R, 4]`` value of each move for seats ``(b, s)`` (NEG: dies at once), seat r
        playing config ``variant[r]`` (``variant: [R]``; may be left out with one config)."""
        if self.size == 1:
            variant = None
        elif variant is None:
            raise ValueError(f"a policy of {self.size} configs needs each seat's variant")
        w = self._weights(variant)
        before = node_areas(state, b, s)  # [R, S]
        depth = plan_depth(state, b, s, w, before)
        average = w["search.reply_model"] == AVERAGE  # bool, or [R] bool
        out = torch.empty(len(b), 4, dtype=torch.float64, device=state.device)
        for d in depth.unique().tolist():
            rows = torch.nonzero(depth == d).flatten()
            part = None if variant is None else variant[rows]
            if d == 0:
                out[rows] = depth0_values(state, b[rows], s[rows], w.take(rows), before[rows])
            else:
                avg = average[rows] if isinstance(average, torch.Tensor) else average
                out[rows] = search(state, b[rows], s[rows], d, self.score, avg, before[rows], part)
        return out

    def __call__(
        self, state: BatchState, mask: torch.Tensor, variant: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Moves ``[B, S]`` for the seats in ``mask: [B, S]``; ``variant: [B, S]`` long: the
        config of each seat (may be left out with one config)."""
        b, s = torch.nonzero(mask, as_tuple=True)
        best = torch.zeros(*mask.shape, 4, dtype=torch.bool, device=state.device)
        if len(b):
            rows = None if variant is None else variant[b, s]
            best[b, s] = choose(self.values(state, b, s, rows), move_survival(state)[b, s])
        return random_safe_batched(best, state.seed, state.turn)


def choose(values: torch.Tensor, survival: torch.Tensor) -> torch.Tensor:
    """``[R, 4]`` bool: the best-valued moves among those of the best survival class
    (``survival.move_survival``): never a move that may die at once while one that survives
    every reply exists, whatever the search thinks of later turns."""
    top = survival == survival.max(1, keepdim=True).values
    v = torch.where(top, values, -torch.inf)
    return top & (v == v.max(1, keepdim=True).values)
