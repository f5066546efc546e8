"""The tuned snake on the live platform: a Battlesnake API v1 HTTP server.

``GET /`` says who the snake is (its ``version`` names the live config's hash); ``POST /start``,
``/move`` and ``/end`` play. A move comes from ``policy.decide``: the batched policy that trains,
run on a batch of one, so a config plays here exactly as it did in training. Ties are broken
with a seed derived from ``game.id``, so a game replays move for move.

Whatever a peer can get wrong (malformed JSON, a lone surrogate in a string, a missing or
mistyped field, a board that breaks the rules or holds more than 16 snakes, an oversized body)
is answered ``400 {"error": "<what and where>"}`` and the server goes on serving. The HTTP
plumbing (``server_http``) bounds what a peer can hold: the time to send one request, idle
keep-alive time, and the number of open connections. At most ``workers`` moves are computed at
once; the other requests wait their turn inside the process, first come first served, and one
that waited ``late_after`` seconds (a burst too big for the CPU) is answered by random-safe.

The config file is watched: a changed file (checked at most once per ``reload_interval``
seconds, on the next request) or a ``POST /admin/reload`` from a loopback address loads it
again; a config that does not validate is logged and the one in use is kept.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import threading
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from snaketrain.rules.api import BoardError, board_from_api
from snaketrain.rules.types import Board

from .budgeted import BudgetedHeuristic, Tail, tail_start
from .config import ConfigError
from .liveconfig import RELOAD_INTERVAL_S, LiveConfig, Loaded, PolicyFactory, make_policy
from .policy import decide
from .random_safe import RandomSafe, random_safe
from .server_http import (
    IDLE_TIMEOUT_S,
    MAX_BODY_BYTES,
    MAX_CONNECTIONS,
    REQUEST_TIMEOUT_S,
    JsonHandler,
    JsonServer,
    RequestError,
    parse_json_object,
)

log = logging.getLogger(__name__)

MAX_TURN = 2**31 - 1
"""Largest ``turn`` accepted (the engines keep turns in int64 tensors; real games end long
before)."""

WORKERS = 2
"""Moves computed at once; more requests wait in the process, first come first served."""

LATE_AFTER_S = 0.25
"""A /move that has waited this long since its first byte when a worker takes it is answered
by random-safe (microseconds), so a burst is answered within the platform's 500 ms."""

PROXY_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Real-IP")
"""Headers a reverse proxy adds; admin requests that carry one are refused."""

AUTHOR = "snaketrain"
COLOR = "#2f9e44"
HEAD = "default"
TAIL = "default"

# --- requests -----------------------------------------------------------------------------


def _member(obj: Mapping[str, Any], key: str, kind: type, what: str, where: str = "") -> Any:
    name = f"{where}{key}"
    if key not in obj:
        raise RequestError(f"{name}: missing")
    value = obj[key]
    if isinstance(value, bool) or not isinstance(value, kind):
        raise RequestError(f"{name}: expected {what}, got {json.dumps(value)[:60]}")
    return value


@dataclass(frozen=True)
class MoveRequest:
    game_id: str
    board: Board
    you: str

    @property
    def seed(self) -> int:
        """The tie-break seed of the game: stable across processes and restarts."""
        return zlib.crc32(self.game_id.encode("utf-8"))


def parse_move_request(request: Mapping[str, Any]) -> MoveRequest:
    """A validated ``/start`` or ``/move`` body: ``{game, turn, board, you}``."""
    game = _member(request, "game", dict, "an object")
    game_id = _member(game, "id", str, "a string", "game.")
    turn = _member(request, "turn", int, f"an integer in 0..{MAX_TURN}")
    if not 0 <= turn <= MAX_TURN:
        raise RequestError(f"turn: expected an integer in 0..{MAX_TURN}, got {turn}")
    if "board" not in request:
        raise RequestError("board: missing")
    try:
        board = board_from_api(request["board"], turn=turn)
    except BoardError as err:
        raise RequestError(str(err)) from None
    you = _member(request, "you", dict, "an object")
    you_id = _member(you, "id", str, "a string", "you.")
    ids = [s.id for s in board.snakes]
    if you_id not in ids:
        raise RequestError(f"you.id: {you_id!r} is not a snake on the board; board ids: {ids}")
    return MoveRequest(game_id, board, you_id)


# --- the server ---------------------------------------------------------------------------


class SnakeServer(JsonServer):
    """The HTTP server of the snake: the live config, and at most ``workers`` moves at once."""

    live: LiveConfig

    def __init__(
        self,
        address: tuple[str, int],
        live: LiveConfig,
        max_body: int = MAX_BODY_BYTES,
        *,
        workers: int = WORKERS,
        late_after: float = LATE_AFTER_S,
        request_timeout: float = REQUEST_TIMEOUT_S,
        idle_timeout: float = IDLE_TIMEOUT_S,
        max_connections: int = MAX_CONNECTIONS,
    ) -> None:
        self.live = live
        self.workers = threading.BoundedSemaphore(workers)
        self.late_after = late_after
        super().__init__(
            address,
            SnakeHandler,
            max_body=max_body,
            request_timeout=request_timeout,
            idle_timeout=idle_timeout,
            max_connections=max_connections,
        )


class SnakeHandler(JsonHandler):
    server: SnakeServer
    # set by a budgeted search: its policy's tail and when the tail began
    tail_from: tuple[Tail, float] | None = None

    def reply(self, status: int, payload: Mapping[str, Any]) -> None:
        tail_from, self.tail_from = self.tail_from, None
        super().reply(status, payload)
        if tail_from is not None:
            tail_from[0].observe(time.monotonic() - tail_from[1])

    # -- routes --

    def route_get(self, body: bytes) -> tuple[int, Mapping[str, Any]]:
        if self.path.split("?", 1)[0] != "/":
            raise RequestError(f"no such resource: GET {self.path}; try GET /", status=404)
        return 200, self.info(self.server.live.current)

    @staticmethod
    def info(loaded: Loaded) -> dict[str, str]:
        return {
            "apiversion": "1",
            "author": AUTHOR,
            "color": COLOR,
            "head": HEAD,
            "tail": TAIL,
            "version": loaded.version,
        }

    def route_post(self, body: bytes) -> tuple[int, Mapping[str, Any]]:
        path = self.path.split("?", 1)[0]
        if path == "/admin/reload":
            return self.admin_reload()
        if path not in ("/start", "/move", "/end"):
            raise RequestError(
                f"no such resource: POST {self.path}; the snake serves /start, /move, /end",
                status=404,
            )
        request = parse_json_object(body)
        if path == "/end":
            game = request.get("game")
            game_id = game.get("id") if isinstance(game, dict) else None
            log.info("game %s ended", game_id)
            return 200, {}
        move = parse_move_request(request)
        if path == "/start":
            log.info("game %s started (config %s)", move.game_id, self.server.live.current.hash)
            return 200, {}
        return 200, {"move": self.decide(move), "shout": ""}

    def decide(self, move: MoveRequest) -> str:
        """The live policy's move; if the policy fails (a bug), a random safe move, so the
        game goes on while the traceback is logged. A request that finds no worker free
        ``late_after`` s after its first byte gets a random safe move at once: a safe move in
        time beats the best one too late (the platform then moves the snake straight on)."""
        workers = self.server.workers
        left = self.server.late_after - (time.monotonic() - self.started)
        if left <= 0 or not workers.acquire(timeout=left):
            log.warning(
                "game %s turn %d: no worker free %.0f ms after the request came; "
                "playing random-safe",
                move.game_id,
                move.board.turn,
                (time.monotonic() - self.started) * 1000,
            )
            return random_safe(move.board, move.you, move.seed)
        try:
            loaded = self.server.live.current
            try:
                if isinstance(loaded.policy, BudgetedHeuristic):
                    return self.search(loaded.policy, move)
                return decide(loaded.policy, move.board, move.you, move.seed)
            except Exception:
                log.exception("policy of config %s failed; playing random-safe", loaded.hash[:12])
                return decide(RandomSafe(), move.board, move.you, move.seed)
        finally:
            workers.release()

    def search(self, policy: BudgetedHeuristic, move: MoveRequest) -> str:
        """The budgeted search's move, logged with the depth it reached and its time; the
        budget counts from the request's arrival (``started``), and ``reply`` measures the
        tail that follows the search (``budgeted.Tail``)."""
        began = time.monotonic()
        chosen, found = policy.search(move.board, move.you, move.seed, started=self.started)
        self.tail_from = (policy.tail, tail_start(began, time.monotonic(), found.deadline))
        log.info(
            "game %s turn %d: move %s, depth %d, %d nodes, %.0f ms",
            move.game_id,
            move.board.turn,
            chosen,
            found.depth,
            found.nodes,
            found.seconds * 1000,
        )
        return chosen

    def admin_reload(self) -> tuple[int, Mapping[str, Any]]:
        client = self.client_address[0]
        if not ipaddress.ip_address(client.split("%", 1)[0]).is_loopback:
            raise RequestError(f"/admin/reload is only served to loopback, not {client}", 403)
        proxied = [h for h in PROXY_HEADERS if h in self.headers]
        if proxied:  # a local reverse proxy (a tunnel to the platform) relays remote clients
            raise RequestError(f"/admin/reload is not served through a proxy ({proxied[0]})", 403)
        try:
            loaded = self.server.live.reload()
        except ConfigError as err:
            message = f"{err}\nkept config {self.server.live.short}"
            raise RequestError(message, status=422) from None
        return 200, {"version": loaded.version, "config_hash": loaded.hash}


def make_server(
    config_path: str | Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    reload_interval: float = RELOAD_INTERVAL_S,
    make: PolicyFactory = make_policy,
    max_body: int = MAX_BODY_BYTES,
    workers: int = WORKERS,
    late_after: float = LATE_AFTER_S,
    request_timeout: float = REQUEST_TIMEOUT_S,
    idle_timeout: float = IDLE_TIMEOUT_S,
    max_connections: int = MAX_CONNECTIONS,
) -> SnakeServer:
    """A bound server (port 0: any free port) for ``config_path``; ``ConfigError`` if the
    config does not load, ``OSError`` if the address cannot be bound. Run ``serve_forever``.

    ``workers`` moves are computed at once, and a /move that waited ``late_after`` s for one
    is answered by random-safe; a request must arrive whole within ``request_timeout`` s of
    its first byte; a kept-alive connection may idle ``idle_timeout`` s; at most
    ``max_connections`` are open (see ``server_http``)."""
    live = LiveConfig(config_path, make=make, reload_interval=reload_interval)
    return SnakeServer(
        (host, port),
        live,
        max_body=max_body,
        workers=workers,
        late_after=late_after,
        request_timeout=request_timeout,
        idle_timeout=idle_timeout,
        max_connections=max_connections,
    )


def run(server: SnakeServer, torch_threads: int = 1) -> None:
    """Serve until interrupted, then release the port.

    Torch runs one thread per request: a batch of one is far too small to gain from
    intra-op threads, and on a small machine they compete with the other requests (on 2 cores
    the default threads raise /move p99 from ~30 ms to ~180 ms)."""
    torch.set_num_threads(torch_threads)
    log.info("serving %s on %s (%s)", server.live.path, server.url, server.live.current.version)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def serve(config_path: str | Path, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the snake of ``config_path`` on ``host:port`` until interrupted."""
    run(make_server(config_path, host, port))
