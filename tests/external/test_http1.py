"""The response parser frames answers as RFC 9112 does, fed whole or a byte at a time."""

from __future__ import annotations

import gzip
import zlib

import pytest

from snaketrain.external.http1 import MAX_HEAD_BYTES, ProtocolError, ResponseParser


def _parse(raw: bytes, pieces: int = 0, eof: bool = False) -> ResponseParser:
    parser = ResponseParser()
    step = pieces or len(raw) or 1
    done = False
    for i in range(0, len(raw), step):
        assert not done, "whole before its last byte"
        done = parser.feed(raw[i : i + step])
    if eof:
        assert not done
        done = parser.eof()
    assert done
    return parser


@pytest.mark.parametrize("pieces", [0, 1, 7])
def test_a_content_length_answer_in_any_pieces(pieces):
    raw = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n"
    raw += b'{"move": "up"}\n'
    parser = _parse(raw, pieces)
    assert (parser.status, parser.body, parser.keep_alive) == (200, b'{"move": "up"}\n', True)


@pytest.mark.parametrize("pieces", [0, 1, 5])
def test_a_chunked_answer_with_extensions_and_trailers(pieces):
    raw = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b'5;ext=1\r\n{"mov\r\nA\r\ne":"left"}\r\n0\r\nX-Trailer: 1\r\n\r\n'
    )
    parser = _parse(raw, pieces)
    assert (parser.status, parser.body, parser.keep_alive) == (200, b'{"move":"left"}', True)


def test_an_answer_without_length_ends_with_the_connection():
    parser = _parse(b'HTTP/1.1 200 OK\r\n\r\n{"move":"down"}', eof=True)
    assert (parser.body, parser.keep_alive) == (b'{"move":"down"}', False)


def test_interim_answers_are_skipped_and_204_has_no_body():
    parser = _parse(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n")
    assert (parser.status, parser.body) == (204, b"")


@pytest.mark.parametrize(
    ("head", "keep"),
    [
        (b"HTTP/1.1 200 OK\r\nConnection: close", False),
        (b"HTTP/1.0 200 OK", False),
        (b"HTTP/1.0 200 OK\r\nConnection: Keep-Alive", True),
        (b"HTTP/1.1 404 Not Found", True),
    ],
)
def test_which_connections_are_kept(head, keep):
    parser = _parse(head + b"\r\nContent-Length: 2\r\n\r\n{}")
    assert (parser.body, parser.keep_alive) == (b"{}", keep)


def test_bytes_past_the_answer_end_the_connection():
    parser = _parse(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}HTTP/1.1 200")
    assert (parser.body, parser.keep_alive) == (b"{}", False)


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [(b"gzip", gzip.compress), (b"deflate", zlib.compress)],
)
def test_a_compressed_body_is_decoded(encoding, encode):
    body = encode(b'{"move":"right"}')
    raw = b"HTTP/1.1 200 OK\r\nContent-Encoding: %s\r\nContent-Length: %d\r\n\r\n%s"
    assert _parse(raw % (encoding, len(body), body)).body == b'{"move":"right"}'


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"SSH-2.0-OpenSSH_9.6\r\n\r\n", "not a valid HTTP/1.x answer: Expected HTTP/"),
        (b"HTTP/1.1 2xx OK\r\n\r\n", "Invalid status code"),
        (b"HTTP/1.1 200 OK\r\nno colon\r\n\r\n", "Invalid header token"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "Invalid character in Content-Length"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", "Duplicate"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "in chunk size"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n", "after chunk data"),
        (b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 2\r\n\r\n{}", "bad gzip"),
        (b"HTTP/1.1 200 OK\r\n" + b"X: y\r\n" * (MAX_HEAD_BYTES // 6), "headers over"),
    ],
)
def test_what_is_not_http_fails_naming_why(raw, message):
    with pytest.raises(ProtocolError, match=message):
        ResponseParser().feed(raw)


def test_a_connection_closed_mid_answer_fails():
    parser = ResponseParser()
    assert not parser.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{}")
    with pytest.raises(ProtocolError, match="closed before the whole answer"):
        parser.eof()
