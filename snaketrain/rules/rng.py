"""Counter-based random draws shared by both engines.

Every random choice in a game is ``draw(seed, turn, stream, k)``: a 32-bit hash of the game's
seed, the turn, what the draw is for (``stream``) and its index ``k``. Because a draw depends
only on those four numbers, a game replays identically from its seed whichever batch, shard or
engine plays it, and the reference and batched engines see the same food-spawn draws without
passing random numbers around. The mixer is Chris Wellons' ``lowbias32``.
"""

from __future__ import annotations

import torch

MASK32 = 0xFFFFFFFF
_C1 = 0x7FEB352D
_C2 = 0x846CA68B

# Streams: what a draw is for. Snake policies use POLICY + snake index.
SPAWN_CHANCE = 1
SPAWN_PICK = 2
START = 3
POLICY = 16


def mix32(x: int) -> int:
    x &= MASK32
    x ^= x >> 16
    x = (x * _C1) & MASK32
    x ^= x >> 15
    x = (x * _C2) & MASK32
    x ^= x >> 16
    return x


def draw(seed: int, turn: int, stream: int, k: int = 0) -> int:
    """A uniform 32-bit integer for (seed, turn, stream, k)."""
    h = mix32(seed & MASK32)
    h = mix32(h ^ (turn & MASK32))
    return mix32(h ^ ((stream << 16) + k) & MASK32)


def below(h: int, n: int) -> int:
    """Map a 32-bit draw to 0..n-1 (Lemire's multiply-shift, exact in integers)."""
    return (h * n) >> 32


def game_seed(master_seed: int, game_index: int) -> int:
    """The seed of game ``game_index`` of a run started from ``master_seed``."""
    return mix32(mix32(master_seed & MASK32) ^ (game_index & MASK32) ^ 0x5BD1E995)


# --- torch versions: same numbers, elementwise over int64 tensors -------------------------


def _mul32_t(x: torch.Tensor, c: int) -> torch.Tensor:
    # (x * c) mod 2**32 without int64 overflow: split c into 16-bit halves.
    lo, hi = c & 0xFFFF, c >> 16
    return (x * lo + (((x * hi) & 0xFFFF) << 16)) & MASK32


def mix32_t(x: torch.Tensor) -> torch.Tensor:
    x = x & MASK32
    x = x ^ (x >> 16)
    x = _mul32_t(x, _C1)
    x = x ^ (x >> 15)
    x = _mul32_t(x, _C2)
    return x ^ (x >> 16)


def draw_t(
    seed: torch.Tensor, turn: torch.Tensor | int, stream: int, k: torch.Tensor | int = 0
) -> torch.Tensor:
    """``draw`` over tensors (int64); arguments broadcast."""
    h = mix32_t(seed)
    h = mix32_t(h ^ (torch.as_tensor(turn, device=seed.device) & MASK32))
    return mix32_t(h ^ (((stream << 16) + torch.as_tensor(k, device=seed.device)) & MASK32))


def below_t(h: torch.Tensor, n: torch.Tensor | int) -> torch.Tensor:
    return (h * n) >> 32
