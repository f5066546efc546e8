"""The tuned snake on the live platform: a Battlesnake API v1 HTTP server.

``GET /`` says who the snake is (its ``version`` names the live config's hash); ``POST /start``,
``/move`` and ``/end`` play. A move comes from ``policy.decide``: the batched policy that trains,
run on a batch of one, so a config plays here exactly as it did in training. Ties are broken
with a seed derived from ``game.id``, so a game replays move for move.

Whatever a peer can get wrong (malformed JSON, a missing or mistyped field, a board that breaks
the rules, an oversized body) is answered ``400 {"error": "<what and where>"}`` and the server
goes on serving. Every response is written in one send with ``Content-Length`` on a kept-alive
connection with ``TCP_NODELAY`` (headers and body in separate packets cost ~40 ms per request
on a kept-alive connection: Nagle against delayed ACK).

The config file is watched: a changed file (checked at most once per ``reload_interval``
seconds, on the next request) or a ``POST /admin/reload`` from a loopback address loads it
again; a config that does not validate is logged and the one in use is kept.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import socket
import threading
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import metadata
from pathlib import Path
from typing import Any

import torch

from snaketrain.rules.api import BoardError, board_from_api
from snaketrain.rules.types import Board

from .config import Config, ConfigError, config_hash
from .configfile import load_config
from .heuristic import HeuristicPolicy
from .policy import BatchedPolicy, decide
from .random_safe import RandomSafe

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1 << 20
"""Largest request body accepted (a 25x25 board with 8 long snakes is well under 100 KiB)."""

MAX_TURN = 2**31 - 1
"""Largest ``turn`` accepted (the engines keep turns in int64 tensors; real games end long
before)."""

RELOAD_INTERVAL_S = 1.0
"""How often, at most, a request checks whether the config file changed."""

IDLE_TIMEOUT_S = 120.0
"""A kept-alive connection with no request for this long is closed."""

PROXY_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Real-IP")
"""Headers a reverse proxy adds; admin requests that carry one are refused."""

AUTHOR = "snaketrain"
COLOR = "#2f9e44"
HEAD = "default"
TAIL = "default"

PolicyFactory = Callable[[Config], BatchedPolicy]


def make_policy(config: Config) -> BatchedPolicy:
    """The tuned snake for ``config``: the same policy object the training games use."""
    return HeuristicPolicy(config)


@cache
def package_version() -> str:
    try:
        return metadata.version("snaketrain")
    except metadata.PackageNotFoundError:
        return "0+unknown"


# --- the live config ----------------------------------------------------------------------


@dataclass(frozen=True)
class Loaded:
    """A validated config and the policy built from it; swapped whole on reload."""

    config: Config
    policy: BatchedPolicy
    hash: str  # space.config_hash(config)

    @property
    def version(self) -> str:
        """What ``GET /`` reports: the package version and the config hash."""
        return f"{package_version()}+config.{self.hash[:12]}"


def _stamp(path: Path) -> tuple[int, int, int]:
    st = os.stat(path)
    return (st.st_mtime_ns, st.st_size, st.st_ino)


class LiveConfig:
    """The config file being served and its policy; reloads the file when it changes.

    The first load raises ``ConfigError``; later ones keep the running config on any error."""

    def __init__(
        self,
        path: str | Path,
        make: PolicyFactory = make_policy,
        reload_interval: float = RELOAD_INTERVAL_S,
    ) -> None:
        self.path = Path(path)
        self._make = make
        self._interval = reload_interval
        self._lock = threading.Lock()
        self._checked = time.monotonic()
        self._stamp = self._read_stamp()
        self._loaded = self._load()

    @property
    def current(self) -> Loaded:
        """The config to play with now (after a rate-limited check for a changed file)."""
        if time.monotonic() - self._checked >= self._interval:
            self.poll()
        return self._loaded

    def _read_stamp(self) -> tuple[int, int, int] | None:
        try:
            return _stamp(self.path)
        except OSError:
            return None

    def _load(self) -> Loaded:
        config = load_config(self.path)
        return Loaded(config, self._make(config), config_hash(config))

    def poll(self) -> None:
        """Reload if the file changed since it was last read; log (once) and keep the running
        config if the new file does not load."""
        with self._lock:
            self._checked = time.monotonic()
            stamp = self._read_stamp()
            if stamp == self._stamp:
                return
            self._stamp = stamp  # a broken file is reported once, not on every check
            if stamp is None:
                log.error("config %s: cannot stat; keeping config %s", self.path, self.short)
                return
            self._swap()

    def reload(self) -> Loaded:
        """Load the file now, changed or not. If it does not load, the running config is
        kept and ``ConfigError`` says why."""
        with self._lock:
            self._checked = time.monotonic()
            self._stamp = self._read_stamp()
            err = self._swap()
            if err is None:
                return self._loaded
        if isinstance(err, ConfigError):
            raise err
        raise ConfigError(str(self.path), [("", f"{type(err).__name__}: {err}")]) from err

    @property
    def short(self) -> str:
        """The running config's hash, shortened for messages."""
        return self._loaded.hash[:12]

    def _swap(self) -> Exception | None:
        try:
            new = self._load()
        except Exception as err:  # a broken config or policy must never stop the server
            log.error("config reload failed; keeping config %s:\n%s", self.short, err)
            return err
        if new.hash != self._loaded.hash:
            log.info("config %s loaded: %s -> %s", self.path, self.short, new.hash[:12])
        self._loaded = new
        return None


# --- requests -----------------------------------------------------------------------------


class RequestError(ValueError):
    """A request the server cannot serve; the message says what was wrong."""

    def __init__(self, message: str, status: int = 400, close: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.close = close  # the connection cannot be reused (its body was not read)


def parse_json_object(body: bytes) -> dict[str, Any]:
    if not body.strip():
        raise RequestError("empty request body; expected a JSON object")
    try:
        value = json.loads(body)
    except ValueError as err:  # JSONDecodeError and UnicodeDecodeError
        raise RequestError(f"malformed JSON: {err}") from None
    except RecursionError:
        raise RequestError("malformed JSON: nested too deeply") from None
    if not isinstance(value, dict):
        raise RequestError(f"expected a JSON object, got {type(value).__name__}")
    return value


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


class SnakeServer(ThreadingHTTPServer):
    """A threading HTTP server that carries the live config and the body size limit."""

    daemon_threads = True
    live: LiveConfig
    max_body: int

    def __init__(
        self, address: tuple[str, int], live: LiveConfig, max_body: int = MAX_BODY_BYTES
    ) -> None:
        self.live = live
        self.max_body = max_body
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, SnakeHandler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        host = f"[{host}]" if ":" in str(host) else host
        return f"http://{host}:{port}"


class SnakeHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    disable_nagle_algorithm = True  # TCP_NODELAY on every accepted socket
    timeout = IDLE_TIMEOUT_S
    server: SnakeServer

    # -- plumbing --

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib signature)
        log.debug("%s %s", self.address_string(), format % args)

    def reply(self, status: int, payload: Mapping[str, Any]) -> None:
        """Status line, headers and body in one write (one packet for a small reply)."""
        body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
        connection = "close" if self.close_connection else "keep-alive"
        head = (
            f"{self.protocol_version} {status} {HTTPStatus(status).phrase}\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n"
            f"Connection: {connection}\r\n\r\n"
        )
        self.wfile.write(head.encode("latin-1") + body)
        self.log_request(status, len(body))

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Protocol errors found by the stdlib (bad request line, unknown method) as JSON."""
        self.close_connection = True
        try:
            phrase = HTTPStatus(code).phrase
        except ValueError:
            phrase = "error"
        self.reply(code, {"error": message or phrase})

    def read_body(self) -> bytes:
        if "Transfer-Encoding" in self.headers:
            raise RequestError(
                "Transfer-Encoding is not supported; send the body with Content-Length",
                close=True,
            )
        text = self.headers.get("Content-Length", "0").strip()
        if not (text.isascii() and text.isdigit()):
            raise RequestError(f"Content-Length: expected a byte count, got {text!r}", close=True)
        size = int(text)
        if size > self.server.max_body:
            raise RequestError(
                f"request body of {size} bytes is over the limit of {self.server.max_body} bytes",
                close=True,
            )
        body = self.rfile.read(size)
        if len(body) < size:
            raise RequestError(f"request body ended after {len(body)} of {size} bytes", close=True)
        return body

    def handle_request(self, route: Callable[[bytes], tuple[int, Mapping[str, Any]]]) -> None:
        try:
            status, payload = route(self.read_body())
        except RequestError as err:
            if err.close:
                self.close_connection = True
            log.warning("%s %s: %d %s", self.command, self.path, err.status, err)
            status, payload = err.status, {"error": str(err)}
        except Exception as err:  # a bug must cost one request, not the server
            log.exception("%s %s failed", self.command, self.path)
            status, payload = 500, {"error": f"internal error: {type(err).__name__}: {err}"}
        self.reply(status, payload)

    def do_GET(self) -> None:  # noqa: N802 (stdlib name)
        self.handle_request(self.route_get)

    def do_POST(self) -> None:  # noqa: N802 (stdlib name)
        self.handle_request(self.route_post)

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
        game goes on while the traceback is logged."""
        loaded = self.server.live.current
        try:
            return decide(loaded.policy, move.board, move.you, move.seed)
        except Exception:
            log.exception("policy of config %s failed; playing random-safe", loaded.hash[:12])
            return decide(RandomSafe(), move.board, move.you, move.seed)

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
) -> SnakeServer:
    """A bound server (port 0: any free port) for ``config_path``; ``ConfigError`` if the
    config does not load, ``OSError`` if the address cannot be bound. Run ``serve_forever``."""
    live = LiveConfig(config_path, make=make, reload_interval=reload_interval)
    return SnakeServer((host, port), live, max_body=max_body)


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
