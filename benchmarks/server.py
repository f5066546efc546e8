"""/move latency of the snake server on realistic 11x11 duel boards.

    python benchmarks/server.py [--requests 300] [--config config.yaml] [--in-process]
                                [--torch-threads N] [--concurrent 50] [--rounds 5]

Starts ``snaketrain serve`` (a subprocess by default, as it runs live), then sends the same
``--requests`` /move requests twice: over ONE kept-alive connection (as game runners do) and
with a new connection per request. Then ``--rounds`` bursts of ``--concurrent`` clients, each
opening its own connection and sending one /move, all released at once (many games asking
at the same moment). Prints p50 / p99 / max client-side latency for each, how many took over
500 ms (the platform's move timeout), how many of a burst's moves the server answered with
random-safe because they waited too long for a worker, and the policy alone (``decide`` on
the same boards, no HTTP) to show what the server adds. The boards are mid-game positions of
seeded random-safe duels (turn >= 10, both snakes alive). ``--torch-threads`` (default: what
``snaketrain serve`` uses, 1) sets the server's threads. Target: p99 <= 50 ms one at a time,
every request of a burst of 50 under 500 ms, on a 2-core CPU.
"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import os
import platform
import re
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from snaketrain.rules.api import game_to_api, move_request
from snaketrain.rules.game import play_game
from snaketrain.rules.types import Settings
from snaketrain.snake.policy import decide
from snaketrain.snake.random_safe import random_safe
from snaketrain.snake.server import make_policy, make_server, parse_move_request
from snaketrain.snake.space import load_config

ROOT = Path(__file__).resolve().parent.parent


def duel_requests(n: int) -> list[bytes]:
    """``n`` /move bodies from seeded random-safe duels, mid-game, for each snake in turn."""
    bodies: list[bytes] = []
    seed = 0
    while len(bodies) < n:
        seed += 1
        record = play_game([random_safe, random_safe], size=11, seed=seed, max_turns=300)
        game = game_to_api(f"bench-{seed}", Settings())
        for board in record.boards[10:]:
            alive = board.alive_snakes
            if len(alive) < 2:
                break
            you = alive[len(bodies) % 2].id
            bodies.append(json.dumps(move_request(board, you, game)).encode())
    return bodies[:n]


LATE = "playing random-safe"
"""What the server logs for a /move that waited too long for a worker."""

Started = tuple[int, Callable[[], None], list[str]]
"""The port, how to stop the server, and the late-move lines it has logged so far."""


def start_subprocess(config: Path, threads: int) -> Started:
    code = (
        "import logging, sys; from snaketrain.snake.server import make_server, run; "
        "logging.basicConfig(level=logging.INFO); "
        f"run(make_server(sys.argv[1], port=0), torch_threads={threads})"
    )
    cmd = [sys.executable, "-c", code, str(config)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env)
    assert proc.stderr is not None
    for line in proc.stderr:
        found = re.search(r"on http://127\.0\.0\.1:(\d+) ", line)
        if found:
            break
    else:
        raise SystemExit(f"the server did not start (exit code {proc.wait()})")
    late: list[str] = []

    def drain() -> None:  # so the server never blocks on a full pipe
        assert proc.stderr is not None
        for line in proc.stderr:
            if LATE in line:
                late.append(line)

    threading.Thread(target=drain, daemon=True).start()

    def stop() -> None:
        proc.terminate()
        proc.wait(timeout=10)

    return int(found.group(1)), stop, late


class _Late(logging.Handler):
    def __init__(self, late: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.late = late

    def emit(self, record: logging.LogRecord) -> None:
        if LATE in record.getMessage():
            self.late.append(record.getMessage())


def start_in_process(config: Path, threads: int) -> Started:
    torch.set_num_threads(threads)
    server = make_server(config, port=0)
    late: list[str] = []
    handler = _Late(late)
    logging.getLogger("snaketrain.snake.server").addHandler(handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        logging.getLogger("snaketrain.snake.server").removeHandler(handler)

    return int(server.server_address[1]), stop, late


def post(conn: http.client.HTTPConnection, body: bytes) -> dict[str, Any]:
    conn.request("POST", "/move", body=body, headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    answer = json.loads(response.read())
    if response.status != 200:
        raise SystemExit(f"/move answered {response.status}: {answer}")
    return answer


def kept_alive(port: int, bodies: list[bytes]) -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    times = []
    for body in bodies:
        t0 = time.perf_counter()
        post(conn, body)
        times.append(time.perf_counter() - t0)
    conn.close()
    return times


def new_connections(port: int, bodies: list[bytes]) -> list[float]:
    times = []
    for body in bodies:
        t0 = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        post(conn, body)
        conn.close()
        times.append(time.perf_counter() - t0)
    return times


def burst(port: int, batch: list[bytes]) -> list[float]:
    """One client thread per body, each with its own new connection, released together; the
    time from release to the whole reply, per request (connecting included)."""
    barrier = threading.Barrier(len(batch))
    took = [0.0] * len(batch)

    def one(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        barrier.wait()
        t0 = time.perf_counter()
        post(conn, batch[i])
        took[i] = time.perf_counter() - t0
        conn.close()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(batch))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return took


def bursts(port: int, bodies: list[bytes], clients: int, rounds: int) -> list[float]:
    """``rounds`` bursts of ``clients`` requests on different boards."""
    times: list[float] = []
    for r in range(rounds):
        times += burst(port, [bodies[(r * clients + i) % len(bodies)] for i in range(clients)])
    return times


def policy_only(config: Path, bodies: list[bytes], threads: int) -> list[float]:
    """``decide`` on the same boards in this process: the policy's share of the latency."""
    torch.set_num_threads(threads)
    policy = make_policy(load_config(config))
    requests = [parse_move_request(json.loads(b)) for b in bodies]
    for r in requests[:30]:  # warm-up
        decide(policy, r.board, r.you, r.seed)
    times = []
    for r in requests:
        t0 = time.perf_counter()
        decide(policy, r.board, r.you, r.seed)
        times.append(time.perf_counter() - t0)
    return times


def summary(label: str, times: list[float]) -> str:
    ms = sorted(t * 1000 for t in times)
    p99 = ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))]
    late = sum(m > 500 for m in ms)
    return (
        f"{label:<24} p50 {statistics.median(ms):6.2f} ms   p99 {p99:6.2f} ms   "
        f"max {ms[-1]:6.2f} ms   over 500 ms: {late}   ({len(ms)} requests)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=300)
    ap.add_argument("--config", type=Path, default=ROOT / "config.yaml")
    ap.add_argument("--in-process", action="store_true", help="serve from a thread of this one")
    ap.add_argument("--torch-threads", type=int, default=1, help="the server's torch threads")
    ap.add_argument("--concurrent", type=int, default=50, help="clients per burst")
    ap.add_argument("--rounds", type=int, default=5, help="bursts of --concurrent clients")
    args = ap.parse_args()

    bodies = duel_requests(args.requests)
    start = start_in_process if args.in_process else start_subprocess
    port, stop, late = start(args.config, args.torch_threads)
    try:
        info = json.loads(_get(port, "/"))
        print(
            f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"load {os.getloadavg()[0]:.1f}; "
            f"server {'in-process' if args.in_process else 'subprocess'}, "
            f"{args.torch_threads} torch thread(s), "
            f"version {info['version']}, body ~{sum(map(len, bodies)) // len(bodies)} bytes"
        )
        kept_alive(port, bodies[:30])  # warm-up
        print(summary("one kept-alive conn:", kept_alive(port, bodies)))
        print(summary("new conn per request:", new_connections(port, bodies)))
        label = f"{args.concurrent} at once, own conns:"
        before = len(late)
        print(summary(label, bursts(port, bodies, args.concurrent, args.rounds)))
        time.sleep(0.2)  # the last log lines
        print(f"{'':<24} {len(late) - before} of them waited too long: random-safe moves")
    finally:
        stop()
    print(summary("policy only, no HTTP:", policy_only(args.config, bodies, args.torch_threads)))


def _get(port: int, path: str) -> bytes:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path)
    data = conn.getresponse().read()
    conn.close()
    return data


if __name__ == "__main__":
    main()
