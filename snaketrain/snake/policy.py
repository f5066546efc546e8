"""What a snake is to the engines: a batched policy, and its batch-of-one scalar form.

A ``BatchedPolicy`` chooses moves for the seats it is asked about in every game of a batch.
The scalar form (``as_scalar``) plays one reference board through the very same code, which is
how the HTTP server and the reference engine use a snake: what trains is what plays.

A ``PolicyFamily`` plays many variants of one snake in one call (``variant: [B, S]`` names each
seat's variant: the heuristic's configs, say); each of its ``Member`` objects is an ordinary
policy for one variant. ``play_seats`` is how an engine loop asks a list of policies for moves:
the members of one family among them are asked together, so 512 configs cost one call a turn.
"""

from __future__ import annotations

from collections.abc import Sequence
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


class PolicyFamily(Protocol):
    name: str

    def __call__(
        self, state: BatchState, mask: torch.Tensor, variant: torch.Tensor
    ) -> torch.Tensor:
        """As ``BatchedPolicy``, seat ``(b, s)`` playing variant ``variant[b, s]`` ([B, S] long;
        only the masked entries matter)."""
        ...


class Member:
    """Variant ``index`` of ``family`` as a policy of its own."""

    def __init__(self, family: PolicyFamily, index: int, name: str) -> None:
        self.family, self.index, self.name = family, index, name

    def __call__(self, state: BatchState, mask: torch.Tensor) -> torch.Tensor:
        return self.family(state, mask, torch.full_like(state.length, self.index))

    def __repr__(self) -> str:
        return f"Member({self.family.name!r}, {self.index}, {self.name!r})"


def play_seats(
    policies: Sequence[BatchedPolicy],
    state: BatchState,
    seat_policy: torch.Tensor,
    mask: torch.Tensor,
) -> torch.Tensor:
    """Moves ``[B, S]`` for the seats in ``mask: [B, S]``, seat ``(b, s)`` played by
    ``policies[seat_policy[b, s]]`` (0 elsewhere). Members of one family are asked in one call;
    the moves are those each policy would make alone."""
    moves = torch.zeros_like(state.length)
    families: dict[int, tuple[PolicyFamily, list[tuple[int, int]]]] = {}
    for p, policy in enumerate(policies):
        if isinstance(policy, Member):
            families.setdefault(id(policy.family), (policy.family, []))[1].append((p, policy.index))
            continue
        seats = mask & (seat_policy == p)
        if bool(seats.any()):
            moves = torch.where(seats, policy(state, seats), moves)
    for family, members in families.values():
        lookup = torch.full((len(policies),), -1, dtype=torch.long, device=state.device)
        for p, index in members:
            lookup[p] = index
        variant = lookup[seat_policy]  # [B, S], -1: not this family
        seats = mask & (variant >= 0)
        if bool(seats.any()):
            moves = torch.where(seats, family(state, seats, variant.clamp(min=0)), moves)
    return moves


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
