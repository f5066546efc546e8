"""Replays checked against the reference engine: does an official game follow snaketrain's rules?

A replay (``replay.read_replay``: the official CLI's ``--output`` file or ``write_replay``'s)
shows the board of every turn. For each turn the moves are read off consecutive boards (each
living snake's head moved one step); a snake that vanishes was eliminated and its head is not
shown, so every move it could have made is tried. The reference engine then plays the turn
with the file's hazards and without random food, and the result must be the file's next board:
the same snakes alive, the same bodies and health, the uneaten food still there. Food that
appears is the one random part: on the maps whose food follows the standard map
(``STANDARD_FOOD_MAPS``) it must be as much as the rules spawn (up to ``minimumFood``, else at
most one) and on free cells; elsewhere it is taken as given. The file must end when the game
is over (solo when the ruleset is ``solo`` or the game has one snake, as the official CLI plays
it) and its result line must name the winner the replay gives.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .reference import is_game_over, step, unoccupied_points
from .replay import Replay, read_replay
from .types import DELTAS, MOVES, Board, Point, Settings, Snake

SUPPORTED_RULESETS = ("standard", "solo")
STANDARD_FOOD_MAPS = frozenset({"standard", "hz_inner_wall", "hz_rings", "hz_columns", "hz_spiral"})
"""Maps whose post-update step is exactly the standard map's food spawn (official maps/)."""

MAX_VANISHED = 6
"""Most snakes that may vanish in one turn (each tried with all 4 moves: 4**6 turns)."""


class VerifyError(ValueError):
    """A replay that cannot be checked at all (a ruleset these rules do not cover)."""


@dataclass(frozen=True)
class Verdict:
    turns: int  # the final turn of the replay
    bad_turn: int | None  # the first turn whose board disagrees, None when all agree
    reason: str  # what disagrees, "" when all agree

    @property
    def agrees(self) -> bool:
        return self.bad_turn is None

    def line(self) -> str:
        if self.bad_turn is None:
            return f"all {self.turns} turns agree"
        return f"turn {self.bad_turn} disagrees: {self.reason}"


def _p(p: Point) -> str:
    return f"({p.x}, {p.y})"


def _label(s: Snake) -> str:
    return s.name if s.name and s.name != s.id else s.id


def move_between(a: Point, b: Point) -> str | None:
    """The move that takes a head from ``a`` to ``b``; None when ``b`` is not one step away."""
    for move, (dx, dy) in DELTAS.items():
        if (a.x + dx, a.y + dy) == (b.x, b.y):
            return move
    return None


def _snake_diffs(got: Board, want: Board) -> list[str]:
    out: list[str] = []
    alive = {s.id: s for s in got.alive_snakes}
    shown = {s.id: s for s in want.snakes}
    for s in got.snakes:
        if s.id in shown and s.id not in alive:
            by = (
                f" by {got.snake(s.eliminated_by).name or s.eliminated_by}"
                if s.eliminated_by
                else ""
            )
            out.append(
                f"{_label(s)} is on the board but the rules eliminate it ({s.eliminated_cause}{by})"
            )
        elif s.id in alive and s.id not in shown:
            out.append(f"{_label(s)} is gone from the board but the rules keep it alive")
    for sid, w in shown.items():
        g = alive.get(sid)
        if g is None:
            continue
        if g.body != w.body:
            body = " ".join(map(_p, w.body))
            out.append(f"{_label(w)}'s body is {body}, the rules give {' '.join(map(_p, g.body))}")
        if g.health != w.health:
            out.append(f"{_label(w)}'s health is {w.health}, the rules give {g.health}")
    return out


def _food_diffs(got: Board, want: Board, settings: Settings, strict: bool) -> list[str]:
    kept, shown = Counter(got.food), Counter(want.food)
    missing = kept - shown
    if missing:
        cells = ", ".join(_p(p) for p in sorted(missing))
        return [f"food at {cells} is gone from the board but nobody ate it"]
    spawned = list((shown - kept).elements())
    if not strict:
        return []
    free = set(unoccupied_points(got))
    bad = sorted(p for p in spawned if p not in free)
    if bad:
        return [f"food spawned at {', '.join(map(_p, bad))}, a cell the rules keep free of food"]
    n, lo = len(got.food), settings.minimum_food
    if n < lo:
        allowed = {min(lo - n, len(free))}
    else:
        allowed = {0, 1} if settings.food_spawn_chance > 1 and free else {0}
    if len(spawned) not in allowed:
        want_n = " or ".join(map(str, sorted(allowed)))
        return [f"{len(spawned)} food spawned, the rules spawn {want_n}"]
    return []


def _turn(prev: Board, nxt: Board, settings: Settings, strict: bool) -> list[str]:
    """What disagrees between the rules' turn from ``prev`` and the file's ``nxt``; [] if none."""
    moves: dict[str, str | None] = {}
    shown = {s.id: s for s in nxt.snakes}
    vanished: list[str] = []
    for s in prev.alive_snakes:
        if s.id not in shown:
            vanished.append(s.id)
            continue
        move = move_between(s.head, shown[s.id].head)
        if move is None:
            return [f"{_label(s)} moves from {_p(s.head)} to {_p(shown[s.id].head)}, not one step"]
        moves[s.id] = move
    strangers = sorted(set(shown) - {s.id for s in prev.alive_snakes})
    if strangers:
        return [f"snake {strangers[0]} appears that was not on the board before"]
    if len(vanished) > MAX_VANISHED:
        return [f"{len(vanished)} snakes vanish at once; at most {MAX_VANISHED} can be replayed"]
    no_food = Settings(0, 0, settings.hazard_damage_per_turn)
    best: list[str] | None = None
    for combo in itertools.product(MOVES, repeat=len(vanished)):
        got = step(prev, {**moves, **dict(zip(vanished, combo, strict=True))}, 0, no_food)
        got.hazards = list(nxt.hazards)  # hazards come from the map: taken from the file
        diffs = _snake_diffs(got, nxt) or _food_diffs(got, nxt, settings, strict)
        if not diffs:
            return []
        if best is None or len(diffs) < len(best):
            best = diffs
    assert best is not None
    return best


def _winner(final: Board, n_snakes: int) -> tuple[str, bool]:
    """The official CLI's result: the snake left alive wins; a draw needs 2+ snakes."""
    alive = final.alive_snakes
    winner = alive[-1].id if alive else ""
    return winner, n_snakes > 1 and not winner


def verify_replay(replay: Replay) -> Verdict:
    """Replay ``replay`` through the reference engine; the first turn that disagrees."""
    ruleset = replay.game.get("ruleset", {}).get("name", "standard")
    if ruleset not in SUPPORTED_RULESETS:
        raise VerifyError(
            f"ruleset {ruleset!r} is not replayed; supported: {', '.join(SUPPORTED_RULESETS)}"
        )
    boards = replay.boards
    n_snakes = len(boards[0].snakes)
    solo = ruleset == "solo" or n_snakes == 1
    strict = replay.game.get("map", "standard") in STANDARD_FOOD_MAPS
    last = boards[-1].turn
    for prev, nxt in itertools.pairwise(boards):
        if is_game_over(prev, solo):
            return Verdict(last, nxt.turn, f"the game is over at turn {prev.turn}")
        diffs = _turn(prev, nxt, replay.settings, strict)
        if diffs:
            return Verdict(last, nxt.turn, diffs[0])
    if not is_game_over(boards[-1], solo):
        return Verdict(last, last, "the file ends but the game is not over")
    winner, draw = _winner(boards[-1], n_snakes)
    if (replay.winner_id, replay.is_draw) != (winner, draw):
        said = f"winner {replay.winner_id!r}, draw {replay.is_draw}"
        return Verdict(last, last, f"the result says {said}; the rules give {winner!r}, {draw}")
    return Verdict(last, None, "")


def verify_file(path: str | Path) -> Verdict:
    """``verify_replay`` of the file at ``path`` (``ReplayError``/``OSError`` if unreadable)."""
    return verify_replay(read_replay(path))
