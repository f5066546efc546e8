"""The referee's HTTP/1.1 client connection: one request at a time, kept alive between them.

``Connection`` is an ``asyncio.Protocol``: ``request(data)`` writes a whole request at once and
returns a future of ``(status, body)``. ``ResponseParser`` reads the answer as RFC 9112 frames
it: a ``Content-Length`` body, a chunked one (trailers skipped), or one that ends when the
server closes the connection; 1xx interim answers are skipped; a ``gzip`` or ``deflate``
``Content-Encoding`` is decoded (as Go's client, the official CLI's, decodes gzip). A
connection is kept for the next request unless the answer says ``Connection: close``, is an
HTTP/1.0 answer without ``keep-alive``, ends with the connection, or brings more bytes than
its frame. An answer that is not HTTP fails with ``ProtocolError``.
"""

from __future__ import annotations

import asyncio
import zlib

MAX_HEAD_BYTES = 64 * 1024
"""Longest status line and headers of an answer."""

MAX_BODY_BYTES = 64 * 1024 * 1024
"""Largest answer body (a ``/move`` answer is a few bytes)."""

_NO_BODY = (204, 304)


class ProtocolError(ConnectionError):
    """An answer that is not HTTP/1.x, or one framed wrongly."""


class ResponseParser:
    """One response, fed in pieces: ``feed`` returns True once it is whole."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.status = 0
        self.body = b""
        self.keep_alive = True
        self._state = "head"  # head, length, chunk-size, chunk-data, trailers, close, done
        self._remaining = 0
        self._chunks: list[bytes] = []
        self._encoding = b""

    def feed(self, data: bytes) -> bool:
        self.buffer += data
        while True:
            state = self._state
            if state == "head":
                if not self._head():
                    return False
            elif state == "length":
                if len(self.buffer) < self._remaining:
                    return False
                self._finish(bytes(self.buffer[: self._remaining]), self._remaining)
            elif state == "close":
                if len(self.buffer) > MAX_BODY_BYTES:
                    raise ProtocolError(f"answer body over {MAX_BODY_BYTES} bytes")
                return False
            elif state == "done":
                if self.buffer:  # bytes past the answer: the connection is out of step
                    self.keep_alive = False
                return True
            elif not self._chunked():
                return False

    def eof(self) -> bool:
        """The server closed the connection: True if that ends the answer (a body framed by
        the close), else ``ProtocolError``."""
        if self._state == "close":
            self.keep_alive = False
            self._finish(bytes(self.buffer), len(self.buffer))
            return True
        if self._state == "done":
            return True
        raise ProtocolError("connection closed before the whole answer")

    def _head(self) -> bool:
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self.buffer) > MAX_HEAD_BYTES:
                raise ProtocolError(f"answer headers over {MAX_HEAD_BYTES} bytes")
            return False
        lines = bytes(self.buffer[:end]).split(b"\r\n")
        del self.buffer[: end + 4]
        status_line = lines[0]
        if not status_line.startswith(b"HTTP/1.") or len(status_line) < 12:
            raise ProtocolError(f"not an HTTP/1.x answer: {status_line[:80]!r}")
        code = status_line[9:12]
        if not code.isdigit() or status_line[12:13] not in (b"", b" "):
            raise ProtocolError(f"not an HTTP status line: {status_line[:80]!r}")
        status = int(code)
        if 100 <= status < 200:
            return True  # an interim answer (100 Continue): the real one follows
        length: int | None = None
        chunked = False
        connection = b""
        for line in lines[1:]:
            name, sep, value = line.partition(b":")
            if not sep:
                raise ProtocolError(f"not a header line: {line[:80]!r}")
            name = name.strip().lower()
            if name == b"content-length":
                value = value.strip()
                if not value.isdigit() or (length is not None and int(value) != length):
                    raise ProtocolError(f"bad Content-Length: {value[:40]!r}")
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = value.strip().lower().endswith(b"chunked")
            elif name == b"connection":
                connection = value.strip().lower()
            elif name == b"content-encoding":
                self._encoding = value.strip().lower()
        self.status = status
        if status_line.startswith(b"HTTP/1.0"):
            self.keep_alive = b"keep-alive" in connection
        else:
            self.keep_alive = b"close" not in connection
        if status in _NO_BODY:
            self._finish(b"", 0)
        elif chunked:
            self._state = "chunk-size"
        elif length is not None:
            if length > MAX_BODY_BYTES:
                raise ProtocolError(f"answer body over {MAX_BODY_BYTES} bytes")
            self._state, self._remaining = "length", length
        else:
            self._state = "close"
        return True

    def _chunked(self) -> bool:
        """One step of a chunked body; False when it needs more bytes."""
        if self._state == "chunk-data":
            if len(self.buffer) < self._remaining + 2:
                return False
            if self.buffer[self._remaining : self._remaining + 2] != b"\r\n":
                raise ProtocolError("chunk not followed by CRLF")
            self._chunks.append(bytes(self.buffer[: self._remaining]))
            del self.buffer[: self._remaining + 2]
            self._state = "chunk-size"
            return True
        end = self.buffer.find(b"\r\n")
        if end < 0:
            if len(self.buffer) > MAX_HEAD_BYTES:
                raise ProtocolError("chunk size line too long")
            return False
        line = bytes(self.buffer[:end])
        del self.buffer[: end + 2]
        if self._state == "trailers":
            if not line:
                self._finish(b"".join(self._chunks), 0)
            return True
        size = line.partition(b";")[0].strip()
        try:
            self._remaining = int(size, 16)
        except ValueError:
            raise ProtocolError(f"bad chunk size: {size[:40]!r}") from None
        if self._remaining < 0 or sum(map(len, self._chunks)) + self._remaining > MAX_BODY_BYTES:
            raise ProtocolError(f"answer body over {MAX_BODY_BYTES} bytes")
        self._state = "chunk-data" if self._remaining else "trailers"
        return True

    def _finish(self, body: bytes, used: int) -> None:
        del self.buffer[:used]
        if self._encoding in (b"gzip", b"x-gzip", b"deflate"):
            window = 31 if self._encoding != b"deflate" else 15
            try:
                body = zlib.decompress(body, window)
            except zlib.error as err:
                raise ProtocolError(f"bad {self._encoding.decode()} body: {err}") from None
        self.body = body
        self._state = "done"


class Connection(asyncio.Protocol):
    """A client connection (``loop.create_connection(Connection, host, port)``)."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.open = False
        self._parser: ResponseParser | None = None
        self._waiter: asyncio.Future[tuple[int, bytes]] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
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
