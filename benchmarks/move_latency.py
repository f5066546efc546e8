"""/move latency and search depth of ``snaketrain serve --move-budget-ms N`` over HTTP.

    python benchmarks/move_latency.py [--budget-ms 300] [--requests 60] [--config config.yaml]
                                      [--snakes 2 4]

Starts ``snaketrain serve`` as it runs live (a subprocess, the given budget), then sends
``--requests`` /move requests one at a time over one kept-alive connection, for 11x11 boards
with 2 and then 4 snakes: mid-game positions (turn >= 10, everyone alive) of seeded
random-safe games, asking for each living snake in turn. Prints client-side p50 / p99 / max
latency, how many took over 500 ms (the platform's move timeout), and the depth the search
finished per move (read from the server's /move log lines), with the machine and its load.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from snaketrain.rules.api import game_to_api, move_request
from snaketrain.rules.game import play_game
from snaketrain.rules.types import Settings
from snaketrain.snake.random_safe import random_safe

ROOT = Path(__file__).resolve().parent.parent
DEPTH = re.compile(r"turn \d+: move \w+, depth (\d+), (\d+) nodes, (\d+) ms")


def requests(n: int, snakes: int, size: int = 11) -> list[bytes]:
    """``n`` /move bodies, mid-game positions of seeded random-safe games."""
    bodies: list[bytes] = []
    seed = 0
    while len(bodies) < n:
        seed += 1
        record = play_game([random_safe] * snakes, size=size, seed=seed, max_turns=200)
        game = game_to_api(f"latency-{snakes}-{seed}", Settings())
        for board in record.boards[10::2]:
            alive = board.alive_snakes
            if len(alive) < snakes:
                break
            you = alive[len(bodies) % snakes].id
            bodies.append(json.dumps(move_request(board, you, game)).encode())
    return bodies[:n]


def start_server(config: Path, budget_ms: int) -> tuple[int, subprocess.Popen[str], list[str]]:
    """The port, the process and the /move log lines it writes (filled as it runs)."""
    cmd = [sys.executable, "-m", "snaketrain", "serve", "--config", str(config), "--port", "0"]
    cmd += ["--move-budget-ms", str(budget_ms)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env)
    assert proc.stderr is not None
    for line in proc.stderr:
        found = re.search(r"on http://127\.0\.0\.1:(\d+) ", line)
        if found:
            break
    else:
        raise SystemExit(f"the server did not start (exit code {proc.wait()})")
    lines: list[str] = []

    def drain() -> None:  # so the server never blocks on a full pipe
        assert proc.stderr is not None
        for line in proc.stderr:
            if DEPTH.search(line):
                lines.append(line)

    threading.Thread(target=drain, daemon=True).start()
    return int(found.group(1)), proc, lines


def timed_posts(port: int, bodies: list[bytes]) -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    times = []
    for body in bodies:
        t0 = time.perf_counter()
        conn.request("POST", "/move", body=body, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        answer = json.loads(response.read())
        times.append(time.perf_counter() - t0)
        if response.status != 200:
            raise SystemExit(f"/move answered {response.status}: {answer}")
    conn.close()
    return times


def quantile(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


def summary(label: str, times: list[float], depths: list[int]) -> str:
    ms = [t * 1000 for t in times]
    over = sum(m > 500 for m in ms)
    depth = (
        f"depth p50 {statistics.median(depths):.0f} (min {min(depths)}, max {max(depths)})"
        if depths
        else "depth: no /move log lines (budget 0: the fixed search)"
    )
    return (
        f"{label:<18} p50 {statistics.median(ms):6.1f} ms   p99 {quantile(ms, 0.99):6.1f} ms   "
        f"max {max(ms):6.1f} ms   over 500 ms: {over}   {depth}   ({len(ms)} requests)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--budget-ms", type=int, default=300)
    ap.add_argument("--requests", type=int, default=60, help="per board kind (default 60)")
    ap.add_argument("--config", type=Path, default=ROOT / "config.yaml")
    ap.add_argument("--snakes", type=int, nargs="+", default=[2, 4])
    args = ap.parse_args()
    boards = {n: requests(args.requests, n) for n in args.snakes}
    port, proc, lines = start_server(args.config, args.budget_ms)
    try:
        print(
            f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"load {os.getloadavg()[0]:.1f} at start; snaketrain serve --move-budget-ms "
            f"{args.budget_ms}, one request at a time over one kept-alive connection",
            flush=True,
        )
        timed_posts(port, boards[args.snakes[0]][:3])  # warm-up
        for n, bodies in boards.items():
            time.sleep(0.2)
            before = len(lines)
            times = timed_posts(port, bodies)
            time.sleep(0.2)  # the last log lines
            depths = [int(DEPTH.search(line).group(1)) for line in lines[before:]]  # type: ignore[union-attr]
            print(summary(f"11x11, {n} snakes:", times, depths), flush=True)
        print(f"load {os.getloadavg()[0]:.1f} at the end", flush=True)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
