"""Plain data of the game: points, snakes, boards, settings. No logic beyond derived values.

Coordinates follow the Battlesnake API v1: (0, 0) is the bottom-left cell and "up" is y + 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple


class Point(NamedTuple):
    x: int
    y: int


MOVES: tuple[str, ...] = ("up", "down", "left", "right")
"""The four moves; a move's index in this tuple is its integer code everywhere."""

DELTAS: dict[str, tuple[int, int]] = {
    "up": (0, 1),
    "down": (0, -1),
    "left": (-1, 0),
    "right": (1, 0),
}

# Official elimination cause strings (BattlesnakeOfficial/rules constants.go).
NOT_ELIMINATED = ""
OUT_OF_HEALTH = "out-of-health"
WALL_COLLISION = "wall-collision"
SELF_COLLISION = "snake-self-collision"
SNAKE_COLLISION = "snake-collision"
HEAD_COLLISION = "head-collision"
HAZARD = "hazard"

CAUSES: tuple[str, ...] = (
    NOT_ELIMINATED,
    OUT_OF_HEALTH,
    WALL_COLLISION,
    SELF_COLLISION,
    SNAKE_COLLISION,
    HEAD_COLLISION,
    HAZARD,
)
"""Elimination causes; a cause's index in this tuple is its integer code in the batched engine."""

MAX_HEALTH = 100
START_LENGTH = 3
FIXED_BOARD_SIZES = (7, 11, 19)
MAX_FIXED_SNAKES = 8


@dataclass(frozen=True)
class Settings:
    """Ruleset settings, named as in the official engine (``ruleset.settings``)."""

    food_spawn_chance: int = 15  # percent per turn when food >= minimum_food
    minimum_food: int = 1
    hazard_damage_per_turn: int = 14  # may be negative: a hazard then heals (capped at 100)

    def __post_init__(self) -> None:
        if not 0 <= self.food_spawn_chance <= 100:
            raise ValueError(f"food_spawn_chance must be 0..100, got {self.food_spawn_chance}")
        if self.minimum_food < 0:
            raise ValueError(f"minimum_food must be >= 0, got {self.minimum_food}")
        # Any integer, as the official engine takes it: a negative damage heals.

    def to_api(self) -> dict[str, object]:
        return {
            "foodSpawnChance": self.food_spawn_chance,
            "minimumFood": self.minimum_food,
            "hazardDamagePerTurn": self.hazard_damage_per_turn,
        }


@dataclass
class Snake:
    id: str
    health: int
    body: list[Point]  # head first
    name: str = ""
    eliminated_cause: str = NOT_ELIMINATED
    eliminated_by: str = ""
    eliminated_turn: int = 0

    @property
    def head(self) -> Point:
        return self.body[0]

    @property
    def length(self) -> int:
        return len(self.body)

    @property
    def alive(self) -> bool:
        return self.eliminated_cause == NOT_ELIMINATED

    def copy(self) -> Snake:
        return Snake(
            self.id,
            self.health,
            list(self.body),
            self.name,
            self.eliminated_cause,
            self.eliminated_by,
            self.eliminated_turn,
        )


@dataclass
class Board:
    """A board state. ``snakes`` keeps eliminated snakes (with their cause) as the official
    BoardState does; the API's ``board.snakes`` shows only the living ones."""

    width: int
    height: int
    snakes: list[Snake]
    food: list[Point] = field(default_factory=list)
    hazards: list[Point] = field(default_factory=list)
    turn: int = 0

    @property
    def alive_snakes(self) -> list[Snake]:
        return [s for s in self.snakes if s.alive]

    def snake(self, snake_id: str) -> Snake:
        for s in self.snakes:
            if s.id == snake_id:
                return s
        raise KeyError(f"no snake with id {snake_id!r}; ids: {[s.id for s in self.snakes]}")

    def copy(self) -> Board:
        return Board(
            self.width,
            self.height,
            [s.copy() for s in self.snakes],
            list(self.food),
            list(self.hazards),
            self.turn,
        )

    def in_bounds(self, p: Point) -> bool:
        return 0 <= p.x < self.width and 0 <= p.y < self.height
