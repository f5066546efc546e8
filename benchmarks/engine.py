"""Engine-only throughput: random-safe duels on 11x11, reference, batched and compiled engines.

    python benchmarks/engine.py [--games 20000] [--reference-games 1000] [--threads 2]
                                [--compiled-games 200000]

Prints games/min for the reference engine, for the batched engine on CPU at a few batch sizes,
and on CUDA when present, plus the batched/reference ratio; then the compiled engine
(``snaketrain.fast``: numba, whole games in one parallel call) on 1 core and on ``--threads``
cores, with state steps per second per core and its ratio to the best batched CPU figure of
the same run. Figures go in the README.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numba
import torch

from snaketrain.arena.runner import GameSpec, run_games
from snaketrain.fast.games import play_random_safe
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


def compiled_rate(games: int, threads: int) -> tuple[float, float, float]:
    """Games/min (wall clock), state steps per CPU-second, and games/min per CPU-minute of
    the compiled engine on ``threads`` cores (CPU time: a fair figure on a shared machine)."""
    numba.set_num_threads(threads)
    t0 = time.perf_counter()
    play_random_safe([game_seed(3, g) for g in range(64)], size=11, n_snakes=2)  # compile/load
    warm = time.perf_counter() - t0
    seeds = [game_seed(3, g) for g in range(games)]
    t0, c0 = time.perf_counter(), time.process_time()
    out = play_random_safe(seeds, size=11, n_snakes=2)
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    print(f"  (compiled kernels loaded in {warm:.1f}s)")
    return games / dt * 60, float(out["turns"].sum()) / dc, games / dc * 60


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--games", type=int, default=20000)
    ap.add_argument("--reference-games", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--batch", type=int, nargs="+", default=[1024, 4096])
    ap.add_argument("--compiled-games", type=int, default=200_000)
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
    best_cpu = 0.0
    for device in devices:
        batches = args.batch if device == "cpu" else [*args.batch, 65536]
        for batch in batches:
            games = args.games if device == "cpu" else max(args.games, 4 * batch)
            rate, turns = batched_rate(games, batch, device)
            if device == "cpu":
                best_cpu = max(best_cpu, rate)
            print(
                f"batched engine ({device}, B={batch:>6}): {rate:>12,.0f} games/min  "
                f"({games} games, mean {turns:.1f} turns)  = {rate / ref:.1f}x reference"
            )

    for threads in sorted({1, args.threads}):
        rate, steps, per_cpu = compiled_rate(args.compiled_games, threads)
        print(
            f"compiled engine (CPU, {threads} core{'s' if threads > 1 else ''}):  "
            f"{rate:>12,.0f} games/min  ({args.compiled_games} games; per CPU-second of one "
            f"core: {steps:,.0f} state steps, {per_cpu:,.0f} games/min)  "
            f"= {rate / best_cpu:.1f}x batched CPU, "
            f"{rate / ref:.0f}x reference"
        )


if __name__ == "__main__":
    main()
