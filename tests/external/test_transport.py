"""The referee's HTTP client: status and body back, one connection kept alive for many
requests, a timeout as ``TimeoutError``, a failure below HTTP as ``TransportError``."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from snaketrain.external.transport import HttpClient, TransportError, new_client


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    peers: set[int] = set()

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.peers.add(self.client_address[1])
        if self.path == "/slow":
            time.sleep(1.0)
        if self.path in ("/slow", "/reset"):  # no answer at all
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        status = 404 if self.path == "/missing" else 200
        answer = self.headers["Content-Type"].encode() + b" " + body
        self.send_response(status)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Handler.peers = set()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


async def _posts(url: str, paths: list[str], timeout_s: float = 5.0) -> list[object]:
    async with new_client(4) as client:
        out: list[object] = []
        for path in paths:
            try:
                out.append(await client.post(url + path, b'{"turn":1}', timeout_s))
            except (TimeoutError, TransportError) as err:
                out.append(type(err))
        return out


def test_status_and_body_come_back_over_one_kept_alive_connection(url):
    answers = asyncio.run(_posts(url, ["/move", "/move", "/missing"]))
    assert answers == [
        (200, b'application/json {"turn":1}'),
        (200, b'application/json {"turn":1}'),
        (404, b'application/json {"turn":1}'),
    ]
    assert len(_Handler.peers) == 1


def test_a_timeout_is_a_timeout_error_and_a_reset_a_transport_error(url):
    assert asyncio.run(_posts(url, ["/slow", "/reset"], timeout_s=0.2)) == [
        TimeoutError,
        TransportError,
    ]


def test_a_refused_connection_is_a_transport_error():
    assert asyncio.run(_posts("http://127.0.0.1:9", ["/move"])) == [TransportError]


def test_post_outside_async_with_says_so():
    with pytest.raises(RuntimeError, match="outside `async with`"):
        asyncio.run(HttpClient().post("http://127.0.0.1:9/move", b"{}", 1.0))


@pytest.fixture
def raw() -> Iterator[tuple[str, list[bytes]]]:
    """A server that reads one request per connection, answers it with the bytes queued for it
    in ``answers`` (one entry a connection, b"" for no answer) and closes the connection."""
    answers: list[bytes] = []
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    data += conn.recv(4096)
                conn.sendall(answers.pop(0))

    threading.Thread(target=serve, daemon=True).start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}", answers
    listener.close()


def test_a_connection_the_server_closed_is_not_reused(raw):
    url, answers = raw
    answers += [b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na"] * 2

    async def two() -> list[tuple[int, bytes]]:
        async with new_client(4) as client:
            first = await client.post(url + "/move", b"{}", 5.0)
            await asyncio.sleep(0.2)  # the server's close reaches the client
            return [first, await client.post(url + "/move", b"{}", 5.0)]

    assert asyncio.run(two()) == [(200, b"a"), (200, b"a")]


def test_an_answer_that_is_not_http_or_ends_early_is_a_transport_error(raw):
    url, answers = raw
    answers += [b"SSH-2.0-OpenSSH\r\n\r\n", b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n{}", b""]
    assert asyncio.run(_posts(url, ["/move"] * 3)) == [TransportError] * 3


def test_a_body_framed_by_the_close_comes_back(raw):
    url, answers = raw
    answers.append(b'HTTP/1.0 200 OK\r\n\r\n{"move":"up"}')
    assert asyncio.run(_posts(url, ["/move"])) == [(200, b'{"move":"up"}')]


def test_requests_past_the_limit_wait_for_a_slot(url):
    async def many() -> list[tuple[int, bytes]]:
        async with new_client(1) as client:
            posts = (client.post(url + "/move", b"[%d]" % k, 5.0) for k in range(3))
            return list(await asyncio.gather(*posts))

    assert asyncio.run(many()) == [(200, b"application/json [%d]" % k) for k in range(3)]


@pytest.mark.parametrize("bad", ["ftp://127.0.0.1/x", "http:///move", "http://127.0.0.1:99999"])
def test_a_url_that_is_not_http_is_a_transport_error(bad):
    with pytest.raises(TransportError, match="not a valid URL"):
        asyncio.run(_posts_raising(bad))


async def _posts_raising(url: str) -> None:
    async with new_client(1) as client:
        await client.post(url, b"{}", 1.0)
