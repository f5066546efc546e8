"""Which moves die at once: for every enemy reply, for some, or for none.

A move *dies at once* when the turn it is played eliminates the snake: out of bounds, out of
health (hazard damage included), a collision with its own or another body, or a lost
head-to-head. Whether it does can depend on what the enemies play this turn: an enemy at
least as long may move its head into the same cell (a tail always moves on unless it is
stacked from the turn before, even when its snake eats now). ``move_survival`` sorts every
move of every seat into

* ``SURVIVES``: eliminated by no combination of enemy moves;
* ``DIES``: eliminated by every combination in which each enemy plays a move that keeps it
  in the game past the health and bounds checks, where it has one (an enemy that walks into
  a wall could spare us, but is not counted on to);
* ``RISKY``: the rest (an enemy at least as long may meet us head to head).

This is the rule the heuristic plays by: a move that survives every reply whenever one exists
(``HeuristicPolicy``). It follows the standard ruleset exactly (the reference engine is the
test's oracle), including that a snake eliminated before collisions are judged (out of health
or bounds) neither blocks nor wins a head-to-head: an enemy that starves whatever it plays
leaves its body passable.
"""

from __future__ import annotations

import torch

from snaketrain.rules.batched import BatchState
from snaketrain.rules.types import Settings

DIES, RISKY, SURVIVES = 0, 1, 2

HAZARD_DAMAGE = Settings().hazard_damage_per_turn
"""The hazard damage assumed (a policy does not see the game's settings; the search assumes
the same)."""


def move_survival(state: BatchState, hazard_damage: int = HAZARD_DAMAGE) -> torch.Tensor:
    """``[B, S, 4]`` int64: ``DIES``, ``RISKY`` or ``SURVIVES`` for each move of each seat
    (``DIES`` for seats out of the game)."""
    geo, dev = state.geo, state.device
    B, S, P = state.cnt.shape
    alive = state.alive & ~state.done[:, None]  # [B, S]
    heads, tails = state.heads(), state.tails()  # [B, S]
    nxt = (heads[..., None] + geo.deltas(dev)).clamp(0, P - 1)  # [B, S, 4] target cells
    flat = nxt.reshape(B, -1)
    wall = geo.wall_mask(dev)[nxt]
    food = state.food.gather(1, flat).reshape(B, S, 4)
    hazard = state.hazard.gather(1, flat).reshape(B, S, 4)
    # out of health before collisions: health - 1 - hazard damage (none on food) <= 0
    left = state.health[..., None] - 1 - torch.where(food, 0, hazard * hazard_damage)
    gone = wall | (~food & (left <= 0))  # [B, S, 4]: eliminated before collisions
    reaches = alive[..., None] & ~gone  # the snake stands on that cell when collisions count
    standing = reaches.any(-1)  # [B, S]: stands for some move of its own

    # segments still there after every move: all but a tail that moves on (unless stacked:
    # a snake that eats this turn grows by repeating its tail *after* moving, so its old tail
    # cell is free all the same)
    stacked = (state.length >= 2) & (state.segment(state.length - 2) == tails)
    leaves = (standing & ~stacked).long()
    cnt = state.cnt.long() * standing[..., None]  # [B, S, P]
    cnt = cnt.scatter_add(2, tails[..., None], -leaves[..., None])
    kept = cnt.sum(1)  # [B, P]
    blocked = kept.gather(1, flat).reshape(B, S, 4) > 0

    # an enemy at least as long reaching the same cell: a lost head-to-head
    eye = torch.eye(S, dtype=torch.bool, device=dev)
    enemy = ~eye[None] & standing[:, None, :]  # [B, s, o]: o is an enemy of s that stands
    meet = nxt[:, :, :, None, None] == nxt[:, None, None, :, :]  # [B, s, 4, o, 4]
    meet = (meet & reaches[:, None, None, :, :]).any(-1)  # [B, s, 4, o]
    longer = state.length[:, None, :] >= state.length[:, :, None]  # [B, s, o]
    threat = meet & (enemy & longer)[:, :, None]  # [B, s, 4, o]
    # an enemy whose one move that stands is that cell will meet us for sure
    forced = threat & (reaches.sum(-1) == 1)[:, None, None, :]

    out = torch.full((B, S, 4), SURVIVES, dtype=torch.long, device=dev)
    out = torch.where(threat.any(-1), RISKY, out)
    return torch.where(~reaches | blocked | forced.any(-1), DIES, out)
