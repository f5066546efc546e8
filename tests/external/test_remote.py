"""Snakes given by URL: checked by ``GET /`` before any game (one clear line when they do not
answer), then played over HTTP next to in-process snakes, never started or stopped."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from snaketrain.arena.pairs import MatchSetup
from snaketrain.external.process import free_port
from snaketrain.external.remote import UnreachableSnake, check_url, is_url
from snaketrain.external.training import CALLS_LOG, play_shard
from snaketrain.snake.space import default_config
from snaketrain.training.shards import ShardSpec, SnakeRef

from .externalkit import served_url


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with served_url(tmp_path_factory.mktemp("served")) as u:
        yield u


@pytest.fixture
def answering(request: pytest.FixtureRequest) -> Iterator[str]:
    """A server whose ``GET /`` answers ``request.param``: (status, body)."""
    status, body = request.param

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(status)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_only_http_and_https_are_urls() -> None:
    assert is_url("http://127.0.0.1:8001") and is_url("https://snake.example.com")
    assert not is_url("baseline") and not is_url("configs/me.yaml")


def test_a_running_snake_resolves_to_an_http_opponent(url: str) -> None:
    assert check_url(url + "/") == url
    ref = SnakeRef.resolve(url + "/")
    assert ref == SnakeRef(label=url, ident=url, snake=url) and ref.external


def test_nothing_listening_is_one_line_naming_the_url() -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(UnreachableSnake) as err:
        SnakeRef.resolve(dead)
    text = str(err.value)
    assert text.startswith(f"opponent {dead}: GET / failed") and "start it first" in text
    assert "\n" not in text


@pytest.mark.parametrize(
    ("answering", "message"),
    [
        ((404, b"no"), "GET / answered 404, not 200"),
        ((200, b"<html>"), "GET / answered 200 but not a JSON object"),
        ((200, b"[1]"), "GET / answered 200 but not a JSON object"),
    ],
    indirect=["answering"],
)
def test_a_server_that_is_not_a_battlesnake_is_refused(answering: str, message: str) -> None:
    with pytest.raises(UnreachableSnake, match=message):
        check_url(answering)


def test_not_a_url_at_all() -> None:
    with pytest.raises(UnreachableSnake, match="not a valid URL"):
        check_url("http://")


def test_a_shard_plays_an_in_process_candidate_against_a_url(url: str, tmp_path: Path) -> None:
    opponent = SnakeRef.resolve(url)
    me = SnakeRef.of_config(default_config(), "me")
    setup = MatchSetup(players=2, size=7, master_seed=5, max_turns=40)
    spec = ShardSpec((me, opponent), setup, pairs=(0, 1))
    assert spec.external  # refereed over HTTP

    result = play_shard(spec, tmp_path)

    assert result.games == 4 and result.opponents == (url,)
    [line] = [json.loads(x) for x in (tmp_path / CALLS_LOG).read_text().splitlines()]
    [calls] = line["snakes"]  # only the URL snake is asked over HTTP
    assert calls["snake"] == url and calls["moves"] > 0 and calls["errors"] == 0
    assert not (tmp_path / "external").exists()  # nothing was started for it
    assert check_url(url) == url  # and it still runs: snaketrain did not stop it
