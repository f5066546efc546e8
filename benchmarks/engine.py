"""Engine-only throughput: random-safe duels on 11x11, reference engine vs batched engine.

    python benchmarks/engine.py [--games 20000] [--reference-games 1000] [--threads 2]

Prints games/min for the reference engine, for the batched engine on CPU at a few batch sizes,
and on CUDA when present, plus the batched/reference ratio. Figures go in the README.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import torch

from snaketrain.arena.runner import GameSpec, run_games
from snaketrain.rules.game import play_game
from snaketrain.rules.rng import game_seed
from snaketrain.snake.random_safe import RandomSafe, random_safe


def reference_rate(games: int) -> tuple[float, float]:
    t0, turns = time.perf_counter(), 0
    for g in range(games):
        record = play_game(
            [random_safe, random_safe], size=11, seed=game_seed(1, g), max_turns=1000
        )
        turns += record.final.turn
    dt = time.perf_counter() - t0
    return games / dt * 60, turns / games


def batched_rate(games: int, batch: int, device: str) -> tuple[float, float]:
    specs = [GameSpec(game_seed(2, g), (0, 0)) for g in range(games)]
    policies = [RandomSafe()]
    run_games(specs[: min(batch, 256)], policies, batch_size=batch, device=device)  # warm-up
    if device == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    results = run_games(specs, policies, batch_size=batch, device=device)
    if device == "cuda":
        torch.cuda.synchronize()
    dt = time.perf_counter() - t0
    return games / dt * 60, float(results.turns.mean())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--games", type=int, default=20000)
    ap.add_argument("--reference-games", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--batch", type=int, nargs="+", default=[1024, 4096])
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"torch {torch.__version__}, {args.threads} threads"
    )
    ref, ref_turns = reference_rate(args.reference_games)
    print(
        f"reference engine (CPU, 1 core):   {ref:>12,.0f} games/min  "
        f"({args.reference_games} games, mean {ref_turns:.1f} turns)"
    )
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    for device in devices:
        batches = args.batch if device == "cpu" else [*args.batch, 65536]
        for batch in batches:
            games = args.games if device == "cpu" else max(args.games, 4 * batch)
            rate, turns = batched_rate(games, batch, device)
            print(
                f"batched engine ({device}, B={batch:>6}): {rate:>12,.0f} games/min  "
                f"({games} games, mean {turns:.1f} turns)  = {rate / ref:.1f}x reference"
            )


if __name__ == "__main__":
    main()
