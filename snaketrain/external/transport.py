"""The referee's HTTP transport: one client for every game, its connections kept alive.

``HttpClient`` speaks HTTP/1.1 itself (``http1.Connection``, on asyncio's own transports, TLS
for ``https://``): each request is one write of a prebuilt head and the body, and its answer is
read without a general-purpose client's layers (cookies, redirects, tracing, header objects),
which cost the referee more CPU per turn than the official CLI spends (README, "Against the
official CLI"). Idle connections are kept per host and reused last-in first-out; at most
``connections`` requests are in flight at once (the others wait, within their timeout). Each
request is bounded as a whole by its timeout (connecting, sending, reading the answer).
``post`` returns the status and the body, raises ``TimeoutError`` past the timeout and
``TransportError`` (an ``OSError``) when the request fails below HTTP (refused, reset, an
answer that is not HTTP), so callers need not know how it is done.
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol
from urllib.parse import quote, urlsplit

from .http1 import Connection

USER_AGENT = "snaketrain"
_MAX_TARGETS = 4096
_SAFE = "/%:@!$&'()*+,;=-._~"  # kept as they are in a path


class TransportError(ConnectionError):
    """A request that failed below HTTP: no connection, a reset, an answer that is not HTTP."""


class Transport(Protocol):
    """What the referee needs of a client: a POST with a body, its status and answer."""

    async def post(self, url: str, body: bytes, timeout_s: float) -> tuple[int, bytes]: ...


@dataclass(frozen=True)
class _Target:
    """A URL, parsed once: where to connect and the request's head up to its length."""

    key: tuple[str, str, int]  # scheme, host, port
    head: bytes

    @staticmethod
    def of(url: str) -> _Target:
        try:
            return _Target._parse(url)
        except (UnicodeError, ValueError) as err:
            raise TransportError(f"POST {url}: not a valid URL ({err})") from None

    @staticmethod
    def _parse(url: str) -> _Target:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("not an http:// or https:// URL with a host")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        path = quote(parts.path or "/", safe=_SAFE)
        if parts.query:
            path += "?" + quote(parts.query, safe=_SAFE + "?")
        name = parts.hostname
        host = f"[{name}]" if ":" in name else name.encode("idna").decode("ascii")
        if parts.port:
            host += f":{parts.port}"
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: {USER_AGENT}\r\n"
            "Content-Type: application/json\r\nContent-Length: "
        )
        return _Target((parts.scheme, parts.hostname, port), head.encode("ascii"))


class HttpClient:
    """The client, for ``async with``: at most ``connections`` requests in flight, idle
    connections kept alive; no proxies."""

    def __init__(self, connections: int = 64) -> None:
        self.connections = connections
        self._slots: asyncio.Semaphore | None = None
        self._targets: dict[str, _Target] = {}
        self._idle: dict[tuple[str, str, int], list[Connection]] = {}
        self._open: set[Connection] = set()
        self._tls: ssl.SSLContext | None = None

    async def __aenter__(self) -> HttpClient:
        self._slots = asyncio.Semaphore(self.connections)
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._slots = None
        for conn in self._open:
            conn.close()
        self._open.clear()
        self._idle.clear()
        await asyncio.sleep(0)  # the transports' close callbacks run (sockets closed)

    def _target(self, url: str) -> _Target:
        target = self._targets.get(url)
        if target is None:
            if len(self._targets) >= _MAX_TARGETS:
                self._targets.clear()
            target = self._targets[url] = _Target.of(url)
        return target

    async def _connect(self, key: tuple[str, str, int]) -> Connection:
        scheme, host, port = key
        tls = None
        if scheme == "https":
            tls = self._tls = self._tls or ssl.create_default_context()
        loop = asyncio.get_running_loop()
        _, conn = await loop.create_connection(Connection, host, port, ssl=tls)
        self._open.add(conn)
        return conn

    async def post(self, url: str, body: bytes, timeout_s: float) -> tuple[int, bytes]:
        slots = self._slots
        if slots is None:
            raise RuntimeError("HttpClient.post outside `async with`")
        target = self._target(url)
        request = b"%s%d\r\n\r\n%s" % (target.head, len(body), body)
        conn: Connection | None = None
        try:
            async with asyncio.timeout(timeout_s), slots:
                idle = self._idle.get(target.key)
                while idle:
                    conn = idle.pop()
                    if conn.open:
                        break
                    self._open.discard(conn)
                    conn = None
                if conn is None:
                    conn = await self._connect(target.key)
                answer = await conn.request(request)
        except BaseException as err:
            if conn is not None:  # mid-request (timeout, cancelled, failed): not reusable
                conn.close()
                self._open.discard(conn)
            if isinstance(err, OSError) and not isinstance(err, TimeoutError):
                raise TransportError(f"POST {url}: {err!r}") from err
            raise
        if conn.open:
            self._idle.setdefault(target.key, []).append(conn)
        else:
            self._open.discard(conn)
        return answer


def new_client(connections: int = 64) -> HttpClient:
    """One client for all games (``async with new_client(n) as client``)."""
    return HttpClient(connections)
