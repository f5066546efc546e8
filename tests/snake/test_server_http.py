"""The server's HTTP plumbing under a misbehaving or crowding peer: a burst of connections
waits in the listen backlog, a request must arrive whole within the request timeout (idle
keep-alive may last longer), the open connections are bounded, closing the server wakes idle
connections, and a string with a lone surrogate is a 400, not a 500. Timeouts are short
parameters here; raw sockets play the slow peers."""

from __future__ import annotations

import http.client
import json
import selectors
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import pytest

from snaketrain.snake.server_http import (
    IDLE_TIMEOUT_S,
    MAX_CONNECTIONS,
    REQUEST_TIMEOUT_S,
    JsonHandler,
    JsonServer,
    RequestError,
    parse_json_object,
)


class _Echo(JsonHandler):
    def route_get(self, body: bytes) -> tuple[int, Mapping[str, Any]]:
        return 200, {"path": self.path}

    def route_post(self, body: bytes) -> tuple[int, Mapping[str, Any]]:
        return 200, {"echo": parse_json_object(body)}


@contextmanager
def serving(**limits: Any) -> Iterator[JsonServer]:
    srv = JsonServer(("127.0.0.1", 0), _Echo, **limits)
    thread = threading.Thread(target=srv.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()


def connect(srv: JsonServer) -> socket.socket:
    return socket.create_connection(srv.server_address[:2], timeout=10)


def response(sock: socket.socket) -> tuple[int, str | None, Any]:
    """Status, ``Connection`` header and JSON body of the next response on ``sock``."""
    r = http.client.HTTPResponse(sock)
    r.begin()
    return r.status, r.getheader("Connection"), json.loads(r.read())


def get(sock: socket.socket) -> tuple[int, str | None, Any]:
    sock.sendall(b"GET / HTTP/1.1\r\nHost: snake\r\n\r\n")
    return response(sock)


def until_closed(sock: socket.socket) -> bytes:
    """What the server sends until it closes ``sock`` (end of file, or a reset if it left
    data unread); the socket's 10 s timeout fails the test if the server holds it open."""
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except ConnectionResetError:
        pass
    return data


def test_the_documented_defaults() -> None:
    assert (REQUEST_TIMEOUT_S, IDLE_TIMEOUT_S, MAX_CONNECTIONS) == (5.0, 120.0, 64)


# --- the listen backlog -------------------------------------------------------------------


def test_a_burst_of_50_connections_is_held_by_the_backlog_before_any_accept() -> None:
    # With a backlog of 5 the kernel drops the SYNs of all but ~6: those clients retransmit
    # after 1, 3, 7 s. The server here never accepts, so only the backlog can hold them.
    srv = JsonServer(("127.0.0.1", 0), _Echo)
    clients = [socket.socket() for _ in range(50)]
    selector = selectors.DefaultSelector()
    try:
        for c in clients:
            c.setblocking(False)
            assert c.connect_ex(srv.server_address[:2]) in (0, 115)  # 115: EINPROGRESS
            selector.register(c, selectors.EVENT_WRITE)
        connected = 0
        deadline = time.monotonic() + 5
        while connected < 50 and time.monotonic() < deadline:
            for key, _ in selector.select(timeout=0.5):
                selector.unregister(key.fileobj)
                connected += key.fileobj.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0
        assert connected == 50
    finally:
        selector.close()
        for c in clients:
            c.close()
        srv.server_close()


# --- the request timeout ------------------------------------------------------------------


def test_a_body_shorter_than_its_content_length_is_a_408_after_the_request_timeout() -> None:
    with serving(request_timeout=0.3) as srv:
        s = connect(srv)
        s.sendall(b'POST /x HTTP/1.1\r\nContent-Length: 100\r\n\r\n{"a": 1}')
        status, connection, answer = response(s)
        assert status == 408 and connection == "close"
        assert "not complete 0.3 s after its first byte" in answer["error"]
        assert until_closed(s) == b""
        s.close()
        fresh = connect(srv)
        assert get(fresh)[0] == 200  # and the server serves on
        fresh.close()


def test_headers_that_never_end_are_a_408_after_the_request_timeout() -> None:
    with serving(request_timeout=0.3) as srv:
        s = connect(srv)
        s.sendall(b"GET / HTTP/1.1\r\nHost: snake\r\n")
        status, connection, answer = response(s)
        assert status == 408 and connection == "close" and "0.3 s" in answer["error"]
        assert until_closed(s) == b""
        s.close()


def test_a_trickling_request_is_cut_off_at_the_request_timeout() -> None:
    # Slowloris: each byte arrives well within any per-read timeout, the request never ends.
    with serving(request_timeout=0.3, idle_timeout=60.0) as srv:
        s = connect(srv)
        stop = threading.Event()

        def trickle() -> None:
            try:
                s.sendall(b"GET / HTTP/1.1\r\nX-Slow: ")
                while not stop.wait(0.02):
                    s.send(b"a")
            except OSError:  # the server closed the connection
                pass

        thread = threading.Thread(target=trickle)
        thread.start()
        try:
            rest = until_closed(s)
            assert rest == b"" or rest.startswith(b"HTTP/1.1 408 ")  # or reset at once
        finally:
            stop.set()
            thread.join()
            s.close()


def test_a_kept_alive_connection_may_idle_longer_than_the_request_timeout() -> None:
    with serving(request_timeout=0.1, idle_timeout=30.0) as srv:
        s = connect(srv)
        assert get(s)[:2] == (200, "keep-alive")
        time.sleep(0.3)  # idle between requests: not bounded by the request timeout
        assert get(s)[:2] == (200, "keep-alive")
        s.close()


def test_an_idle_connection_is_closed_after_the_idle_timeout() -> None:
    with serving(idle_timeout=0.2) as srv:
        s = connect(srv)
        assert get(s)[0] == 200
        assert until_closed(s) == b""
        s.close()


# --- the connection bound -----------------------------------------------------------------


def test_beyond_the_connection_limit_a_new_connection_is_a_503_at_once() -> None:
    # Both open connections are younger than the request timeout, so neither may be closed
    # to make room: the third is refused rather than left waiting.
    with serving(max_connections=2, request_timeout=30.0) as srv:
        first, second = connect(srv), connect(srv)
        third = connect(srv)
        status, connection, answer = response(third)
        assert status == 503 and connection == "close"
        assert "all 2 connections are in use" in answer["error"]
        assert until_closed(third) == b""
        third.close()
        assert get(first)[0] == 200 and get(second)[0] == 200
        first.close()
        second.close()


def test_at_the_limit_the_longest_idle_connection_makes_room() -> None:
    with serving(max_connections=2, request_timeout=0.1) as srv:
        oldest, recent = connect(srv), connect(srv)
        assert get(oldest)[0] == 200
        time.sleep(0.05)
        assert get(recent)[0] == 200
        time.sleep(0.2)  # both idle longer than the request timeout; `oldest` the longest
        newcomer = connect(srv)
        assert get(newcomer)[0] == 200
        assert until_closed(oldest) == b""
        assert get(recent)[0] == 200
        for s in (oldest, recent, newcomer):
            s.close()


def test_closing_the_server_closes_idle_kept_alive_connections() -> None:
    srv = JsonServer(("127.0.0.1", 0), _Echo)  # the default idle timeout: 120 s
    threading.Thread(target=srv.serve_forever, args=(0.01,), daemon=True).start()
    s = connect(srv)
    assert get(s)[:2] == (200, "keep-alive")
    srv.shutdown()
    closer = threading.Thread(target=srv.server_close)
    closer.start()
    closer.join(timeout=10)
    assert not closer.is_alive()  # it does not wait out the idle connection
    assert until_closed(s) == b""
    s.close()


# --- JSON at the edge ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "where", "char"),
    [
        (rb'{"game": {"id": "\ud800"}}', "game.id", r"\ud800"),
        (rb'{"game": {"id": "ok\uDFFF"}}', "game.id", r"\udfff"),
        (
            rb'{"board": {"snakes": [{"name": "a"}, {"name": "\udc00b"}]}}',
            "board.snakes[1].name",
            r"\udc00",
        ),
        (rb'{"a": {"\ud83d": 1}}', r"a: key '\ud83d'", r"\ud83d"),
    ],
)
def test_a_lone_surrogate_is_a_request_error_naming_where(
    body: bytes, where: str, char: str
) -> None:
    with pytest.raises(RequestError) as caught:
        parse_json_object(body)
    assert caught.value.status == 400
    assert str(caught.value).startswith(f"malformed JSON: {where}: lone surrogate {char}")


def test_a_surrogate_pair_and_an_escaped_backslash_are_text() -> None:
    assert parse_json_object(rb'{"id": "\ud83d\ude00"}') == {"id": "\U0001f600"}
    assert parse_json_object(rb'{"id": "\\ud800"}') == {"id": "\\ud800"}
    assert parse_json_object(b'\xef\xbb\xbf{"id": "bom"}') == {"id": "bom"}


def test_an_encoded_surrogate_is_not_utf8() -> None:
    with pytest.raises(RequestError, match=r"^malformed JSON: the body is not UTF-8"):
        parse_json_object(b'{"id": "\xed\xa0\x80"}')


def test_a_lone_surrogate_over_http_is_a_400_and_the_connection_serves_on() -> None:
    with serving() as srv:
        s = connect(srv)
        body = rb'{"game": {"id": "\ud800"}}'
        s.sendall(b"POST / HTTP/1.1\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        status, connection, answer = response(s)
        assert status == 400 and connection == "keep-alive"
        assert answer["error"].startswith(r"malformed JSON: game.id: lone surrogate \ud800")
        assert get(s)[0] == 200
        s.close()
