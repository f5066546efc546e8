"""``rules.rng`` as numba functions: the same 32-bit counter-based draws, in uint64 words."""

from __future__ import annotations

import numpy as np
from numba import njit

from snaketrain.rules import rng as _py

M32 = np.uint64(0xFFFFFFFF)
C1 = np.uint64(0x7FEB352D)
C2 = np.uint64(0x846CA68B)
U15, U16, U32 = np.uint64(15), np.uint64(16), np.uint64(32)

SPAWN_CHANCE = _py.SPAWN_CHANCE
SPAWN_PICK = _py.SPAWN_PICK
START = _py.START
POLICY = _py.POLICY


@njit(cache=True, inline="always")
def mix32(x: np.uint64) -> np.uint64:
    x = x & M32
    x ^= x >> U16
    x = (x * C1) & M32
    x ^= x >> U15
    x = (x * C2) & M32
    x ^= x >> U16
    return x


@njit(cache=True, inline="always")
def draw(seed: int, turn: int, stream: int, k: int) -> np.uint64:
    """A uniform 32-bit integer for (seed, turn, stream, k), as ``rules.rng.draw``."""
    h = mix32(np.uint64(seed) & M32)
    h = mix32(h ^ (np.uint64(turn) & M32))
    return mix32(h ^ (np.uint64((stream << 16) + k) & M32))


@njit(cache=True, inline="always")
def below(h: np.uint64, n: int) -> int:
    """``h`` mapped to 0..n-1 (n >= 1), as ``rules.rng.below``."""
    return np.int64((h * np.uint64(n)) >> U32)
