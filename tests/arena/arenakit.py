"""Helpers shared by the arena tests."""

from __future__ import annotations

import torch

from snaketrain.rules import rng
from snaketrain.rules.batched import BatchState
from snaketrain.snake.random_safe import random_safe_batched, safe_mask


class SaltedRandomSafe:
    """random-safe with its own random stream: as strong as random-safe (true Elo 0), but
    other games (the two games of a pair differ)."""

    def __init__(self, salt: int) -> None:
        self.salt = salt
        self.name = f"random-safe~{salt}"

    def __call__(self, state: BatchState, mask: torch.Tensor) -> torch.Tensor:
        return random_safe_batched(
            safe_mask(state), rng.mix32_t(state.seed ^ self.salt), state.turn
        )
