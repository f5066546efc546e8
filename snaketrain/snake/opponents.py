"""The built-in ladder of opponents, weakest first, as batched policies.

* ``greedy-food``: the safe move with the fewest BFS steps to the nearest reachable food.
* ``hungry-hunter``: food while health < 50 (or when no enemy is shorter), otherwise the safe
  move nearest (Manhattan) to the head of a strictly shorter enemy; never next to the head of an
  enemy at least as long when another safe move exists.
* ``space-aware``: of the safe moves not next to a head at least as long (all safe moves if
  none), keeps those with the largest reachable area (never a smaller pocket when a larger one
  exists; a move that eats counts the cell its tail keeps), then chooses among them as
  ``hungry-hunter`` does.

Ties are broken with the game's seeded draws, as every snake here does.
"""

from __future__ import annotations

import torch

from snaketrain.rules.batched import BatchState

from .features import cell_xy, flood_rows, move_rows
from .random_safe import random_safe_batched

FAR = 1 << 20
HUNGRY = 50
"""Health below which ``hungry-hunter`` and ``space-aware`` look for food."""


def _narrow(cands: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
    """``cands & keep`` in rows where that leaves a move, else ``cands``: [R, 4]."""
    both = cands & keep
    return torch.where(both.any(1, keepdim=True), both, cands)


def _lowest(cands: torch.Tensor, key: torch.Tensor) -> torch.Tensor:
    """The candidates with the smallest ``key: [R, 4]``."""
    k = torch.where(cands, key, FAR + 1)
    return cands & (k == k.min(1, keepdim=True).values)


def _play(
    state: BatchState,
    mask: torch.Tensor,
    rows: tuple[torch.Tensor, torch.Tensor],
    best: torch.Tensor,
) -> torch.Tensor:
    b, s = rows
    full = torch.zeros(*mask.shape, 4, dtype=torch.bool, device=state.device)
    full[b, s] = best
    return random_safe_batched(full, state.seed, state.turn)


class GreedyFood:
    """Safe moves toward the nearest food by BFS."""

    name = "greedy-food"

    def __call__(self, state: BatchState, mask: torch.Tensor) -> torch.Tensor:
        b, s = torch.nonzero(mask, as_tuple=True)
        view, safe = move_rows(state, b, s, enemies=False)
        res = flood_rows(view, sources=1)
        steps = torch.where(view.eats, 0, res.food_steps).reshape(-1, 4)
        return _play(state, mask, (b, s), _lowest(safe, torch.where(steps < 0, FAR, steps)))


class HungryHunter:
    """Food when hungry, else hunt strictly shorter heads; shun heads at least as long."""

    name = "hungry-hunter"
    space_first = False

    def __call__(self, state: BatchState, mask: torch.Tensor) -> torch.Tensor:
        b, s = torch.nonzero(mask, as_tuple=True)
        view, safe = move_rows(state, b, s)
        res = flood_rows(view, sources=1)
        x, y = cell_xy(view.src, view.geo)
        dist = (x - x[:, :1]).abs() + (y - y[:, :1]).abs()  # [R*4, K]
        enemy = view.src_alive.clone()
        enemy[:, 0] = False
        longer = enemy & (view.length >= view.length[:, :1])
        shorter = enemy & (view.length < view.length[:, :1])
        risky = ((dist == 1) & longer).any(1).reshape(-1, 4)
        cands = _narrow(safe, ~risky)
        if self.space_first:
            # the cell our grown tail keeps when we eat is no smaller pocket: count it
            room = res.area[:, 0] + view.eats.long()
            area = torch.where(cands, room.reshape(-1, 4), -1)
            cands = cands & (area == area.max(1, keepdim=True).values)
        prey = torch.where(shorter, dist, FAR).min(1).values.reshape(-1, 4)
        steps = torch.where(view.eats, 0, res.food_steps).reshape(-1, 4)
        food = torch.where(steps < 0, FAR, steps)
        hunt = (state.health[b, s] >= HUNGRY) & shorter.reshape(-1, 4, shorter.shape[1]).any(2).any(
            1
        )
        key = torch.where(hunt[:, None], prey, food)
        return _play(state, mask, (b, s), _lowest(cands, key))


class SpaceAware(HungryHunter):
    """The largest pocket first, then ``hungry-hunter``'s preferences."""

    name = "space-aware"
    space_first = True
