"""``snaketrain bench``: a candidate against opponents, fixed N or SPRT, as a table."""

from __future__ import annotations

import argparse
import contextlib
import secrets
import sys

from snaketrain.cli.args import UsageError, board_size, int_in, sprt_bounds


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
    from snaketrain.external.remote import is_url
    from snaketrain.snake.registry import UnknownSnakeError, batched_policy
    from snaketrain.snake.space import ConfigError

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
    urls = [r for r in refs if is_url(r)]
    if urls:
        raise UsageError(
            f"{prog} {urls[0]}: bench plays built-in snakes and config files in process; "
            "a snake given by URL is an opponent of `snaketrain train --opponents` only"
        )
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
