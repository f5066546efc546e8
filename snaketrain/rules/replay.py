"""Replays: any ``GameRecord`` as JSONL in the official Battlesnake CLI ``--output`` format,
and read back.

The official format (BattlesnakeOfficial/rules, cli/commands/output.go and play.go), one JSON
object per line:

1. the ``game`` object: ``{"id", "ruleset": {"name", "version", "settings"}, "map", "timeout",
   "source"}``;
2. one line per turn, from turn 0 through the final board, each the body of a ``/move``
   request: ``{"game", "turn", "board", "you"}``. ``board.snakes`` lists the living snakes only,
   so an eliminated snake silently disappears. The official CLI fills ``you`` with whichever
   snake its (unordered) map yields first, alive or not; here the choice is fixed: the first
   snake still alive on that turn, else (only possible on the final turn) the game's first
   snake, as it was eliminated;
3. the result: ``{"winnerId", "winnerName", "isDraw"}``. A multi-snake game that ends with one
   snake left names it; with none left, or stopped at a turn limit, the winner is empty and
   ``isDraw`` is true. A solo game has no winner and ``isDraw`` false.

Extension: because the official lines never say how a snake died, the result line also carries
``"eliminations"``: one ``{"id", "name", "cause", "by", "turn"}`` per eliminated snake, in order
of turn (board order within a turn), with the official cause strings (``types.CAUSES``).
Readers of the official format ignore the extra key; ``read_replay`` accepts files without it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .api import BoardError, board_from_api, game_to_api, move_request
from .game import GameRecord
from .types import Board, Settings


class ReplayError(ValueError):
    """A replay file that cannot be read; the message names the line and field at fault."""


@dataclass(frozen=True)
class Elimination:
    id: str
    name: str
    cause: str  # an official cause string, never ""
    by: str  # the snake that caused it, "" when none did
    turn: int  # the turn on which the snake was gone


@dataclass
class Replay:
    """A replay as read back: the boards of every turn (living snakes only, as the API shows
    them) and the result. Shaped like ``GameRecord`` where the format allows."""

    game: dict[str, Any]
    settings: Settings
    boards: list[Board]
    winner_id: str
    winner_name: str
    is_draw: bool
    eliminations: list[Elimination]

    @property
    def final(self) -> Board:
        return self.boards[-1]

    @property
    def winner(self) -> str | None:
        return self.winner_id or None


def eliminations(board: Board) -> list[Elimination]:
    """Who is gone from ``board``, how, by whom and when, in order of turn."""
    gone = [
        Elimination(s.id, s.name or s.id, s.eliminated_cause, s.eliminated_by, s.eliminated_turn)
        for s in board.snakes
        if not s.alive
    ]
    return sorted(gone, key=lambda e: e.turn)


def _you(board: Board) -> str:
    if not board.snakes:
        raise ValueError(f"turn {board.turn} has no snakes; a replay needs at least one")
    alive = board.alive_snakes
    return (alive[0] if alive else board.snakes[0]).id


def replay_objects(
    record: GameRecord, game_id: str | None = None, timeout_ms: int = 500
) -> list[dict[str, Any]]:
    """The replay of ``record`` as JSON-ready objects, one per line."""
    game = game_to_api(game_id or f"seed-{record.seed}", record.settings, timeout_ms)
    turns = [move_request(b, _you(b), game) for b in record.boards]
    winner = record.final.snake(record.winner) if record.winner else None
    result = {
        "winnerId": winner.id if winner else "",
        "winnerName": (winner.name or winner.id) if winner else "",
        "isDraw": record.is_draw,
        "eliminations": [asdict(e) for e in eliminations(record.final)],
    }
    return [game, *turns, result]


def write_replay(
    record: GameRecord, path: str | Path, game_id: str | None = None, timeout_ms: int = 500
) -> int:
    """Write the replay of ``record`` to ``path`` (overwritten); returns the number of lines."""
    objects = replay_objects(record, game_id, timeout_ms)
    text = "".join(json.dumps(obj, separators=(",", ":")) + "\n" for obj in objects)
    Path(path).write_text(text, encoding="utf-8")
    return len(objects)


# --- reading -----------------------------------------------------------------------------


def _obj(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ReplayError(f"{where}: expected an object, got {type(value).__name__}")
    return value


def _get(obj: Any, key: str, kind: type, where: str) -> Any:
    obj = _obj(obj, where)
    if key not in obj:
        raise ReplayError(f"{where}.{key}: missing")
    value = obj[key]
    if (isinstance(value, bool) and kind is int) or not isinstance(value, kind):
        raise ReplayError(f"{where}.{key}: expected {kind.__name__}, got {value!r}")
    return value


def _settings(game: Any) -> Settings:
    where = "line 1: game.ruleset"
    raw = _get(_get(game, "ruleset", dict, "line 1: game"), "settings", dict, where)
    where += ".settings"
    try:
        return Settings(
            food_spawn_chance=_get(raw, "foodSpawnChance", int, where),
            minimum_food=_get(raw, "minimumFood", int, where),
            hazard_damage_per_turn=_get(raw, "hazardDamagePerTurn", int, where),
        )
    except ValueError as err:
        if isinstance(err, ReplayError):
            raise
        raise ReplayError(f"{where}: {err}") from None


def _elimination(obj: Any, where: str) -> Elimination:
    return Elimination(
        id=_get(obj, "id", str, where),
        name=_get(obj, "name", str, where),
        cause=_get(obj, "cause", str, where),
        by=_get(obj, "by", str, where),
        turn=_get(obj, "turn", int, where),
    )


def read_replay(path: str | Path) -> Replay:
    """Load a replay written by ``write_replay`` or by the official CLI's ``--output``."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    if len(lines) < 3:
        raise ReplayError(
            f"{path}: {len(lines)} lines; a replay has a game line, one line per turn "
            "and a result line"
        )
    objs: list[Any] = []
    for n, line in enumerate(lines, start=1):
        try:
            objs.append(json.loads(line))
        except json.JSONDecodeError as err:
            raise ReplayError(f"line {n}: not JSON ({err.msg})") from None
    game, *turns, result = objs
    settings = _settings(game)
    boards = []
    for i, obj in enumerate(turns):
        where = f"line {i + 2}"
        turn = _get(obj, "turn", int, where)
        if turn != i:
            raise ReplayError(f"{where}.turn: {turn}, expected {i} (turns run from 0)")
        _get(obj, "you", dict, where)
        try:
            boards.append(board_from_api(_get(obj, "board", dict, where), turn, f"{where}: board"))
        except BoardError as err:
            raise ReplayError(str(err)) from None
    where = f"line {len(lines)}: result"
    raw_elims = _obj(result, where).get("eliminations", [])
    if not isinstance(raw_elims, list):
        raise ReplayError(f"{where}.eliminations: expected a list, got {raw_elims!r}")
    return Replay(
        game=game,
        settings=settings,
        boards=boards,
        winner_id=_get(result, "winnerId", str, where),
        winner_name=_get(result, "winnerName", str, where),
        is_draw=_get(result, "isDraw", bool, where),
        eliminations=[
            _elimination(e, f"{where}.eliminations[{k}]") for k, e in enumerate(raw_elims)
        ],
    )
