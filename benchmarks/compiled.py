"""Full-policy throughput: the compiled CPU path against the batched torch path, same run.

    python benchmarks/compiled.py [--games 4000] [--torch-games 256] [--threads 2]
                                  [--size 11] [--snakes 2]

Both paths play the same games (default config in every seat, lookahead as configured,
``arena.runner.run_games``): torch on one thread (its best setting on 2 cores, see README),
and the compiled path (``compiled=True``) with numba on ``--threads`` cores. Prints games/min
by wall clock and per CPU-minute (``time.process_time``: the fair figure on a shared machine),
and the ratio of the two paths.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numba
import torch

from snaketrain.arena.runner import GameSpec, run_games
from snaketrain.rules.rng import game_seed
from snaketrain.snake.config import default_config
from snaketrain.snake.heuristic import HeuristicPolicy


def rate(games: int, size: int, snakes: int, compiled: bool) -> tuple[float, float, float]:
    """Games/min (wall), games per CPU-minute, mean turns."""
    policy = HeuristicPolicy(default_config(), name="default")
    specs = [GameSpec(game_seed(9, g), (0,) * snakes) for g in range(games)]
    run_games(specs[:8], [policy], size=size, batch_size=8, compiled=compiled)  # warm-up
    t0, c0 = time.perf_counter(), time.process_time()
    res = run_games(specs, [policy], size=size, batch_size=1024, compiled=compiled)
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    return games / dt * 60, games / dc * 60, float(res.turns.mean())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--games", type=int, default=4000)
    ap.add_argument("--torch-games", type=int, default=256)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--size", type=int, default=11)
    ap.add_argument("--snakes", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(1)
    numba.set_num_threads(args.threads)
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
        f"{args.size}x{args.size}, {args.snakes} snakes, default config"
    )
    slow, slow_cpu, turns = rate(args.torch_games, args.size, args.snakes, compiled=False)
    print(
        f"batched torch path (1 thread):      {slow:>10,.0f} games/min wall, "
        f"{slow_cpu:>10,.0f} per CPU-minute  ({args.torch_games} games, mean {turns:.1f} turns)"
    )
    fast, fast_cpu, turns = rate(args.games, args.size, args.snakes, compiled=True)
    print(
        f"compiled path ({args.threads} threads):          {fast:>10,.0f} games/min wall, "
        f"{fast_cpu:>10,.0f} per CPU-minute  ({args.games} games, mean {turns:.1f} turns)"
    )
    print(f"ratio compiled / torch: {fast / slow:.1f}x wall, {fast_cpu / slow_cpu:.1f}x CPU time")


if __name__ == "__main__":
    main()
