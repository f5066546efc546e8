"""The ladder: the default config against every rung below baseline, and each rung against the
one below it, in paired 1v1 11x11 games (each seed played twice, seats swapped).

    python benchmarks/ladder.py [--pairs 500] [--batch 1024] [--config config.yaml]
                                [--part all|rungs|config|speed|http] [--threads 1]
                                [--move-budget-ms 300] [--concurrency 4]
                                [--opponent-url URL] [--move-timeout-ms 1000]

Prints a markdown table of win rates (draws count half) and the games/min of each match, one
row as each match ends (games/min is wall-clock time on this machine, whatever else runs).

``--part http``: the served snake searching by the clock (``snaketrain serve --move-budget-ms
N``) against today's served snake (``--move-budget-ms 0``, the config's fixed search), both
the same config, each its own ``snaketrain serve`` on loopback, played through the HTTP
referee (1 s move timeout, a missed move goes straight on as on the platform), ``--concurrency``
games at a time; the row also counts the moves each side missed. ``--opponent-url URL`` plays
the budgeted server against a snake already served at ``URL`` (a snake snaketrain did not
start, e.g. a public snake on loopback) instead of today's; ``--move-timeout-ms`` is the move
timeout both sides get (500 is the official one).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from snaketrain.arena.runner import GameSpec, run_games
from snaketrain.external.process import Instances
from snaketrain.external.referee import HttpGame, HttpSnake, Referee, Seat
from snaketrain.external.spec import SnakeSpec
from snaketrain.external.transport import new_client
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


def served(
    work: Path, config: str, budget_ms: int, instances: int, timeout_ms: int = 1000
) -> SnakeSpec:
    repo = work / f"budget-{budget_ms}"
    repo.mkdir()
    (repo / "config.yaml").write_bytes(Path(config).read_bytes())
    start = f"{sys.executable} -m snaketrain serve --config {{config}} --port {{port}}"
    return SnakeSpec(
        repo=repo,
        start=f"{start} --move-budget-ms {budget_ms}",
        instances=instances,
        move_timeout_ms=timeout_ms,
        ready_timeout_s=300,
        name=f"serve --move-budget-ms {budget_ms}",
    )


async def _http_games(
    a: Seat, b: Seat, pairs: int, seed: int, concurrency: int, instances: int
) -> list[tuple[HttpGame, tuple[int, int]]]:
    jobs = [(rng.game_seed(seed, i), seats) for i in range(pairs) for seats in ((0, 1), (1, 0))]
    out: list[tuple[HttpGame, tuple[int, int]]] = []
    lock = asyncio.Semaphore(concurrency)
    async with new_client(4 * concurrency) as client:
        referee = Referee(client, 11, max_turns=500)

        async def one(k: int, game_seed: int, seats: tuple[int, int]) -> None:
            async with lock:
                players = [(a, b)[s] for s in seats]
                game = await referee.play(players, game_seed, [k % instances] * 2)
                out.append((game, seats))
                winner = game.record.winner
                who = "draw" if winner is None else players[int(winner.split("-")[1])].label
                print(
                    f"game {len(out)}/{len(jobs)}: {game.record.final.turn} turns, {who}",
                    file=sys.stderr,
                    flush=True,
                )

        await asyncio.gather(*(one(k, s, seats) for k, (s, seats) in enumerate(jobs)))
    return out


def play_http(
    config: str,
    budget_ms: int,
    pairs: int,
    seed: int = 1,
    concurrency: int = 4,
    opponent_url: str | None = None,
    timeout_ms: int = 1000,
) -> tuple[Match, str]:
    """``pairs`` seeds over HTTP, the budgeted server in seat 0 and again in seat 1; its
    opponent is today's served snake, or the snake already served at ``opponent_url``."""
    instances = max(1, concurrency // 2)
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        work = Path(tmp)
        budgets = (budget_ms,) if opponent_url else (budget_ms, 0)
        seats: list[Seat] = []
        for k, ms in enumerate(budgets):
            spec = served(work, config, ms, instances, timeout_ms)
            started = stack.enter_context(Instances(spec, spec.config_path, work / f"logs-{k}"))
            seats.append(HttpSnake(spec.name, started, timeout_ms=timeout_ms))
        if opponent_url:
            seats.append(HttpSnake.at(opponent_url, opponent_url, timeout_ms=timeout_ms))
        a, b = seats
        start = time.perf_counter()
        games = asyncio.run(_http_games(a, b, pairs, seed, concurrency, instances))
        minutes = (time.perf_counter() - start) / 60
    wins = losses = 0
    missed = [0, 0]
    for game, seats in games:
        winner = game.record.winner
        if winner is not None:
            if seats[int(winner.split("-")[1])] == 0:
                wins += 1
            else:
                losses += 1
        for k, calls in enumerate(game.calls):
            if calls is not None:
                missed[seats[k]] += calls.timeouts + calls.errors + calls.invalid
    n = len(games)
    match = Match(a.label, b.label, wins, losses, n - wins - losses, n / minutes)
    return match, f"missed moves: {missed[0]} ({a.label}), {missed[1]} ({b.label})"


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


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
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
        choices=("all", "rungs", "config", "speed", "http"),
        default="all",
        help="speed: the config against itself only (throughput of the full policy); "
        "http: the served snake with --move-budget-ms against today's, over HTTP",
    )
    parser.add_argument("--move-budget-ms", type=int, default=300, help="--part http only")
    parser.add_argument("--concurrency", type=int, default=4, help="--part http: games at once")
    parser.add_argument(
        "--opponent-url",
        default=None,
        help="--part http: play against the snake served at this http(s) URL instead of today's",
    )
    parser.add_argument(
        "--move-timeout-ms", type=int, default=1000, help="--part http: move timeout, both sides"
    )
    args = parser.parse_args(argv)
    if args.opponent_url is not None:
        if args.part != "http":
            parser.error(f"--opponent-url needs --part http (got --part {args.part})")
        if not args.opponent_url.startswith(("http://", "https://")) or args.opponent_url in (
            "http://",
            "https://",
        ):
            parser.error(
                f"--opponent-url must be an http:// or https:// URL (got {args.opponent_url!r})"
            )
    if not 1 <= args.move_timeout_ms <= 60_000:
        parser.error(f"--move-timeout-ms must be 1..60000 (got {args.move_timeout_ms})")
    if args.concurrency < 1:
        parser.error(f"--concurrency must be at least 1 (got {args.concurrency})")
    return args


def main() -> None:
    args = parse_args()
    if args.part == "http":
        print(HEADER, flush=True)
        m, missed = play_http(
            args.config,
            args.move_budget_ms,
            args.pairs,
            args.seed,
            args.concurrency,
            args.opponent_url,
            args.move_timeout_ms,
        )
        print(row(m), flush=True)
        print(missed, flush=True)
        return
    torch.set_num_threads(args.threads)
    print(f"torch threads: {torch.get_num_threads()}, batch {args.batch}", flush=True)
    print(HEADER, flush=True)
    for m in ladder(args.config, args.pairs, args.seed, args.batch, args.part):
        print(row(m), flush=True)


if __name__ == "__main__":
    main()
