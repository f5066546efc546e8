"""A small Battlesnake with a parameter space of its own: stdlib only, not snaketrain.

    python snake.py --port 8002 --config config.json

Its config.json has keys snaketrain's built-in snake does not know; space.yaml declares them
(type, bounds, default), and snake.yaml says ``space: space.yaml``, so snaketrain tunes them.

Each turn it scores the moves that do not hit a wall or a body (the tails excepted):
``greed.apple`` times how much closer the move gets to the nearest food (twice that at or
below ``greed.hunger`` health), plus ``caution.room`` times the share of the board reachable
from the new head, minus ``caution.edge`` for each wall next to it; ``style.straight`` breaks
ties toward the current direction. ``GET /`` answers the API v1 info; ``/start`` and ``/end``
answer ``{}``.
"""

from __future__ import annotations

import argparse
import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MOVES = {"up": (0, 1), "down": (0, -1), "left": (-1, 0), "right": (1, 0)}


def load_config(path: str) -> dict:
    with open(path, encoding="utf-8") as f:
        c = json.load(f)
    return {
        "apple": float(c["greed"]["apple"]),
        "hunger": int(c["greed"]["hunger"]),
        "room": float(c["caution"]["room"]),
        "edge": float(c["caution"]["edge"]),
        "straight": bool(c["style"]["straight"]),
    }


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


def choose(request: dict, c: dict) -> str:
    board, you = request["board"], request["you"]
    width, height = board["width"], board["height"]
    head = (you["head"]["x"], you["head"]["y"])
    body = [(p["x"], p["y"]) for p in you["body"]]
    heading = (head[0] - body[1][0], head[1] - body[1][1]) if len(body) > 1 else (0, 0)
    blocked = {(p["x"], p["y"]) for s in board["snakes"] for p in s["body"][:-1]}
    food = [(p["x"], p["y"]) for p in board["food"]]
    greed = c["apple"] * (2.0 if you["health"] <= c["hunger"] else 1.0)

    def near(p: tuple[int, int]) -> int:
        return min((abs(p[0] - f[0]) + abs(p[1] - f[1]) for f in food), default=0)

    best, best_score = "up", float("-inf")
    for move, (dx, dy) in MOVES.items():
        p = (head[0] + dx, head[1] + dy)
        if not (0 <= p[0] < width and 0 <= p[1] < height) or p in blocked:
            continue
        walls = (p[0] == 0) + (p[0] == width - 1) + (p[1] == 0) + (p[1] == height - 1)
        score = greed * (near(head) - near(p)) - c["edge"] * walls
        score += c["room"] * reachable(p, blocked, width, height) / (width * height)
        if c["straight"] and (dx, dy) == heading:
            score += 1e-9
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
        self.reply({"apiversion": "1", "author": "example", "color": "#aa5533"})

    def do_POST(self) -> None:  # noqa: N802
        request = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        if self.path == "/move":
            self.reply({"move": choose(request, self.server.config)})
        else:
            self.reply({})

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=int(os.environ.get("SNAKE_PORT", 8002)))
    p.add_argument("--config", default=os.environ.get("SNAKE_CONFIG", "config.json"))
    args = p.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.config = load_config(args.config)
    print(f"own-space snake on port {args.port}, config {server.config}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
