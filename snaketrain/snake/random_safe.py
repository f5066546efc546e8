"""``random-safe``: any move that does not die at once, chosen with the game's seeded draws.

A move is safe when it stays on the board and does not enter a body segment that will still be
there next turn (a tail moves away unless its snake has just eaten). With no safe move it goes
up. The scalar and batched versions choose the same move from the same draws.
"""

from __future__ import annotations

import torch

from snaketrain.rules import rng
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
