"""What the engines' differential tests share: a reference board as a comparable snapshot
(turn, sorted food, per snake health / body / cause / killer seat / elimination turn), the
form tests/rules (batched engine) and tests/fast (compiled engine) compare their states to."""

from __future__ import annotations

from snaketrain.rules.types import Board


def reference_snapshot(board: Board) -> tuple:
    ids = [s.id for s in board.snakes]
    snakes = tuple(
        (
            s.health,
            tuple(s.body),
            s.eliminated_cause,
            ids.index(s.eliminated_by) if s.eliminated_by else -1,
            s.eliminated_turn,
        )
        for s in board.snakes
    )
    return (board.turn, tuple(sorted(board.food)), snakes)
