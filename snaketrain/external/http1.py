"""The referee's HTTP/1.1 client connection: one request at a time, kept alive between them.

``Connection`` is an ``asyncio.Protocol``: ``request(data)`` writes a whole request at once and
returns a future of ``(status, body)``. ``ResponseParser`` reads the answer with llhttp
(``httptools``, the parser of Node.js and uvicorn), framed as RFC 9112 says: a
``Content-Length`` body, a chunked one (trailers skipped), or one that ends when the server
closes the connection; 1xx interim answers are skipped; a ``gzip`` or ``deflate``
``Content-Encoding`` is decoded (as Go's client, the official CLI's, decodes gzip). A
connection is kept for the next request unless the answer says ``Connection: close``, is an
HTTP/1.0 answer without ``keep-alive``, ends with the connection, or brings more bytes than
its frame. An answer that is not HTTP fails with ``ProtocolError``.
"""

from __future__ import annotations

import asyncio
import zlib
from typing import cast

import httptools

MAX_HEAD_BYTES = 64 * 1024
"""Longest status line and headers of an answer."""

MAX_BODY_BYTES = 64 * 1024 * 1024
"""Largest answer body (a ``/move`` answer is a few bytes)."""

_NO_BODY = (204, 304)


class ProtocolError(ConnectionError):
    """An answer that is not HTTP/1.x, or one framed wrongly."""


class ResponseParser:
    """One response, fed in pieces: ``feed`` returns True once it is whole.

    The framing is llhttp's (``httptools``, Node.js's parser); this class adds what the referee
    needs on top: interim answers skipped, a body framed by the close, size limits, decoding."""

    def __init__(self) -> None:
        self.status = 0
        self.body = b""
        self.keep_alive = True
        self._parser = httptools.HttpResponseParser(self)
        self._chunks: list[bytes] = []
        self._size = 0
        self._head_bytes = 0
        self._headers_done = False
        self._framed = False  # a Content-Length or chunked body (else: ends with the close)
        self._encoding = b""
        self._done = False

    def feed(self, data: bytes) -> bool:
        if self._done:  # bytes past the answer: the connection is out of step
            self.keep_alive = False
            return True
        if not self._headers_done:
            self._head_bytes += len(data)
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as err:
            if self._done:  # the answer was whole; what follows it is not
                self.keep_alive = False
                return True
            cause = err.__cause__ or err.__context__
            if isinstance(cause, ProtocolError):  # raised by a callback below
                raise cause from None
            raise ProtocolError(f"not a valid HTTP/1.x answer: {err}") from None
        if not self._headers_done and self._head_bytes > MAX_HEAD_BYTES:
            raise ProtocolError(f"answer headers over {MAX_HEAD_BYTES} bytes")
        return self._done

    def eof(self) -> bool:
        """The server closed the connection: True if that ends the answer (a body framed by
        the close), else ``ProtocolError``."""
        if self._done:
            return True
        if self._headers_done and not self._framed:
            self.keep_alive = False
            self._finish()
            return True
        raise ProtocolError("connection closed before the whole answer")

    # llhttp's callbacks
    def on_message_begin(self) -> None:
        if self._done:  # bytes past the answer: the connection is out of step
            self.keep_alive = False

    def on_header(self, name: bytes, value: bytes) -> None:
        name = name.lower()
        if name in (b"content-length", b"transfer-encoding"):
            self._framed = True
        elif name == b"content-encoding":
            self._encoding = value.strip().lower()

    def on_headers_complete(self) -> None:
        status = self._parser.get_status_code()
        if 100 <= status < 200:  # an interim answer (100 Continue): the real one follows
            self._framed, self._encoding = False, b""
            return
        self.status = status
        self._headers_done = True
        if status in _NO_BODY:
            self._framed = True

    def on_body(self, body: bytes) -> None:
        self._size += len(body)
        if self._size > MAX_BODY_BYTES:
            raise ProtocolError(f"answer body over {MAX_BODY_BYTES} bytes")
        self._chunks.append(body)

    def on_message_complete(self) -> None:
        if not self._headers_done:  # the end of an interim answer
            self._head_bytes = 0
            return
        self.keep_alive = self._parser.should_keep_alive()
        self._finish()

    def _finish(self) -> None:
        body = b"".join(self._chunks)
        if self._encoding in (b"gzip", b"x-gzip", b"deflate"):
            window = 31 if self._encoding != b"deflate" else 15
            try:
                body = zlib.decompress(body, window)
            except zlib.error as err:
                raise ProtocolError(f"bad {self._encoding.decode()} body: {err}") from None
        self.body = body
        self._done = True


class Connection(asyncio.Protocol):
    """A client connection (``loop.create_connection(Connection, host, port)``)."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.open = False
        self._parser: ResponseParser | None = None
        self._waiter: asyncio.Future[tuple[int, bytes]] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's are not subclasses
        self.open = True

    def request(self, data: bytes) -> asyncio.Future[tuple[int, bytes]]:
        """Send a whole request; the future gets its answer's status and body."""
        assert self.transport is not None and self._waiter is None
        self._parser = ResponseParser()
        self._waiter = asyncio.get_running_loop().create_future()
        self.transport.write(data)
        return self._waiter

    def close(self) -> None:
        self.open = False
        if self.transport is not None:
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        parser = self._parser
        if parser is None:  # bytes no request asked for
            self.close()
            return
        try:
            done = parser.feed(data)
        except ProtocolError as err:
            self._fail(err)
            return
        if done:
            self._answer(parser)

    def eof_received(self) -> bool:
        parser = self._parser
        self.open = False
        if parser is not None:
            try:
                if parser.eof():
                    self._answer(parser)
            except ProtocolError as err:
                self._fail(err)
        return False  # close the transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.open = False
        self._fail(exc or ProtocolError("connection closed before the whole answer"))

    def _answer(self, parser: ResponseParser) -> None:
        waiter, self._waiter, self._parser = self._waiter, None, None
        if not parser.keep_alive:
            self.close()
        if waiter is not None and not waiter.done():
            waiter.set_result((parser.status, parser.body))

    def _fail(self, err: BaseException) -> None:
        waiter, self._waiter, self._parser = self._waiter, None, None
        self.close()
        if waiter is not None and not waiter.done():
            waiter.set_exception(err if isinstance(err, OSError) else ProtocolError(str(err)))
