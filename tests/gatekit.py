"""A gated opponent for tests that must stop a run in the middle of an iteration: a snake served
over HTTP from a thread of the test, which answers every ``/move`` only after ``delay_s`` until
the test opens its gate, then at once. Games against it are slow, by a known amount, while the
test needs them slow (an idle machine otherwise finishes a tiny iteration before the test can
stop it), and fast afterwards."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MOVES = {"up": (0, 1), "down": (0, -1), "left": (-1, 0), "right": (1, 0)}


def safe_move(game: dict) -> str:
    """The first move that stays on the board and off every snake's body (else "up")."""
    board, head = game["board"], game["you"]["head"]
    taken = {(p["x"], p["y"]) for s in board["snakes"] for p in s["body"][:-1]}
    for name, (dx, dy) in MOVES.items():
        x, y = head["x"] + dx, head["y"] + dy
        if 0 <= x < board["width"] and 0 <= y < board["height"] and (x, y) not in taken:
            return name
    return "up"


@dataclass
class Gated:
    url: str
    gate: threading.Event = field(default_factory=threading.Event)
    moves: int = 0

    def open(self) -> None:
        self.gate.set()


@contextmanager
def gated_snake(delay_s: float = 0.2) -> Iterator[Gated]:
    """A snake on a free loopback port for the time of the block (``delay_s`` must stay under
    the 500 ms move timeout of snakes given by URL, so that a slow answer still counts)."""
    gated = Gated(url="")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body are two writes

        def send(self, body: bytes) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802
            self.send(b'{"apiversion": "1"}')

        def do_POST(self) -> None:  # noqa: N802
            game = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            if self.path != "/move":
                return self.send(b"{}")
            gated.moves += 1
            gated.gate.wait(delay_s)
            self.send(json.dumps({"move": safe_move(game)}).encode())

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    gated.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield gated
    finally:
        gated.open()
        server.shutdown()
        server.server_close()
