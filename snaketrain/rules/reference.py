"""The reference engine: one turn of the Battlesnake standard ruleset in readable scalar Python.

This is the oracle. Each stage of a turn is one small function that changes the board it is
given; ``step`` copies the board once and applies the stages in the official order:

    move -> reduce health -> hazard damage -> feed -> eliminate -> spawn food

The first five are the official standard ruleset's pipeline (standard.go); spawning food is the
standard map's post-update step (maps/standard.go ``PostUpdateBoard``), which the official
engine runs after the ruleset, so food never lands where a living snake is after eliminations.
Semantics follow BattlesnakeOfficial/rules at 87e094e (standard.go, board.go, maps/standard.go).
"""

from __future__ import annotations

from collections.abc import Mapping

from . import rng
from .types import (
    DELTAS,
    HAZARD,
    HEAD_COLLISION,
    MAX_HEALTH,
    MOVES,
    OUT_OF_HEALTH,
    SELF_COLLISION,
    SNAKE_COLLISION,
    WALL_COLLISION,
    Board,
    Point,
    Settings,
    Snake,
)


def check_move(move: str | None) -> str | None:
    """A move as the engine takes it: one of MOVES, or None for a missing move."""
    if move is None or move in DELTAS:
        return move
    raise ValueError(f"unknown move {move!r}; allowed: {', '.join(MOVES)} (or None for no move)")


def default_move(body: list[Point]) -> str:
    """The move a snake makes when it sends none (official ``getDefaultMove``): continue in the
    neck direction; with a neck not next to the head (a wrapped board), anchor on the zero axis
    (head at x=0 with neck x>0: right; neck at x=0 with head x>0: left; the same for y: up,
    down); else (no neck, or head on neck) up."""
    if len(body) >= 2:
        head, neck = body[0], body[1]
        if head.x == neck.x + 1:
            return "right"
        if head.x == neck.x - 1:
            return "left"
        if head.y == neck.y + 1:
            return "up"
        if head.y == neck.y - 1:
            return "down"
        if head.x == 0 and neck.x > 0:
            return "right"
        if neck.x == 0 and head.x > 0:
            return "left"
        if head.y == 0 and neck.y > 0:
            return "up"
        if neck.y == 0 and head.y > 0:
            return "down"
    return "up"


def move_snakes(board: Board, moves: Mapping[str, str | None]) -> None:
    for snake in board.alive_snakes:
        move = check_move(moves.get(snake.id))
        if move is None:
            move = default_move(snake.body)
        dx, dy = DELTAS[move]
        head = snake.body[0]
        snake.body = [Point(head.x + dx, head.y + dy), *snake.body[:-1]]


def reduce_health(board: Board) -> None:
    for snake in board.alive_snakes:
        snake.health -= 1


def damage_hazards(board: Board, settings: Settings, next_turn: int) -> None:
    """Each hazard entry on the head's cell costs ``hazard_damage_per_turn`` (stacked hazards
    stack), unless food lies on that cell; a negative damage heals. Health stays within
    0..MAX_HEALTH; 0 eliminates at once."""
    food = set(board.food)
    for snake in board.alive_snakes:
        head = snake.body[0]
        if head in food:
            continue
        for hazard in board.hazards:
            if hazard == head:
                health = snake.health - settings.hazard_damage_per_turn
                snake.health = min(MAX_HEALTH, max(0, health))
                if snake.health <= 0:
                    eliminate(snake, HAZARD, "", next_turn)
                    break


def feed_snakes(board: Board) -> None:
    """Every living snake whose head is on food eats it: health back to full and one segment
    more (the tail repeated). Several snakes may eat the same food; eaten food disappears."""
    remaining: list[Point] = []
    for food in board.food:
        eaten = False
        for snake in board.alive_snakes:
            if snake.body[0] == food:
                snake.health = MAX_HEALTH
                snake.body.append(snake.body[-1])
                eaten = True
        if not eaten:
            remaining.append(food)
    board.food = remaining


def unoccupied_points(
    board: Board, *, allow_next_to_heads: bool = False, hazards_taken: bool = False
) -> list[Point]:
    """Cells with no food and no living snake, in row-major order (y, then x): official
    ``GetUnoccupiedPoints``. Unless ``allow_next_to_heads``, cells a head could move to next
    turn count as occupied; hazards count only with ``hazards_taken`` (the standard map spawns
    food on hazards)."""
    taken: set[Point] = set(board.food)
    if hazards_taken:
        taken.update(board.hazards)
    for snake in board.alive_snakes:
        taken.update(snake.body)
        if not allow_next_to_heads:
            hx, hy = snake.body[0]
            taken.update(Point(hx + dx, hy + dy) for dx, dy in DELTAS.values())
    return [
        Point(x, y)
        for y in range(board.height)
        for x in range(board.width)
        if Point(x, y) not in taken
    ]


def food_needed(board: Board, settings: Settings, seed: int, turn: int) -> int:
    """How many food to spawn: up to ``minimum_food``, else one with ``food_spawn_chance``%."""
    if len(board.food) < settings.minimum_food:
        return settings.minimum_food - len(board.food)
    if settings.food_spawn_chance > 0:
        roll = rng.below(rng.draw(seed, turn, rng.SPAWN_CHANCE), 100)
        if 100 - roll < settings.food_spawn_chance:
            return 1
    return 0


def spawn_food(board: Board, settings: Settings, seed: int, turn: int) -> None:
    n = food_needed(board, settings, seed, turn)
    if n == 0:
        return
    free = unoccupied_points(board)
    for k in range(min(n, len(free))):
        board.food.append(free.pop(rng.below(rng.draw(seed, turn, rng.SPAWN_PICK, k), len(free))))


def eliminate(snake: Snake, cause: str, by: str, turn: int) -> None:
    snake.eliminated_cause = cause
    snake.eliminated_by = by
    snake.eliminated_turn = turn


def _hits_body(head: Point, other: Snake) -> bool:
    return head in other.body[1:]


def eliminate_snakes(board: Board, next_turn: int) -> None:
    """Out of health, then out of bounds; then collisions among the snakes still standing,
    all judged before any is applied: self, another body (attributed to the longest snake),
    head-to-head (the shorter dies; equal length: both)."""
    for snake in board.alive_snakes:
        if snake.health <= 0:
            eliminate(snake, OUT_OF_HEALTH, "", next_turn)
        elif not board.in_bounds(snake.body[0]):
            eliminate(snake, WALL_COLLISION, "", next_turn)

    standing = board.alive_snakes
    by_length = sorted(standing, key=lambda s: -s.length)  # stable: ties keep board order
    verdicts: list[tuple[Snake, str, str]] = []
    for snake in standing:
        head = snake.body[0]
        if _hits_body(head, snake):
            verdicts.append((snake, SELF_COLLISION, snake.id))
            continue
        other = next((o for o in by_length if o is not snake and _hits_body(head, o)), None)
        if other is not None:
            verdicts.append((snake, SNAKE_COLLISION, other.id))
            continue
        other = next(
            (
                o
                for o in by_length
                if o is not snake and o.body[0] == head and snake.length <= o.length
            ),
            None,
        )
        if other is not None:
            verdicts.append((snake, HEAD_COLLISION, other.id))
    for snake, cause, by in verdicts:
        eliminate(snake, cause, by, next_turn)


def is_game_over(board: Board, solo: bool = False) -> bool:
    """The standard ruleset ends a game when at most one snake is left (official
    ``GameOverStandard``, a single-snake game included: it is over at once); the solo ruleset
    (``solo``, official ``GameOverSolo``) when none is."""
    alive = len(board.alive_snakes)
    return alive == 0 if solo else alive <= 1


def step(
    board: Board,
    moves: Mapping[str, str | None],
    seed: int,
    settings: Settings | None = None,
) -> Board:
    """The board after one turn. ``moves`` maps snake id to a move (missing or None: the
    default move). ``seed`` is the game's seed; food spawns draw from (seed, turn)."""
    settings = settings or Settings()
    for move in moves.values():
        check_move(move)
    nxt = board.copy()
    turn = board.turn + 1
    move_snakes(nxt, moves)
    reduce_health(nxt)
    damage_hazards(nxt, settings, turn)
    feed_snakes(nxt)
    eliminate_snakes(nxt, turn)
    spawn_food(nxt, settings, seed, board.turn)
    nxt.turn = turn
    return nxt
