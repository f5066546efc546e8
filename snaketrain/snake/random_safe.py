"""``random-safe``: any move that does not die at once, chosen with the game's seeded draws.

A move is safe when it stays on the board and does not enter a body segment that will still be
there next turn (a tail moves away unless its snake has just eaten). With no safe move it goes
up. The scalar and batched versions choose the same move from the same draws.
"""

from __future__ import annotations

import torch

from snaketrain.rules import rng
from snaketrain.rules.batched import BatchState
from snaketrain.rules.types import DELTAS, MOVES, Board, Point


def safe_moves(board: Board, snake_id: str) -> list[str]:
    me = board.snake(snake_id)
    blocked: set[Point] = set()
    for s in board.alive_snakes:
        # The tail frees its cell next turn unless the last two segments are stacked.
        keep = s.body if len(s.body) >= 2 and s.body[-1] == s.body[-2] else s.body[:-1]
        blocked.update(keep)
    head = me.body[0]
    out = []
    for move in MOVES:
        dx, dy = DELTAS[move]
        p = Point(head.x + dx, head.y + dy)
        if board.in_bounds(p) and p not in blocked:
            out.append(move)
    return out


def random_safe(board: Board, snake_id: str, seed: int) -> str:
    options = safe_moves(board, snake_id)
    if not options:
        return "up"
    index = [s.id for s in board.snakes].index(snake_id)
    h = rng.draw(seed, board.turn, rng.POLICY + index)
    return options[rng.below(h, len(options))]


def safe_mask(state: BatchState) -> torch.Tensor:
    """[B, S, 4]: the move stays on the board and avoids every body segment still there next
    turn (tails move away unless stacked), as ``safe_moves`` decides."""
    B, S, P = state.cnt.shape
    occ = state.cnt[:, 0].long()  # [B, P] segments of living snakes (a loop over seats:
    for s in range(1, S):  # torch reduces int16 over a middle dim very slowly)
        occ = occ + state.cnt[:, s]
    tails = state.tails()
    stacked = (state.length >= 2) & (state.segment(state.length - 2) == tails)
    leaving = (state.alive & ~stacked).long()
    occ = occ.scatter_add(1, tails, -leaving)
    blocked = (occ > 0) | state.geo.wall_mask(state.device)
    nxt = (state.heads()[..., None] + state.geo.deltas(state.device)).clamp(0, P - 1)
    return ~blocked.gather(1, nxt.reshape(B, -1)).reshape(B, S, 4)


class RandomSafe:
    """The batched ``random-safe`` snake."""

    name = "random-safe"

    def __call__(self, state: BatchState, mask: torch.Tensor) -> torch.Tensor:
        return random_safe_batched(safe_mask(state), state.seed, state.turn)


def random_safe_batched(safe: torch.Tensor, seed: torch.Tensor, turn: torch.Tensor) -> torch.Tensor:
    """Moves [B, S] from a safety mask ``safe: [B, S, 4]`` (bool), ``seed: [B]``, ``turn: [B]``.

    Picks the k-th safe move with k drawn as the scalar version does; no safe move: up (0)."""
    S = safe.shape[1]
    h = torch.stack([rng.draw_t(seed, turn, rng.POLICY + s) for s in range(S)], dim=1)  # [B, S]
    n = safe.sum(-1)  # [B, S]
    k = rng.below_t(h, n.clamp(min=1))  # [B, S]
    rank = safe.long().cumsum(-1) - 1  # [B, S, 4]: rank of each safe move
    pick = (safe & (rank == k[..., None])).long().argmax(-1)
    return torch.where(n > 0, pick, torch.zeros_like(pick))
