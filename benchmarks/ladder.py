"""The ladder: the default config against every rung below baseline, and each rung against the
one below it, in paired 1v1 11x11 games (each seed played twice, seats swapped).

    python benchmarks/ladder.py [--pairs 500] [--batch 1024] [--config config.yaml]
                                [--part all|rungs|config|speed] [--threads 1]

Prints a markdown table of win rates (draws count half) and the games/min of each match, one
row as each match ends (games/min is wall-clock time on this machine, whatever else runs).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch

from snaketrain.arena.runner import GameSpec, run_games
from snaketrain.rules import rng
from snaketrain.snake.heuristic import HeuristicPolicy
from snaketrain.snake.policy import BatchedPolicy
from snaketrain.snake.registry import LADDER, batched_policy
from snaketrain.snake.space import load_config


@dataclass(frozen=True)
class Match:
    a: str
    b: str
    wins: int
    losses: int
    draws: int
    games_per_min: float

    @property
    def score(self) -> float:
        """Win rate of ``a`` with draws counting half."""
        return (self.wins + 0.5 * self.draws) / (self.wins + self.losses + self.draws)


def play(a: BatchedPolicy, b: BatchedPolicy, pairs: int, seed: int = 1, batch: int = 1024) -> Match:
    """``pairs`` seeds, each played with ``a`` in seat 0 and again in seat 1."""
    seeds = [rng.game_seed(seed, i) for i in range(pairs)]
    specs = [GameSpec(s, seats) for s in seeds for seats in ((0, 1), (1, 0))]
    start = time.perf_counter()
    res = run_games(specs, [a, b], size=11, batch_size=batch)
    minutes = (time.perf_counter() - start) / 60
    won = res.winner >= 0
    by = np.where(won, res.seats[np.arange(len(res)), np.clip(res.winner, 0, None)], -1)
    wins, losses = int((by == 0).sum()), int((by == 1).sum())
    return Match(a.name, b.name, wins, losses, len(res) - wins - losses, len(res) / minutes)


def ladder(
    config: str, pairs: int, seed: int = 1, batch: int = 1024, part: str = "all"
) -> Iterator[Match]:
    """Each rung vs the one below it, then the config vs every rung (baseline last)."""
    if part in ("all", "rungs"):
        for lower, upper in zip(LADDER, LADDER[1:], strict=False):
            yield play(batched_policy(upper), batched_policy(lower), pairs, seed, batch)
    if part == "speed":
        me = HeuristicPolicy(load_config(config), name=config)
        yield play(me, HeuristicPolicy(load_config(config), name=config), pairs, seed, batch)
    if part in ("all", "config"):
        me = HeuristicPolicy(load_config(config), name=config)
        for rung in LADDER:
            yield play(me, batched_policy(rung), pairs, seed, batch)


HEADER = (
    "| snake | opponent | games | wins | losses | draws | win rate | games/min |\n"
    "|---|---|---|---|---|---|---|---|"
)


def row(m: Match) -> str:
    n = m.wins + m.losses + m.draws
    return (
        f"| {m.a} | {m.b} | {n} | {m.wins} | {m.losses} | {m.draws} | "
        f"{100 * m.score:.1f}% | {m.games_per_min:.0f} |"
    )


def table(matches: list[Match]) -> str:
    return "\n".join([HEADER, *(row(m) for m in matches)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=500, help="seeds per match (2 games each)")
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--config", default="config.yaml")
    parser.add_argument(
        "--threads", type=int, default=1, help="torch threads (1 is fastest on a small CPU)"
    )
    parser.add_argument(
        "--part",
        choices=("all", "rungs", "config", "speed"),
        default="all",
        help="speed: the config against itself only (throughput of the full policy)",
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch threads: {torch.get_num_threads()}, batch {args.batch}", flush=True)
    print(HEADER, flush=True)
    for m in ladder(args.config, args.pairs, args.seed, args.batch, args.part):
        print(row(m), flush=True)


if __name__ == "__main__":
    main()
