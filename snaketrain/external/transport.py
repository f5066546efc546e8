"""The referee's HTTP transport: one ``aiohttp.ClientSession`` for every game.

A ``TCPConnector`` keeps connections alive and bounds how many are open at once (enough for
every request of every game in flight); each request is bounded as a whole by its timeout
(connecting, sending, reading the answer). ``post`` returns the status and the body, raises
``TimeoutError`` past the timeout and ``TransportError`` (an ``OSError``) when the request
fails below HTTP (refused, reset, a broken answer), so callers need not know aiohttp.
"""

from __future__ import annotations

from types import TracebackType
from typing import Protocol

import aiohttp
from yarl import URL

HEADERS = {"Content-Type": "application/json"}


class TransportError(ConnectionError):
    """A request that failed below HTTP: no connection, a reset, an answer that is not HTTP."""


class Transport(Protocol):
    """What the referee needs of a client: a POST with a body, its status and answer."""

    async def post(self, url: str, body: bytes, timeout_s: float) -> tuple[int, bytes]: ...


class HttpClient:
    """An aiohttp session for ``async with``: ``connections`` kept-alive connections at most,
    no proxies from the environment."""

    def __init__(self, connections: int = 64) -> None:
        self.connections = connections
        self._session: aiohttp.ClientSession | None = None
        self._timeouts: dict[float, aiohttp.ClientTimeout] = {}
        self._urls: dict[str, URL] = {}  # parsed once: a few URLs per instance, asked every turn

    async def __aenter__(self) -> HttpClient:
        connector = aiohttp.TCPConnector(limit=self.connections, limit_per_host=0)
        self._session = aiohttp.ClientSession(connector=connector, trust_env=False)
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _timeout(self, seconds: float) -> aiohttp.ClientTimeout:
        timeout = self._timeouts.get(seconds)
        if timeout is None:
            timeout = self._timeouts[seconds] = aiohttp.ClientTimeout(total=seconds)
        return timeout

    def _url(self, url: str) -> URL:
        parsed = self._urls.get(url)
        if parsed is None:
            if len(self._urls) >= 4096:
                self._urls.clear()
            parsed = self._urls[url] = URL(url)
        return parsed

    async def post(self, url: str, body: bytes, timeout_s: float) -> tuple[int, bytes]:
        if self._session is None:
            raise RuntimeError("HttpClient.post outside `async with`")
        try:
            async with self._session.post(
                self._url(url), data=body, headers=HEADERS, timeout=self._timeout(timeout_s)
            ) as response:
                return response.status, await response.read()
        except TimeoutError:
            raise
        except aiohttp.ClientError as err:
            raise TransportError(f"POST {url}: {err!r}") from err


def new_client(connections: int = 64) -> HttpClient:
    """One client for all games (``async with new_client(n) as client``)."""
    return HttpClient(connections)
