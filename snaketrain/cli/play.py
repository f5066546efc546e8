"""``snaketrain play``: one game between built-in snakes, optionally written as a replay."""

from __future__ import annotations

import argparse
import secrets
import sys

from snaketrain.cli.args import UsageError, board_size, int_in, snake_name
from snaketrain.rules.game import GameRecord, play_game
from snaketrain.rules.replay import write_replay
from snaketrain.rules.types import MAX_FIXED_SNAKES
from snaketrain.snake.registry import SCALAR_POLICIES, scalar_policy


def add_play_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--size", type=board_size, default=11, help="board side: 7, 11 or 19")
    p.add_argument(
        "--snakes",
        type=int_in(1, MAX_FIXED_SNAKES, "number of snakes"),
        default=2,
        help=f"snakes in the game, 1..{MAX_FIXED_SNAKES} (default 2)",
    )
    p.add_argument(
        "--seed", type=int_in(0, None, "seed"), help="game seed (default: random, printed)"
    )
    p.add_argument(
        "--opponent",
        type=snake_name,
        nargs="+",
        action="extend",
        metavar="NAME",
        help="built-in snakes, given to the snakes in turn and repeated "
        f"({', '.join(sorted(SCALAR_POLICIES))}; default random-safe)",
    )
    p.add_argument(
        "--max-turns", type=int_in(1, None, "max turns"), help="stop (a draw) after N turns"
    )
    p.add_argument("--replay", metavar="PATH", help="write the game as JSONL (Battlesnake CLI)")


def describe(record: GameRecord) -> list[str]:
    """The result of a game in a few lines: who won, then each snake's fate."""
    final = record.final
    label = {s.id: f"{s.id} ({s.name})" for s in final.snakes}
    if record.winner is not None:
        lines = [f"winner: {label[record.winner]} after {final.turn} turns"]
    elif record.is_draw:
        why = "turn limit" if record.turn_limit_reached else "no snake left"
        lines = [f"draw after {final.turn} turns ({why})"]
    else:
        lines = [f"game over after {final.turn} turns"]
    for s in final.snakes:
        if s.alive:
            fate = f"alive, length {s.length}, health {s.health}"
        else:
            by = f" by {s.eliminated_by}" if s.eliminated_by else ""
            fate = f"{s.eliminated_cause}{by} on turn {s.eliminated_turn}"
        lines.append(f"  {label[s.id]}: {fate}")
    return lines


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def run_play(args: argparse.Namespace) -> int:
    names: list[str] = args.opponent or ["random-safe"]
    if len(names) > args.snakes:
        raise UsageError(
            f"snaketrain play: error: {_count(len(names), 'snake name')} for "
            f"{_count(args.snakes, 'snake')}; "
            "give at most one name per snake"
        )
    names = [names[i % len(names)] for i in range(args.snakes)]
    seed = args.seed if args.seed is not None else secrets.randbelow(2**31)
    print(f"game: {args.size}x{args.size}, {_count(args.snakes, 'snake')}, seed {seed}")
    record = play_game(
        [scalar_policy(n) for n in names],
        size=args.size,
        seed=seed,
        names=names,
        max_turns=args.max_turns,
    )
    print("\n".join(describe(record)))
    if args.replay:
        try:
            lines = write_replay(record, args.replay)
        except OSError as err:
            print(f"snaketrain play: error: cannot write the replay: {err}", file=sys.stderr)
            return 1
        print(f"replay: {args.replay} ({lines} lines)")
    return 0
