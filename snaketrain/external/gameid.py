"""Game ids that carry a game's seed to a snake served by ``snaketrain serve``.

``snaketrain serve`` breaks ties with ``zlib.crc32(game.id)`` (``server.MoveRequest.seed``),
while the batched path breaks them with the game's seed. ``game_id(seed)`` is an id whose
CRC-32 *is* the seed, so a served snake plays exactly the moves the in-process policy plays
on the same seed: the seam of the differential HTTP test. CRC-32 is affine over GF(2), so the
id is a readable prefix plus 16 letters from ``@A..O`` whose low four bits are solved for.
"""

from __future__ import annotations

import functools
import zlib

_FREE = 16  # suffix letters, 4 free bits each: 64 unknowns for 32 equations
_BASE = 0x40  # "@": letters 0x40..0x4F differ only in their low four bits


def _suffix(bits: int) -> str:
    return "".join(chr(_BASE | ((bits >> (4 * i)) & 0xF)) for i in range(_FREE))


@functools.cache
def _basis() -> list[tuple[int, int]]:
    """Reduced rows (pivot-ordered) of the map from the 64 free bits to the CRC change. For
    messages of one length the change is linear in the bits changed and leading bytes do not
    enter it, so one basis, computed once, serves every prefix."""
    zero = zlib.crc32(_suffix(0).encode())
    rows: list[tuple[int, int]] = []  # (crc change, free bits that make it)
    for j in range(4 * _FREE):
        delta, combo = zlib.crc32(_suffix(1 << j).encode()) ^ zero, 1 << j
        for r_delta, r_combo in rows:
            if delta ^ r_delta < delta:
                delta, combo = delta ^ r_delta, combo ^ r_combo
        if delta:
            rows.append((delta, combo))
            rows.sort(reverse=True)
    if len(rows) != 32:
        raise AssertionError("the suffix does not span CRC-32")  # never: checked by tests
    return rows


def game_id(seed: int, prefix: str = "snaketrain") -> str:
    """An id ``prefix-<seed>-<16 letters>`` with ``zlib.crc32(id) == seed`` (seed < 2**32)."""
    if not 0 <= seed < 2**32:
        raise ValueError(f"a game seed is a 32-bit unsigned integer, got {seed}")
    head = f"{prefix}-{seed}-"
    want = zlib.crc32((head + _suffix(0)).encode()) ^ seed
    bits = 0
    for r_delta, r_combo in _basis():
        if want ^ r_delta < want:
            want, bits = want ^ r_delta, bits ^ r_combo
    return head + _suffix(bits)
