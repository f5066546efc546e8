"""Arena figures: gauntlet throughput, and how many games an SPRT needs to decide.

    python benchmarks/arena.py [--pairs 64] [--size 11] [--config config.yaml]
                               [--runs 2000] [--threads N]

1. Gauntlet throughput: the heuristic snake of a config (default: the packaged default
   config) against every ladder opponent, paired games via ``arena.pairs.play_pairs``, on the
   CPU and, when torch sees one, on CUDA. Prints games/min and the gauntlet table.
2. SPRT(0, 10) cost: the mean number of games to decide at true differences of 0, 10 and 30
   Elo. SIMULATED with ``sprt.simulate_sprt`` (pairs of independent games drawn from the Elo
   model, batches of 32 pairs), using the draw rate measured in part 1; real paired games
   are less noisy within a pair, so they tend to decide somewhat sooner.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from snaketrain.arena.pairs import MatchSetup, play_pairs
from snaketrain.arena.result import MatchResult
from snaketrain.arena.sprt import DEFAULT_DRAW_RATE, Sprt, simulate_sprt
from snaketrain.snake.heuristic import HeuristicPolicy
from snaketrain.snake.registry import LADDER, batched_policy
from snaketrain.snake.space import default_config, load_config


def gauntlet(config: str | None, device: str, pairs: int, size: int) -> tuple[MatchResult, float]:
    """The gauntlet's result and its games/min (wall clock, policies built beforehand)."""
    cfg = load_config(config) if config else default_config()
    candidate = HeuristicPolicy(cfg, name=config or "default")
    opponents = [batched_policy(name) for name in LADDER]
    setup = MatchSetup(size=size, master_seed=1, device=device)
    play_pairs(candidate, opponents, setup, range(2))  # warm-up (CUDA init, allocator)
    start = time.perf_counter()
    result = play_pairs(candidate, opponents, setup, range(pairs))
    minutes = (time.perf_counter() - start) / 60
    return result, result.games / minutes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=64, help="pairs per opponent")
    parser.add_argument("--size", type=int, default=11)
    parser.add_argument("--config", help="a config.yaml (default: the packaged default)")
    parser.add_argument("--runs", type=int, default=2000, help="simulated SPRT runs per Elo")
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: torch's)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    draws = None
    print(f"## Gauntlet throughput ({args.size}x{args.size} duels, {args.pairs} pairs/opponent)")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads")
    for device in devices:
        result, per_min = gauntlet(args.config, device, args.pairs, args.size)
        name = torch.cuda.get_device_name() if device == "cuda" else "cpu"
        print(f"\n{device} ({name}): {result.games} games, {per_min:,.0f} games/min")
        print(result.table().to_string(index=False))
        total = result.total
        draws = total.draws / total.games
    if "cuda" not in devices:
        print("\n(no CUDA device here: CPU only)")

    measured = draws is not None and draws > 0
    rate = draws if measured else DEFAULT_DRAW_RATE
    source = "as measured above" if measured else "sprt.DEFAULT_DRAW_RATE: none measured above"
    test = Sprt(0.0, 10.0)
    print(
        f"\n## SPRT(0, 10) games to decide: SIMULATED ({args.runs} runs per row, "
        f"batches of 32 pairs, draw rate {rate:.3f} {source})"
    )
    print("| true Elo | mean games | accepted | rejected |")
    print("|---:|---:|---:|---:|")
    rng = np.random.default_rng(1)
    for elo in (0.0, 10.0, 30.0):
        sim = simulate_sprt(elo, test, rate, rng, args.runs, batch_pairs=32)
        print(f"| {elo:g} | {sim.mean_games:,.0f} | {sim.accepted:.1%} | {sim.rejected:.1%} |")


if __name__ == "__main__":
    main()
