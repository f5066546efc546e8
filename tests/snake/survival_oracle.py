"""The reference engine as the oracle of "dies at once": play a move against every combination
of enemy moves for one turn and see whether our snake is still in the game."""

from __future__ import annotations

import itertools

from snaketrain.rules.reference import step
from snaketrain.rules.types import (
    HAZARD,
    MOVES,
    OUT_OF_HEALTH,
    WALL_COLLISION,
    Board,
    Settings,
)

NO_SPAWN = Settings(food_spawn_chance=0, minimum_food=0)
SELF_INFLICTED = (OUT_OF_HEALTH, WALL_COLLISION, HAZARD)
"""Causes judged before collisions: an enemy eliminated so affects nobody else."""


def outcomes(board: Board, sid: str, move: str) -> list[tuple[bool, bool]]:
    """For every combination of enemy moves: (we are still alive, every enemy that could stay
    in the game past the health and bounds checks did)."""
    enemies = [s for s in board.alive_snakes if s.id != sid]
    # the enemies that have some move surviving the health and bounds checks
    can_stand = set()
    for e in enemies:
        for m in MOVES:
            after = step(board, {sid: move, e.id: m}, 0, NO_SPAWN).snake(e.id)
            if after.eliminated_cause not in SELF_INFLICTED:
                can_stand.add(e.id)
    out = []
    for replies in itertools.product(MOVES, repeat=len(enemies)):
        moves = {sid: move, **{e.id: m for e, m in zip(enemies, replies, strict=True)}}
        after = step(board, moves, 0, NO_SPAWN)
        stood = all(after.snake(e).eliminated_cause not in SELF_INFLICTED for e in can_stand)
        out.append((after.snake(sid).alive, stood))
    return out


def survives_every_reply(board: Board, sid: str, move: str) -> bool:
    """No combination of enemy moves eliminates us this turn."""
    enemies = [s.id for s in board.alive_snakes if s.id != sid]
    for replies in itertools.product(MOVES, repeat=len(enemies)):
        moves = {sid: move, **dict(zip(enemies, replies, strict=True))}
        if not step(board, moves, 0, NO_SPAWN).snake(sid).alive:
            return False
    return True


def survival_class(board: Board, sid: str, move: str) -> int:
    """2: survives every reply; 0: dies to every reply in which the enemies that can stay in
    the game do; 1: otherwise (``survival.SURVIVES``, ``DIES``, ``RISKY``)."""
    seen = outcomes(board, sid, move)
    if all(alive for alive, _ in seen):  # = survives_every_reply
        return 2
    if not any(alive for alive, stood in seen if stood):
        return 0
    return 1
