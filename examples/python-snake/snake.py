"""A small Battlesnake that is not snaketrain: stdlib only, weights read from its own config.

    python snake.py --port 8001 --config config.json

Its config.json has the sections of snaketrain's built-in space (so ``space: builtin`` tunes
it); it reads two of the weights, ``weights.food`` and ``weights.space``.

Each turn it scores the moves that do not hit a wall or a body: ``food`` times how much closer
the move gets to the nearest food, plus ``space`` times the share of the board reachable from
the new head. ``GET /`` answers the API v1 info; ``/start`` and ``/end`` answer ``{}``.
"""

from __future__ import annotations

import argparse
import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MOVES = {"up": (0, 1), "down": (0, -1), "left": (-1, 0), "right": (1, 0)}


def load_weights(path: str) -> dict[str, float]:
    with open(path, encoding="utf-8") as f:
        weights = json.load(f)["weights"]
    return {"food": float(weights["food"]), "space": float(weights["space"])}


def reachable(start: tuple[int, int], blocked: set, width: int, height: int) -> int:
    seen, todo = {start}, [start]
    while todo:
        x, y = todo.pop()
        for dx, dy in MOVES.values():
            p = (x + dx, y + dy)
            if 0 <= p[0] < width and 0 <= p[1] < height and p not in blocked and p not in seen:
                seen.add(p)
                todo.append(p)
    return len(seen)


def choose(request: dict, weights: dict[str, float]) -> str:
    board, you = request["board"], request["you"]
    width, height = board["width"], board["height"]
    head = (you["head"]["x"], you["head"]["y"])
    blocked = {(p["x"], p["y"]) for s in board["snakes"] for p in s["body"][:-1]}
    food = [(p["x"], p["y"]) for p in board["food"]]

    def near(p: tuple[int, int]) -> int:
        return min((abs(p[0] - f[0]) + abs(p[1] - f[1]) for f in food), default=0)

    best, best_score = "up", float("-inf")
    for move, (dx, dy) in MOVES.items():
        p = (head[0] + dx, head[1] + dy)
        if not (0 <= p[0] < width and 0 <= p[1] < height) or p in blocked:
            continue
        score = weights["food"] * (near(head) - near(p))
        score += weights["space"] * reachable(p, blocked, width, height) / (width * height)
        if score > best_score:
            best, best_score = move, score
    return best


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the referee reuses its connections
    disable_nagle_algorithm = True  # headers and body go out at once, not 40 ms apart

    def reply(self, payload: dict) -> None:
        body = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        self.reply({"apiversion": "1", "author": "example", "color": "#3355aa"})

    def do_POST(self) -> None:  # noqa: N802
        request = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        if self.path == "/move":
            self.reply({"move": choose(request, self.server.weights)})
        else:
            self.reply({})

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=int(os.environ.get("SNAKE_PORT", 8001)))
    p.add_argument("--config", default=os.environ.get("SNAKE_CONFIG", "config.json"))
    args = p.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.weights = load_weights(args.config)
    print(f"example snake on port {args.port}, weights {server.weights}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
