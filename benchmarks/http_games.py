"""HTTP games: games/min against external snakes, and the referee's own cost per turn.

    python benchmarks/http_games.py [--seconds 10] [--size 7] [--max-turns 100]

For ``snaketrain serve`` and for the stdlib example snake (examples/python-snake), with 1, 2
and 8 instances started on loopback (once, up to 8; each run uses the first n): the snake
plays itself (both seats over HTTP, as the official ``battlesnake play`` with two URLs), 4
games in flight per instance, for ``--seconds`` seconds. Prints games/min, turns/s, move
latency p50/p99 (of the counted games; games still in flight at the end are dropped) and
the referee's overhead per turn: the time the referee spends on a turn
(engine step, request bodies, JSON) and not waiting on snakes. A first run plays a snake
inside the client (``httpx.MockTransport``): no sockets, no server, so its turns/s is the
referee's own ceiling on this machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import httpx

from snaketrain.external.calls import SnakeCalls, merge_calls
from snaketrain.external.process import Instances
from snaketrain.external.referee import HttpGame, HttpSnake, Referee, Urls, new_client
from snaketrain.external.spec import SnakeSpec
from snaketrain.rules import rng
from snaketrain.rules.types import DELTAS

ROOT = Path(__file__).resolve().parents[1]
COUNTS = (1, 2, 8)
PER_INSTANCE = 4


def specs(work: Path) -> dict[str, SnakeSpec]:
    serve = work / "serve"
    serve.mkdir()
    shutil.copy(ROOT / "config.yaml", serve / "config.yaml")
    example = ROOT / "examples" / "python-snake"
    return {
        "snaketrain serve": SnakeSpec(
            repo=serve,
            start=f"{sys.executable} -m snaketrain serve --config {{config}} --port {{port}}"
            " --move-budget-ms 0",
            instances=max(COUNTS),
            ready_timeout_s=120,
        ),
        "example snake": SnakeSpec(
            repo=example,
            config="config.json",
            start=f"{sys.executable} snake.py --port {{port}} --config {{config}}",
            instances=max(COUNTS),
        ),
    }


def mock_snake(request: httpx.Request) -> httpx.Response:
    """A snake inside the client: the first move off walls and bodies (no socket, no JSON
    parsing by a server), so the whole turn is the referee's own cost."""
    if not request.url.path.endswith("/move"):
        return httpx.Response(200, json={})
    body = json.loads(request.content)
    board, head = body["board"], body["you"]["head"]
    taken = {(p["x"], p["y"]) for s in board["snakes"] for p in s["body"][:-1]}
    for move, (dx, dy) in DELTAS.items():
        x, y = head["x"] + dx, head["y"] + dy
        if 0 <= x < board["width"] and 0 <= y < board["height"] and (x, y) not in taken:
            return httpx.Response(200, json={"move": move})
    return httpx.Response(200, json={"move": "up"})


async def run(
    urls: list[str], seconds: float, size: int, max_turns: int, mock: bool = False
) -> list[HttpGame]:
    snake = HttpSnake("snake", Urls(tuple(urls)))
    games: list[HttpGame] = []
    deadline = time.perf_counter() + seconds
    transport = httpx.MockTransport(mock_snake) if mock else None
    async with new_client(4 * PER_INSTANCE * len(urls), transport) as client:
        referee = Referee(client, size, max_turns=max_turns)

        async def lane(k: int) -> None:
            n = k
            while time.perf_counter() < deadline:
                seed = rng.game_seed(7, n)
                games.append(await referee.play([snake, snake], seed, [k % len(urls)] * 2))
                n += PER_INSTANCE * len(urls)

        lanes = [asyncio.ensure_future(lane(k)) for k in range(PER_INSTANCE * len(urls))]
        await asyncio.wait(lanes, timeout=seconds)
        for task in lanes:  # games still in flight at the deadline are not counted
            task.cancel()
        await asyncio.gather(*lanes, return_exceptions=True)
    return games


def report(name: str, n: int, games: list[HttpGame], took: float) -> None:
    turns = sum(g.record.final.turn for g in games)
    calls = merge_calls(*({c.label: c} for g in games for c in g.calls if c is not None))
    c = calls.get("snake") or SnakeCalls("snake")
    overhead = 1000 * sum(g.referee_s for g in games) / max(turns, 1)
    print(
        f"| {name} | {n} | {len(games)} | {60 * len(games) / took:,.0f} | {turns / took:,.0f} | "
        f"{c.quantile_ms(0.5):.1f} / {c.quantile_ms(0.99):.1f} | {c.failed} | {overhead:.2f} |",
        flush=True,
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--seconds", type=float, default=10.0, help="per run (default 10)")
    p.add_argument("--size", type=int, default=7)
    p.add_argument("--max-turns", type=int, default=100)
    args = p.parse_args()
    print(
        "| snake | instances | games | games/min | turns/s | move p50 / p99 ms | failed "
        "| referee ms/turn |\n|---|---|---|---|---|---|---|---|"
    )
    games = asyncio.run(run(["http://mock"], args.seconds, args.size, args.max_turns, True))
    report("no snake (httpx.MockTransport)", 1, games, args.seconds)
    with tempfile.TemporaryDirectory() as tmp:
        for name, spec in specs(Path(tmp)).items():
            with Instances(spec, spec.config_path, Path(tmp) / "logs") as running:
                for n in COUNTS:
                    games = asyncio.run(
                        run(running.urls()[:n], args.seconds, args.size, args.max_turns)
                    )
                    report(name, n, games, args.seconds)


if __name__ == "__main__":
    main()
