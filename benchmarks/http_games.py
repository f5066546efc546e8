"""HTTP games: games/min against external snakes, and the referee's own cost per turn.

    python benchmarks/http_games.py [--seconds 10] [--size 7] [--max-turns 100]

For ``snaketrain serve`` and for the stdlib example snake (examples/python-snake), with 1, 2
and 8 instances started on loopback (once, up to 8; each run uses the first n): the snake
plays itself (both seats over HTTP, as the official ``battlesnake play`` with two URLs), 4
games in flight per instance, for ``--seconds`` seconds. Prints games/min, turns/s, move
latency p50/p99 (of the counted games; games still in flight at the end are dropped) and
the referee's overhead per turn: the time the referee spends on a turn
(engine step, request bodies, JSON) and not waiting on snakes. A first run plays a snake
inside the referee's process (``MockClient``): no sockets, no server, so its turns/s is the
referee's own ceiling on this machine.

``--official-cli PATH`` (a built ``battlesnake`` binary of BattlesnakeOfficial/rules) adds the
anchor, in the same run: two instances of the example snake (seat 0 on one, seat 1 on the
other), ``--cli-lanes`` games in flight (the CLI: that many ``battlesnake play`` processes,
each playing games back to back; snaketrain: that many games in one referee), no turn cap, for
``--seconds`` s each (games running at the end are finished and counted). Both referees are
measured the same way: the CPU time of the referee's process (the snakes run in processes of
their own) per turn played, so neither waiting on snakes nor other jobs' load count.
``--cli-rounds N`` splits those seconds into N alternating phases (snaketrain, CLI, snaketrain,
...), summed, so that a change of load during the run weighs on both. ``--official-only`` plays
just the mock row and these two.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from snaketrain.external.calls import SnakeCalls, merge_calls
from snaketrain.external.process import Instances
from snaketrain.external.referee import HttpGame, HttpSnake, Referee, Urls
from snaketrain.external.spec import SnakeSpec
from snaketrain.external.transport import Transport, new_client
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


class MockClient:
    """A snake inside the referee's process: the first move off walls and bodies (no socket,
    no server), so the whole turn is the referee's own cost."""

    async def __aenter__(self) -> MockClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        pass

    async def post(self, url: str, body: bytes, timeout_s: float) -> tuple[int, bytes]:
        if not url.endswith("/move"):
            return 200, b"{}"
        request = json.loads(body)
        board, head = request["board"], request["you"]["head"]
        taken = {(p["x"], p["y"]) for s in board["snakes"] for p in s["body"][:-1]}
        for move, (dx, dy) in DELTAS.items():
            x, y = head["x"] + dx, head["y"] + dy
            if 0 <= x < board["width"] and 0 <= y < board["height"] and (x, y) not in taken:
                return 200, json.dumps({"move": move}).encode()
        return 200, b'{"move": "up"}'


async def run(
    urls: list[str],
    seconds: float,
    size: int,
    max_turns: int,
    mock: bool = False,
    lanes: int | None = None,
    split: bool = False,
) -> list[HttpGame]:
    """Games for ``seconds`` s, ``lanes`` in flight (default 4 per URL), both seats on one
    instance (``split``: seat k on instance k); games in flight at the end are dropped, or
    (``split``, the CLI comparison) finished and counted."""
    snake = HttpSnake("snake", Urls(tuple(urls)))
    games: list[HttpGame] = []
    deadline = time.perf_counter() + seconds
    n_lanes = lanes or PER_INSTANCE * len(urls)
    client: Transport
    async with MockClient() if mock else new_client(4 * n_lanes) as client:
        referee = Referee(client, size, max_turns=max_turns)

        async def lane(k: int) -> None:
            n = k
            while time.perf_counter() < deadline:
                seed = rng.game_seed(7, n)
                on = [0, 1] if split else [k % len(urls)] * 2
                games.append(await referee.play([snake, snake], seed, on))
                n += n_lanes

        tasks = [asyncio.ensure_future(lane(k)) for k in range(n_lanes)]
        await asyncio.wait(tasks, timeout=None if split else seconds)
        for task in tasks:  # games still in flight at the deadline are not counted
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return games


def cli_game(cli: str, urls: list[str], size: int, seed: int) -> tuple[int, float]:
    """One ``battlesnake play`` game: its turns and the CPU seconds its process used."""
    cmd = [cli, "play", "-W", str(size), "-H", str(size), "-t", "500", "-r", str(seed)]
    for k, url in enumerate(urls):
        cmd += ["-u", url, "-n", f"snake-{k}"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert proc.stdout is not None
    out = proc.stdout.read().decode(errors="replace")
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, for the rusage
    done = [line for line in out.splitlines() if "Game completed after" in line]
    if proc.returncode != 0 or not done:
        raise RuntimeError(f"`{' '.join(cmd)}` failed ({proc.returncode}):\n{out[-2000:]}")
    turns = int(done[-1].split("Game completed after ")[1].split()[0])
    return turns, usage.ru_utime + usage.ru_stime


def cli_games(cli: str, urls: list[str], seconds: float, size: int, lanes: int) -> tuple:
    """``lanes`` CLI processes at a time, games back to back until ``seconds`` have passed
    (the last ones finished): (games, turns, CPU seconds, wall seconds)."""
    from concurrent.futures import ThreadPoolExecutor

    t0 = time.perf_counter()

    def lane(k: int) -> list[tuple[int, float]]:
        out, n = [], k
        while time.perf_counter() - t0 < seconds:
            out.append(cli_game(cli, urls, size, rng.game_seed(7, n) % 2**62))
            n += lanes
        return out

    with ThreadPoolExecutor(lanes) as pool:
        played = [g for part in pool.map(lane, range(lanes)) for g in part]
    took = time.perf_counter() - t0
    return len(played), sum(t for t, _ in played), sum(c for _, c in played), took


def compare_cli(
    cli: str, spec: SnakeSpec, work: Path, seconds: float, size: int, lanes: int, rounds: int = 1
):
    """The official CLI and snaketrain's referee on the same two snake instances, in
    ``rounds`` alternating phases of ``seconds / rounds`` each (so a change of the machine's
    load mid-run weighs on both alike), summed."""
    print(
        f"\n| referee ({lanes} games in flight, example snake x2) | games | games/min | "
        "turns/game | referee CPU ms/turn | outside-awaits ms/turn |\n|---|---|---|---|---|---|"
    )
    rows = {"snaketrain": [0, 0, 0.0, 0.0, 0.0], "battlesnake play": [0, 0, 0.0, 0.0, 0.0]}
    phase = seconds / rounds
    with Instances(replace(spec, instances=2), spec.config_path, work / "cli-logs") as running:
        urls = running.urls()
        for _ in range(rounds):
            cpu0, t0 = time.process_time(), time.perf_counter()
            games = asyncio.run(run(urls, phase, size, 10**6, lanes=lanes, split=True))
            cpu, took = time.process_time() - cpu0, time.perf_counter() - t0
            turns = sum(g.record.final.turn for g in games)
            outside = sum(g.referee_s for g in games)
            for i, x in enumerate((len(games), turns, cpu, took, outside)):
                rows["snaketrain"][i] += x
            for i, x in enumerate(cli_games(cli, urls, phase, size, lanes)):
                rows["battlesnake play"][i] += x
    for name, (n, turns, cpu, took, outside) in rows.items():
        out = f"{1000 * outside / max(turns, 1):.2f}" if name == "snaketrain" else "-"
        print(
            f"| {name} | {n} | {60 * n / took:,.0f} | {turns / max(n, 1):.1f} | "
            f"{1000 * cpu / max(turns, 1):.3f} | {out} |"
        )
    ours, theirs = (rows[k][2] / max(rows[k][1], 1) for k in ("snaketrain", "battlesnake play"))
    print(
        f"\nsnaketrain / official CLI referee CPU per turn: {ours / theirs:.2f}x; "
        f"load average {' / '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )


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
    p.add_argument("--official-cli", metavar="PATH", help="a battlesnake CLI binary: the anchor")
    p.add_argument("--cli-lanes", type=int, default=2, help="games in flight (default 2)")
    p.add_argument(
        "--cli-rounds", type=int, default=1, help="alternating phases of the anchor (default 1)"
    )
    p.add_argument("--official-only", action="store_true", help="mock row and the anchor only")
    args = p.parse_args()
    if args.official_only and not args.official_cli:
        p.error("--official-only needs --official-cli PATH")
    print(
        "| snake | instances | games | games/min | turns/s | move p50 / p99 ms | failed "
        "| referee ms/turn |\n|---|---|---|---|---|---|---|---|"
    )
    games = asyncio.run(run(["http://mock"], args.seconds, args.size, args.max_turns, True))
    report("no snake (in-process mock)", 1, games, args.seconds)
    with tempfile.TemporaryDirectory() as tmp:
        snakes = specs(Path(tmp))
        if args.official_cli:
            compare_cli(
                args.official_cli,
                snakes["example snake"],
                Path(tmp),
                args.seconds,
                args.size,
                args.cli_lanes,
                args.cli_rounds,
            )
        if args.official_only:
            return
        print()
        for name, spec in snakes.items():
            with Instances(spec, spec.config_path, Path(tmp) / "logs") as running:
                for n in COUNTS:
                    games = asyncio.run(
                        run(running.urls()[:n], args.seconds, args.size, args.max_turns)
                    )
                    report(name, n, games, args.seconds)


if __name__ == "__main__":
    main()
