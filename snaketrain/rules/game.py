"""A whole game on the reference engine: start, ask each policy for a move, step until over."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .reference import is_game_over, step
from .start import standard_start
from .types import Board, Settings

ScalarPolicy = Callable[[Board, str, int], "str | None"]
"""(board, snake id, game seed) -> a move, or None to send no move."""


@dataclass
class GameRecord:
    """Every board of a game from turn 0 to the last, with what decided it."""

    seed: int
    settings: Settings
    boards: list[Board] = field(default_factory=list)
    moves: list[dict[str, str | None]] = field(default_factory=list)  # moves[t]: turn t -> t+1
    turn_limit_reached: bool = False

    @property
    def final(self) -> Board:
        return self.boards[-1]

    @property
    def winner(self) -> str | None:
        """The id of the last snake standing in a multi-snake game; None for a draw or solo."""
        alive = self.final.alive_snakes
        if len(self.final.snakes) > 1 and len(alive) == 1 and not self.turn_limit_reached:
            return alive[0].id
        return None

    @property
    def is_draw(self) -> bool:
        return len(self.final.snakes) > 1 and self.winner is None


def play_game(
    policies: Sequence[ScalarPolicy],
    size: int = 11,
    seed: int = 0,
    settings: Settings | None = None,
    names: Sequence[str] | None = None,
    max_turns: int | None = None,
    start: Board | None = None,
    solo: bool | None = None,
) -> GameRecord:
    """Play one game, snake i moved by ``policies[i]``. ``max_turns`` caps the game (a draw
    when several snakes are still alive at the cap). ``solo`` picks the game-over rule: the
    solo ruleset (on until no snake is left) or the standard one (over when at most one is
    left, so a single snake's game ends at turn 0); None, as the official CLI does
    (``WithSolo(len(urls) < 2)``): solo exactly when the game has one snake."""
    settings = settings or Settings()
    if start is None:
        ids = [f"snake-{i}" for i in range(len(policies))]
        start = standard_start(size, ids, seed, names)
    if solo is None:
        solo = len(start.snakes) == 1
    record = GameRecord(seed=seed, settings=settings, boards=[start])
    board = start
    while not is_game_over(board, solo):
        if max_turns is not None and board.turn >= max_turns:
            record.turn_limit_reached = True
            break
        moves = {
            s.id: policy(board, s.id, seed)
            for s, policy in zip(board.snakes, policies, strict=True)
            if s.alive
        }
        board = step(board, moves, seed, settings)
        record.moves.append(moves)
        record.boards.append(board)
    return record
