"""The ``snaketrain`` command line.

One subcommand = one ``Command`` in ``COMMANDS``: a function that adds its arguments to its
parser and a function that runs it and returns the exit code. ``play`` is the model to mirror.

Mistakes a user can make on the command line come back as one line on stderr and exit code 2;
a command that fails at run time (a file it cannot write) exits 1. Never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import secrets
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NoReturn

from snaketrain import trainer
from snaketrain.rules.game import GameRecord, play_game
from snaketrain.rules.replay import write_replay
from snaketrain.rules.types import FIXED_BOARD_SIZES, MAX_FIXED_SNAKES
from snaketrain.snake.registry import SCALAR_POLICIES, UnknownSnakeError, scalar_policy
from snaketrain.snake.server import make_server
from snaketrain.snake.server import run as run_server
from snaketrain.snake.space import ConfigError


class UsageError(Exception):
    """A command line that asks for something not allowed; the message says what is."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: error: {message}")


@dataclass(frozen=True)
class Command:
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


# --- argument types: each raises ArgumentTypeError with what is allowed ---------------------


def board_size(text: str) -> int:
    allowed = ", ".join(map(str, FIXED_BOARD_SIZES))
    if not text.isdigit() or int(text) not in FIXED_BOARD_SIZES:
        raise argparse.ArgumentTypeError(f"board size must be one of {allowed}, got {text!r}")
    return int(text)


def int_in(lo: int, hi: int | None, what: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < lo or (hi is not None and value > hi):
            allowed = f"{lo}..{hi}" if hi is not None else f"an integer >= {lo}"
            raise argparse.ArgumentTypeError(f"{what} must be {allowed}, got {text!r}")
        return value

    return parse


def snake_name(text: str) -> str:
    try:
        scalar_policy(text)
    except UnknownSnakeError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    return text


# --- play ------------------------------------------------------------------------------------


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


# --- serve -----------------------------------------------------------------------------------


def add_serve_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--config",
        metavar="PATH",
        default="config.yaml",
        help="the snake's weights (default config.yaml); reloaded when the file changes",
    )
    p.add_argument("--port", type=int_in(0, 65535, "port"), default=8000, help="default 8000")
    p.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1; 0.0.0.0: all)"
    )


def run_serve(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        server = make_server(args.config, args.host, args.port)
    except ConfigError as err:
        raise UsageError(f"snaketrain serve: error: {err}") from None
    except OSError as err:
        print(
            f"snaketrain serve: error: cannot listen on {args.host}:{args.port}: {err}",
            file=sys.stderr,
        )
        return 1
    run_server(server)
    return 0


# --- status ----------------------------------------------------------------------------------


def add_status_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--results",
        metavar="DIR",
        default="nn_training_results",
        help="the training results folder (default nn_training_results)",
    )
    p.add_argument(
        "--plot",
        metavar="PNG",
        help="where to write the plot of strength over iterations (default DIR/status.png)",
    )
    p.add_argument("--repo", metavar="PATH", default=".", help="the git repository (default .)")


def run_status(args: argparse.Namespace) -> int:
    from snaketrain.status import plot_strength, status_report
    from snaketrain.trainlog import LOG_NAME, TrainingLog, TrainingLogError

    try:
        print(status_report(args.results, args.repo), end="")
        entries = TrainingLog(f"{args.results}/{LOG_NAME}").entries()
        if entries:
            png = plot_strength(entries, args.plot or f"{args.results}/status.png")
            print(f"plot: {png}")
    except (TrainingLogError, OSError) as err:
        print(f"snaketrain status: error: {err}", file=sys.stderr)
        return 1
    return 0


# --- bench -----------------------------------------------------------------------------------


def sprt_bounds(text: str) -> tuple[float, float]:
    parts = text.split(",")
    try:
        elo0, elo1 = (float(p) for p in parts)
    except ValueError:
        elo0 = elo1 = None
    if elo0 is None or elo1 is None or not elo0 < elo1:
        raise argparse.ArgumentTypeError(
            f"--sprt takes ELO0,ELO1 with ELO0 < ELO1 (e.g. 0,10), got {text!r}"
        )
    return elo0, elo1


def add_bench_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--config", required=True, metavar="A", help="the candidate: a config .yaml or a built-in"
    )
    p.add_argument(
        "--vs",
        required=True,
        action="append",
        metavar="B",
        help="an opponent: a built-in snake or a config .yaml; repeat for a gauntlet",
    )
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument(
        "--games", type=int_in(2, None, "games"), help="fixed N: games per opponent (even)"
    )
    how.add_argument("--sprt", type=sprt_bounds, metavar="ELO0,ELO1", help="SPRT on Elo, e.g. 0,10")
    p.add_argument(
        "--min-elo", type=float, default=0.0, help="fixed N: accept when the Elo interval is above"
    )
    p.add_argument(
        "--max-games",
        type=int_in(2, None, "max games"),
        default=20_000,
        help="SPRT: stop inconclusive after this many games per opponent (default 20000)",
    )
    p.add_argument("--players", type=int, choices=(2, 4), default=2, help="snakes per game")
    p.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    p.add_argument(
        "--shards", type=int_in(1, 256, "shards"), default=1, help="local processes (default 1)"
    )
    p.add_argument("--seed", type=int_in(0, 2**32 - 1, "seed"), help="master seed (default random)")
    p.add_argument("--size", type=board_size, default=11, help="board side: 7, 11 or 19")
    p.add_argument("--max-turns", type=int_in(1, None, "max turns"), default=1000)
    p.add_argument(
        "--batch-pairs",
        type=int_in(1, None, "batch pairs"),
        default=64,
        help="SPRT: pairs per look",
    )
    p.add_argument("--json", action="store_true", help="print the verdict as JSON only")


def run_bench(args: argparse.Namespace) -> int:
    import torch
    from tqdm import tqdm

    from snaketrain.arena.decide import fixed_match, sprt_match
    from snaketrain.arena.pairs import LocalPlayer, MatchSetup, PlayPairs
    from snaketrain.arena.pool import ShardPool
    from snaketrain.arena.sprt import Sprt
    from snaketrain.snake.registry import batched_policy

    prog = "snaketrain bench: error:"
    if args.games is not None and args.games % 2:
        raise UsageError(f"{prog} --games must be even (games come in pairs), got {args.games}")
    if args.device == "cuda" and not torch.cuda.is_available():
        raise UsageError(f"{prog} --device cuda asked for, but torch sees no CUDA device")
    try:
        test = Sprt(*args.sprt) if args.sprt else None
    except ValueError as err:
        raise UsageError(f"{prog} --sprt: {err}") from None
    refs = [args.config, *args.vs]
    try:
        policies = [batched_policy(r) for r in refs]
    except (UnknownSnakeError, ConfigError, OSError) as err:
        raise UsageError(f"{prog} {err}") from None
    # One torch thread per process (more cores: --shards): on a busy 2-core machine the default
    # threads spin against each other, 7x slower (benchmarks/arena.py).
    torch.set_num_threads(1)
    seed = args.seed if args.seed is not None else secrets.randbelow(2**31)
    setup = MatchSetup(
        players=args.players,
        size=args.size,
        master_seed=seed,
        max_turns=args.max_turns,
        device=args.device,
    )
    total = args.games * len(args.vs) if test is None else args.max_games * len(args.vs)
    if not args.json:
        mode = f"{args.games} games" if test is None else f"SPRT [{test.elo0:g}, {test.elo1:g}]"
        print(
            f"bench: {args.config} vs {', '.join(args.vs)}; {args.players} snakes, "
            f"{args.size}x{args.size}, seed {seed}, {mode}"
        )
    with (
        tqdm(total=total, unit="game", file=sys.stderr, disable=None) as bar,
        contextlib.ExitStack() as stack,
    ):
        play: PlayPairs
        if args.shards > 1:  # leaving on Ctrl+C or an error stops the workers at once
            play = stack.enter_context(
                ShardPool(batched_policy, refs, refs, setup, args.shards, bar.update)
            )
        else:
            play = LocalPlayer(policies[0], policies[1:], setup, bar.update, refs)
        if test is None:
            verdict = fixed_match(play, args.games, args.min_elo)
        else:
            pairs = max(1, args.max_games // 2)
            verdict = sprt_match(play, test, batch_pairs=args.batch_pairs, max_pairs=pairs)
        bar.total = verdict.result.games
        bar.refresh()
    if args.json:
        print(verdict.to_json())
    else:
        print(verdict.result.table().to_string(index=False))
        print(verdict.summary_line())
    return 0


# --- the table and the entry point -----------------------------------------------------------

COMMANDS: dict[str, Command] = {
    "play": Command("play one game between built-in snakes", add_play_arguments, run_play),
    "serve": Command(
        "serve the tuned snake over the Battlesnake API", add_serve_arguments, run_serve
    ),
    "train": Command(
        "tune config.yaml continuously (Prefect flow; Ctrl+C stops, the same command resumes)",
        trainer.add_train_arguments,
        trainer.run_train,
    ),
    "status": Command(
        "show training progress and plot strength over iterations",
        add_status_arguments,
        run_status,
    ),
    "bench": Command(
        "play a candidate against opponents (fixed N or SPRT) and print the table",
        add_bench_arguments,
        run_bench,
    ),
}


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="snaketrain", description="Tunes Battlesnake heuristic weights.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, command in COMMANDS.items():
        p = sub.add_parser(name, help=command.help, description=command.help)
        command.add_arguments(p)
        p.set_defaults(run=command.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        try:
            args = parser.parse_args(argv)
        except SystemExit as done:  # --help and friends
            return done.code if isinstance(done.code, int) else 0
        if args.command is None:
            raise UsageError(f"snaketrain: error: choose a command: {', '.join(COMMANDS)}")
        return args.run(args)
    except UsageError as err:
        print(err, file=sys.stderr)
        return 2
