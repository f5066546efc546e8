"""The snake server's HTTP/1.1 plumbing: JSON in and out, and bounds on what a peer can hold.

- The listen backlog is the system's largest (``socket.SOMAXCONN``): a burst of connections
  waits in the kernel's accept queue for microseconds (a backlog of 5 made 25-43 of 50
  simultaneous connections wait 1-9 s on SYN retransmits).
- A request must arrive whole (request line, headers and body) within ``request_timeout``
  seconds of its first byte; if it does not, it is answered 408 and its connection closed. A
  kept-alive connection may wait ``idle_timeout`` seconds for its next request.
- At most ``max_connections`` connections are open, one thread each. A new connection beyond
  that closes the connection idle longest, if one has been idle for ``request_timeout`` (its
  client reconnects); if none has, the new connection is answered 503 and closed at once.
- Every response is one write with ``Content-Length`` on a ``TCP_NODELAY`` socket (headers and
  body in separate packets cost ~40 ms on a kept-alive connection: Nagle against delayed ACK).
- A ``RequestError`` becomes its status and ``{"error": "<what and where>"}``; any other
  exception is a bug: logged, answered 500, and the server serves on.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import re
import socket
import sys
import threading
import time
from collections.abc import Callable, Mapping
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

log = logging.getLogger(__name__)

LISTEN_BACKLOG = socket.SOMAXCONN
"""Connections the kernel holds before they are accepted (it caps this at net.core.somaxconn)."""

MAX_BODY_BYTES = 1 << 20
"""Largest request body accepted (a 25x25 board with 16 snakes is well under 100 KiB)."""

REQUEST_TIMEOUT_S = 5.0
"""Time from a request's first byte to the end of its body."""

IDLE_TIMEOUT_S = 120.0
"""A kept-alive connection with no request for this long is closed."""

MAX_CONNECTIONS = 64
"""Connections open at once (one thread each)."""

Route = Callable[[bytes], tuple[int, Mapping[str, Any]]]


class RequestError(ValueError):
    """A request the server cannot serve; the message says what was wrong."""

    def __init__(self, message: str, status: int = 400, close: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.close = close  # the connection cannot be reused (its body was not read)


class RequestTimeout(Exception):
    """The request did not arrive whole within the request timeout."""


# --- JSON at the edge ---------------------------------------------------------------------

_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _lone_surrogate(value: Any) -> tuple[str, str] | None:
    """The path of the first string (or key) holding a lone surrogate, and the surrogate."""
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            found = _SURROGATE.search(item)
            if found:
                return where or "the body", found.group()
        elif isinstance(item, dict):
            for key, v in item.items():
                found = _SURROGATE.search(key)
                if found:
                    return f"{where or 'the body'}: key {ascii(key)}", found.group()
                stack.append((f"{where}.{key}" if where else key, v))
        elif isinstance(item, list):
            stack.extend((f"{where}[{i}]", v) for i, v in enumerate(item))
    return None


def parse_json_object(body: bytes) -> dict[str, Any]:
    """A JSON object from a UTF-8 body; ``RequestError`` naming what is wrong otherwise
    (including a string holding a lone surrogate such as ``"\\ud800"``, which is no text)."""
    if not body.strip():
        raise RequestError("empty request body; expected a JSON object")
    try:
        text = body.decode("utf-8-sig")
        value = json.loads(text)
    except UnicodeDecodeError as err:
        raise RequestError(f"malformed JSON: the body is not UTF-8: {err}") from None
    except ValueError as err:  # JSONDecodeError, and ints over the digit limit
        raise RequestError(f"malformed JSON: {err}") from None
    except RecursionError:
        raise RequestError("malformed JSON: nested too deeply") from None
    if not isinstance(value, dict):
        raise RequestError(f"expected a JSON object, got {type(value).__name__}")
    if _SURROGATE_ESCAPE.search(text):  # only a \u escape can make one in decoded UTF-8
        found = _lone_surrogate(value)
        if found:
            where, char = found
            raise RequestError(
                f"malformed JSON: {where}: lone surrogate {ascii(char)[1:-1]}; "
                "strings must be Unicode text (a surrogate only as half of a pair)"
            )
    return value


# --- connections --------------------------------------------------------------------------


def _shut(sock: socket.socket) -> None:
    """Wake the thread blocked on ``sock`` (its read returns end of file)."""
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


class Connections:
    """The open connections, each idle (since a time) or busy with a request."""

    def __init__(self, limit: int, min_idle: float) -> None:
        self.limit = limit
        self.min_idle = min_idle  # idle at least this long before closed to make room
        self.closing = False
        self._lock = threading.Lock()
        self._idle_since: dict[socket.socket, float | None] = {}  # None: busy
        self._admitted: dict[socket.socket, float] = {}

    def admit(self, sock: socket.socket) -> bool:
        """Count ``sock`` in (idle), closing the longest-idle connection if at the limit;
        False if every open connection is busy or recently idle."""
        now = time.monotonic()
        with self._lock:
            if self.closing:
                return False
            if len(self._idle_since) >= self.limit:
                idle = [(t, s) for s, t in self._idle_since.items() if t is not None]
                t, victim = min(idle, key=lambda ts: ts[0], default=(now, None))
                if victim is None or now - t < self.min_idle:
                    return False
                del self._idle_since[victim], self._admitted[victim]
                _shut(victim)
            self._idle_since[sock] = self._admitted[sock] = now
            return True

    def admitted(self, sock: socket.socket) -> float | None:
        """When ``sock`` was accepted (``time.monotonic()``); None if it is not open."""
        with self._lock:
            return self._admitted.get(sock)

    def busy(self, sock: socket.socket) -> bool:
        """Mark ``sock`` busy; False if it was closed to make room or the server closes."""
        with self._lock:
            if self.closing or sock not in self._idle_since:
                return False
            self._idle_since[sock] = None
            return True

    def idle(self, sock: socket.socket) -> bool:
        """Mark ``sock`` idle; False if it should close (the server closes)."""
        with self._lock:
            if sock in self._idle_since:
                self._idle_since[sock] = time.monotonic()
            return not self.closing

    def remove(self, sock: socket.socket) -> None:
        with self._lock:
            self._idle_since.pop(sock, None)
            self._admitted.pop(sock, None)

    def close_idle(self) -> None:
        """Refuse new requests from now on and wake every idle connection to close."""
        with self._lock:
            self.closing = True
            for sock, t in self._idle_since.items():
                if t is not None:
                    _shut(sock)


class _DeadlineReader(io.RawIOBase):
    """A socket's read side: waits ``idle_timeout`` for bytes while ``deadline`` is None, else
    raises ``RequestTimeout`` once the monotonic clock passes ``deadline``."""

    def __init__(self, sock: socket.socket, idle_timeout: float) -> None:
        self.sock = sock
        self.idle_timeout = idle_timeout
        self.deadline: float | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.deadline is None:
            self.sock.settimeout(self.idle_timeout)
            return self.sock.recv_into(buffer)
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise RequestTimeout
        self.sock.settimeout(left)
        try:
            return self.sock.recv_into(buffer)
        except TimeoutError:
            raise RequestTimeout from None


# --- the server ---------------------------------------------------------------------------


class JsonServer(ThreadingHTTPServer):
    """A threading HTTP server with the bounds above; ``handler`` serves the routes."""

    daemon_threads = True
    request_queue_size = LISTEN_BACKLOG

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[JsonHandler],
        *,
        max_body: int = MAX_BODY_BYTES,
        request_timeout: float = REQUEST_TIMEOUT_S,
        idle_timeout: float = IDLE_TIMEOUT_S,
        max_connections: int = MAX_CONNECTIONS,
    ) -> None:
        self.max_body = max_body
        self.request_timeout = request_timeout
        self.idle_timeout = idle_timeout
        self.connections = Connections(max_connections, min_idle=request_timeout)
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        host = f"[{host}]" if ":" in str(host) else host
        return f"http://{host}:{port}"

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self.connections.admit(request):
            self.refuse(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.connections.remove(request)
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.connections.remove(request)

    def refuse(self, sock: socket.socket) -> None:
        """503 and close, from the accepting thread, without waiting on the peer."""
        limit = self.connections.limit
        message = f"server busy: all {limit} connections are in use; retry shortly"
        log.warning("refused a connection: %s", message)
        body = json.dumps({"error": message}).encode()
        head = (
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        sock.setblocking(False)
        with contextlib.suppress(OSError):
            sock.recv(65536)  # what already arrived: closing on unread data resets
        with contextlib.suppress(OSError):
            sock.send(head.encode("latin-1") + body)
        self.shutdown_request(sock)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A peer that went away is routine; anything else is a bug worth a traceback."""
        if isinstance(sys.exc_info()[1], OSError):
            log.debug("connection from %s ended", client_address, exc_info=True)
        else:
            log.exception("connection from %s failed", client_address)

    def server_close(self) -> None:
        self.connections.close_idle()
        super().server_close()


class JsonHandler(BaseHTTPRequestHandler):
    """One connection: requests read within the deadline, routed, answered in one write."""

    protocol_version = "HTTP/1.1"  # keep-alive
    disable_nagle_algorithm = True  # TCP_NODELAY on every accepted socket
    server: JsonServer
    # time.monotonic() when the request being served came: its first byte, or for the first
    # request of a connection its accept (its bytes wait unseen until the thread runs)
    started: float

    def setup(self) -> None:
        super().setup()
        self.rfile.close()  # the stdlib's reader; ours bounds each request's read time
        self.reader = _DeadlineReader(self.connection, self.server.idle_timeout)
        self.rfile = io.BufferedReader(self.reader)
        self.accepted: float | None = self.server.connections.admitted(self.connection)

    def handle_one_request(self) -> None:
        connections = self.server.connections
        if not self.await_request():
            self.close_connection = True
            return
        self.requestline = self.command = self.path = ""
        now = time.monotonic()  # the request's first byte is here
        self.started = now if self.accepted is None else self.accepted
        self.accepted = None
        self.reader.deadline = now + self.server.request_timeout
        try:
            super().handle_one_request()
        except RequestTimeout:  # in the request line or the headers
            self.close_connection = True
            self.reply(408, {"error": self.late()})
        finally:
            self.reader.deadline = None
            if not connections.idle(self.connection):
                self.close_connection = True

    def await_request(self) -> bool:
        """Wait (up to the idle timeout) for the first byte of the next request."""
        try:
            first = self.rfile.peek(1)
        except OSError:  # the idle timeout, a reset, or closed to make room
            return False
        return bool(first) and self.server.connections.busy(self.connection)

    def late(self) -> str:
        return (
            f"request not complete {self.server.request_timeout:g} s after its first byte; "
            "send the request line, headers and body within that time"
        )

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
        self.connection.settimeout(self.server.request_timeout)  # a peer that never reads
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
        try:
            body = self.rfile.read(size)
        except RequestTimeout:
            raise RequestError(self.late(), status=408, close=True) from None
        if len(body) < size:
            raise RequestError(f"request body ended after {len(body)} of {size} bytes", close=True)
        return body

    def handle_request(self, route: Route) -> None:
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

    def route_get(self, body: bytes) -> tuple[int, Mapping[str, Any]]:
        raise RequestError(f"no such resource: GET {self.path}", status=404)

    def route_post(self, body: bytes) -> tuple[int, Mapping[str, Any]]:
        raise RequestError(f"no such resource: POST {self.path}", status=404)
