"""What a snake is to the engines: a batched policy, and its batch-of-one scalar form.

A ``BatchedPolicy`` chooses moves for the seats it is asked about in every game of a batch.
The scalar form (``as_scalar``) plays one reference board through the very same code, which is
how the HTTP server and the reference engine use a snake: what trains is what plays.
"""

from __future__ import annotations

from typing import Protocol

import torch

from snaketrain.rules.batched import BatchState, from_boards
from snaketrain.rules.game import ScalarPolicy
from snaketrain.rules.types import MOVES, Board


class BatchedPolicy(Protocol):
    name: str

    def __call__(self, state: BatchState, mask: torch.Tensor) -> torch.Tensor:
        """Moves [B, S] (codes into MOVES) for the seats where ``mask: [B, S]`` is True;
        other entries are ignored. Must be deterministic given the state (ties: seeded draws)."""
        ...


def decide(policy: BatchedPolicy, board: Board, snake_id: str, seed: int) -> str:
    """The move ``policy`` makes for ``snake_id`` on ``board`` (a batch of one)."""
    ids = [s.id for s in board.snakes]
    seat = ids.index(snake_id)
    state = from_boards([board], [seed])
    mask = torch.zeros(1, len(ids), dtype=torch.bool)
    mask[0, seat] = True
    return MOVES[int(policy(state, mask)[0, seat])]


def as_scalar(policy: BatchedPolicy) -> ScalarPolicy:
    def play(board: Board, snake_id: str, seed: int) -> str:
        return decide(policy, board, snake_id, seed)

    play.__name__ = policy.name
    return play
