"""The snake server: Battlesnake API v1 over one kept-alive connection, the training policy's
moves, a 400 naming the field for every bad request (and the server serving on), config hot
reload, and the ``snaketrain serve`` command."""

from __future__ import annotations

import http.client
import json
import logging
import os
import re
import socket
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

import pytest

from snaketrain.cli import main
from snaketrain.rules.api import board_from_api, game_to_api, move_request
from snaketrain.rules.start import standard_start
from snaketrain.rules.types import MOVES, Settings
from snaketrain.snake.heuristic import HeuristicPolicy
from snaketrain.snake.liveconfig import LiveConfig
from snaketrain.snake.policy import decide
from snaketrain.snake.random_safe import safe_moves
from snaketrain.snake.server import (
    MAX_BODY_BYTES,
    SnakeHandler,
    SnakeServer,
    make_policy,
    make_server,
)
from snaketrain.snake.space import Config, config_hash, default_config, dump_config, load_config

# --- helpers -----------------------------------------------------------------------------


def write_config(path: Path, config: Config) -> None:
    """Write as a committer would: a new file moved over the old one."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(dump_config(config), encoding="utf-8")
    os.replace(tmp, path)


def other_config() -> Config:
    return default_config().replace(
        **{"weights.space": default_config()["weights.space"] / 2 + 1.0}
    )


class Client:
    """One persistent HTTP/1.1 connection; ``reused`` says whether it is still the first."""

    def __init__(self, server: SnakeServer) -> None:
        host, port = server.server_address[:2]
        self.conn = http.client.HTTPConnection(str(host), port, timeout=10)
        self.conn.connect()
        self.first_socket = self.conn.sock

    @property
    def reused(self) -> bool:
        return self.conn.sock is self.first_socket

    def send(
        self, method: str, path: str, body: bytes | dict[str, Any] | None = None
    ) -> tuple[int, Any, http.client.HTTPResponse]:
        data = json.dumps(body).encode() if isinstance(body, dict) else body
        headers = {"Content-Type": "application/json"} if data is not None else {}
        self.conn.request(method, path, body=data, headers=headers)
        response = self.conn.getresponse()
        raw = response.read()
        assert response.getheader("Content-Length") == str(len(raw))
        return response.status, json.loads(raw), response

    def close(self) -> None:
        self.conn.close()


def start(server: SnakeServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    return thread


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    write_config(path, default_config())
    return path


@pytest.fixture
def server(config_path: Path) -> Iterator[SnakeServer]:
    srv = make_server(config_path, port=0, reload_interval=0.0)
    start(srv)
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def client(server: SnakeServer) -> Iterator[Client]:
    c = Client(server)
    yield c
    c.close()


GAME = game_to_api("game-1", Settings())


def start_request(game_id: str = "game-1", seed: int = 5) -> dict[str, Any]:
    board = standard_start(11, ["you", "them"], seed)
    return move_request(board, "you", {**GAME, "id": game_id})


def cornered_request() -> dict[str, Any]:
    """``you`` in the bottom-left corner, its neck to the right: only up does not die."""
    body = [{"x": 0, "y": 0}, {"x": 1, "y": 0}, {"x": 2, "y": 0}]
    them = [{"x": 8, "y": 8}, {"x": 8, "y": 9}, {"x": 8, "y": 10}]
    snakes = [
        {"id": "you", "name": "you", "health": 90, "body": body},
        {"id": "them", "name": "them", "health": 90, "body": them},
    ]
    board = {"width": 11, "height": 11, "food": [{"x": 5, "y": 5}], "hazards": [], "snakes": snakes}
    return {"game": GAME, "turn": 7, "board": board, "you": snakes[0]}


# --- the API -----------------------------------------------------------------------------


def test_a_game_over_one_kept_alive_connection(server: SnakeServer, client: Client) -> None:
    status, info, response = client.send("GET", "/")
    assert status == 200 and response.getheader("Content-Type") == "application/json"
    assert info["apiversion"] == "1" and info["author"] == "snaketrain"
    assert {"color", "head", "tail"} <= info.keys()
    assert info["version"].endswith(config_hash(default_config())[:12])

    request = start_request()
    assert client.send("POST", "/start", request)[:2] == (200, {})
    status, answer, _ = client.send("POST", "/move", request)
    assert status == 200 and answer["shout"] == ""
    board = board_from_api(request["board"])
    assert answer["move"] in safe_moves(board, "you")
    assert client.send("POST", "/move", cornered_request())[1]["move"] == "up"
    assert client.send("POST", "/end", request)[:2] == (200, {})
    assert client.reused  # five requests, one connection


class _Counting(SnakeHandler):
    """Records, per response, how many writes it took and whether TCP_NODELAY was set."""

    log: ClassVar[list[tuple[int, bool]]] = []

    def reply(self, status: int, payload: Mapping[str, Any]) -> None:
        writes = 0
        write = self.wfile.write

        def counted(data: bytes) -> int:
            nonlocal writes
            writes += 1
            return write(data)

        self.wfile.write = counted  # type: ignore[method-assign]
        try:
            super().reply(status, payload)
        finally:
            self.wfile.write = write  # type: ignore[method-assign]
        nodelay = self.connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        self.log.append((writes, bool(nodelay)))


def test_every_response_is_one_write_on_a_nodelay_socket(server: SnakeServer) -> None:
    # Headers and body in separate packets stall ~40 ms per kept-alive request (Nagle against
    # delayed ACK); one write with TCP_NODELAY cannot.
    server.RequestHandlerClass = _Counting
    fresh = Client(server)
    fresh.send("GET", "/")
    fresh.send("POST", "/move", cornered_request())
    fresh.send("POST", "/move", b"{")
    fresh.close()
    deadline = time.monotonic() + 5
    while len(_Counting.log) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)  # the server records a reply just after sending it
    assert _Counting.log == [(1, True)] * 3


def test_moves_are_the_training_policys_seeded_by_the_game_id(client: Client) -> None:
    policy = make_policy(default_config())
    assert isinstance(policy, HeuristicPolicy)  # the tuned snake, never a stand-in
    for game_id, seed in [("g-a", 1), ("g-b", 2), ("g-c", 3), ("g-d", 4)]:
        request = start_request(game_id, seed)
        board = board_from_api(request["board"], turn=request["turn"])
        expected = decide(policy, board, "you", zlib.crc32(game_id.encode()))
        first = client.send("POST", "/move", request)[1]["move"]
        assert first == expected and first in MOVES
        assert client.send("POST", "/move", request)[1]["move"] == first  # reproducible
    assert client.reused


def _without(obj: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if k != key}


def _bad_requests() -> list[tuple[str, bytes, str]]:
    good = cornered_request()

    def edit(path: str, value: Any) -> bytes:
        request = json.loads(json.dumps(good))
        *parents, last = path.split(".")
        target = request
        for p in parents:
            target = target[int(p)] if p.isdigit() else target[p]
        target[int(last) if last.isdigit() else last] = value
        return json.dumps(request).encode()

    dup = good["board"]["snakes"][0]
    return [
        ("malformed JSON", b'{"game": {"id": ', "malformed JSON"),
        ("empty body", b"", "empty request body"),
        ("not an object", b"[1, 2]", "expected a JSON object, got list"),
        ("not UTF-8", b'{"game": "\xff"}', "malformed JSON"),
        ("missing board", json.dumps(_without(good, "board")).encode(), "board: missing"),
        ("missing you", json.dumps(_without(good, "you")).encode(), "you: missing"),
        ("width as a string", edit("board.width", "11"), "board.width: expected an integer"),
        ("turn as a string", edit("turn", "7"), "turn: expected an integer in 0.."),
        ("negative turn", edit("turn", -1), "turn: expected an integer in 0.."),
        ("huge turn", edit("turn", 10**30), "turn: expected an integer in 0.."),
        ("nested too deeply", b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        ("game without id", edit("game", {}), "game.id: missing"),
        ("you.id a number", edit("you.id", 3), "you.id: expected a string"),
        ("off the board", edit("board.snakes.1.body.0", {"x": 11, "y": 9}), "off the 11x11"),
        ("body with a gap", edit("board.snakes.0.body.1", {"x": 2, "y": 2}), "is not next to"),
        ("health too high", edit("board.snakes.0.health", 101), "board.snakes[0].health"),
        ("duplicate ids", edit("board.snakes.1", dup), "duplicate snake id 'you'"),
        ("unknown you", edit("you.id", "ghost"), "you.id: 'ghost' is not a snake on the board"),
        (
            "17 snakes",
            edit("board.snakes", [_lone_snake(i) for i in range(17)]),
            "board.snakes: 17 snakes; at most 16",
        ),
        (
            "lone surrogate in game.id",
            json.dumps(good).replace('"id": "game-1"', r'"id": "\ud800"').encode(),
            r"game.id: lone surrogate \ud800",
        ),
        (
            "lone surrogate in a name",
            json.dumps(good).replace('"name": "them"', r'"name": "th\udfffem"', 1).encode(),
            r"board.snakes[1].name: lone surrogate \udfff",
        ),
    ]


def _lone_snake(i: int) -> dict[str, Any]:
    return {"id": f"s{i}", "health": 1, "body": [{"x": i % 11, "y": i // 11}]}


@pytest.mark.parametrize(
    ("body", "reason"),
    [case[1:] for case in _bad_requests()],
    ids=[case[0] for case in _bad_requests()],
)
def test_a_bad_request_is_a_400_with_the_reason_and_the_server_serves_on(
    client: Client, body: bytes, reason: str
) -> None:
    status, answer, response = client.send("POST", "/move", body)
    assert status == 400 and reason in answer["error"], answer
    assert response.getheader("Connection") == "keep-alive"
    assert client.send("POST", "/move", cornered_request())[:2] == (
        200,
        {"move": "up", "shout": ""},
    )
    assert client.reused


def test_a_board_of_20000_snakes_is_refused_before_it_is_read(client: Client) -> None:
    # Under the 1 MiB body limit; it once took 18 s and 480 MB to answer.
    request = cornered_request()
    request["board"]["snakes"] = [
        {"id": f"{i}", "health": 1, "body": [{"x": 0, "y": 0}]} for i in range(20_000)
    ]
    body = json.dumps(request, separators=(",", ":")).encode()
    assert len(body) < MAX_BODY_BYTES
    status, answer, _ = client.send("POST", "/move", body)
    assert status == 400
    assert answer["error"] == "board.snakes: 20000 snakes; at most 16 (the standard map's maximum)"
    assert client.send("POST", "/move", cornered_request())[1]["move"] == "up"


def test_50_simultaneous_connections_each_get_their_move(server: SnakeServer) -> None:
    requests = [start_request(f"g-{i}", seed=i) for i in range(50)]
    answers: list[Any] = [None] * 50
    barrier = threading.Barrier(50)

    def play(i: int) -> None:
        c = Client(server)  # its own connection, opened with all the others
        barrier.wait()
        answers[i] = c.send("POST", "/move", requests[i])[:2]
        c.close()

    threads = [threading.Thread(target=play, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for request, (status, answer) in zip(requests, answers, strict=True):
        assert status == 200
        assert answer["move"] in safe_moves(board_from_api(request["board"]), "you")


class _Overlap:
    """The tuned policy, counting how many calls run at once."""

    name = "overlap"
    lock = threading.Lock()
    running = 0
    most = 0

    def __init__(self, config: Config) -> None:
        self.inner = make_policy(config)

    def __call__(self, state: Any, mask: Any) -> Any:
        cls = type(self)
        with cls.lock:
            cls.running += 1
            cls.most = max(cls.most, cls.running)
        try:
            time.sleep(0.05)  # long enough for the other requests to pile up
            return self.inner(state, mask)
        finally:
            with cls.lock:
                cls.running -= 1


def test_at_most_workers_moves_are_computed_at_once(config_path: Path) -> None:
    srv = make_server(config_path, port=0, make=_Overlap, workers=2, late_after=60.0)
    start(srv)
    results: list[Any] = []

    def play() -> None:
        c = Client(srv)
        results.append(c.send("POST", "/move", cornered_request())[:2])
        c.close()

    threads = [threading.Thread(target=play) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [(200, {"move": "up", "shout": ""})] * 6  # the others waited their turn
    assert _Overlap.most == 2
    srv.shutdown()
    srv.server_close()


class _Slow:
    """The tuned policy, half a second per move, counting its calls."""

    name = "slow"
    calls = 0

    def __init__(self, config: Config) -> None:
        self.inner = make_policy(config)

    def __call__(self, state: Any, mask: Any) -> Any:
        type(self).calls += 1
        time.sleep(0.5)
        return self.inner(state, mask)


def test_a_move_that_waited_too_long_for_a_worker_is_random_safe_and_logged(
    config_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    srv = make_server(config_path, port=0, make=_Slow, workers=1, late_after=0.2)
    start(srv)
    requests = [start_request(f"late-{i}", seed=i) for i in range(3)]
    answers: list[Any] = [None] * 3

    def play(i: int) -> None:
        c = Client(srv)
        answers[i] = c.send("POST", "/move", requests[i])[:2]
        c.close()

    threads = [threading.Thread(target=play, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert _Slow.calls <= 1  # the first took the worker; the others waited 0.5 s or more
    for request, (status, answer) in zip(requests, answers, strict=True):
        assert status == 200
        assert answer["move"] in safe_moves(board_from_api(request["board"]), "you")
    late = [r.getMessage() for r in caplog.records if "playing random-safe" in r.getMessage()]
    assert len(late) >= 2 and all("no worker free" in m for m in late)
    srv.shutdown()
    srv.server_close()


def test_a_bad_start_is_a_400_too(client: Client) -> None:
    request = _without(start_request(), "game")
    status, answer, _ = client.send("POST", "/start", request)
    assert status == 400 and answer["error"] == "game: missing"


def test_unknown_paths_are_404_and_drain_the_body(client: Client) -> None:
    assert client.send("GET", "/move")[0] == 404
    status, answer, _ = client.send("POST", "/turn", start_request())
    assert status == 404 and "/start, /move, /end" in answer["error"]
    assert client.send("GET", "/")[0] == 200
    assert client.reused


def test_an_oversized_body_is_refused_unread_and_the_server_serves_on(server: SnakeServer) -> None:
    c = Client(server)
    c.conn.putrequest("POST", "/move")
    c.conn.putheader("Content-Length", str(server.max_body + 1))
    c.conn.endheaders()  # the body is never sent: the server must answer without reading it
    response = c.conn.getresponse()
    answer = json.loads(response.read())
    assert response.status == 400 and response.getheader("Connection") == "close"
    assert f"over the limit of {server.max_body} bytes" in answer["error"]
    c.close()
    fresh = Client(server)
    assert fresh.send("POST", "/move", cornered_request())[1]["move"] == "up"
    fresh.close()


def test_a_body_at_the_limit_is_read(config_path: Path) -> None:
    body = json.dumps(cornered_request()).encode()
    srv = make_server(config_path, port=0, max_body=len(body))
    start(srv)
    c = Client(srv)
    assert c.send("POST", "/move", body)[1]["move"] == "up"
    c.conn.putrequest("POST", "/move")
    c.conn.putheader("Content-Length", str(len(body) + 1))
    c.conn.endheaders()
    assert c.conn.getresponse().status == 400
    c.close()
    srv.shutdown()
    srv.server_close()


class _Broken:
    name = "broken"

    def __call__(self, state: Any, mask: Any) -> Any:
        raise RuntimeError("a bug in the policy")


def test_a_failing_policy_plays_a_safe_move_and_logs_the_bug(
    config_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    srv = make_server(config_path, port=0, make=lambda config: _Broken())
    start(srv)
    c = Client(srv)
    assert c.send("POST", "/move", cornered_request())[:2] == (200, {"move": "up", "shout": ""})
    assert any("a bug in the policy" in r.exc_text for r in caplog.records if r.exc_text)
    assert c.reused
    c.close()
    srv.shutdown()
    srv.server_close()


def test_an_unsupported_method_is_a_json_error(client: Client) -> None:
    status, answer, _ = client.send("DELETE", "/")
    assert status == 501 and "DELETE" in answer["error"]


# --- hot reload --------------------------------------------------------------------------


def reload_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    return [m for m in messages if m.startswith("config reload failed")]


def _live_hash(client: Client) -> str:
    return client.send("GET", "/")[1]["version"].rsplit(".", 1)[1]


def test_a_changed_config_file_is_served_on_the_next_request(
    config_path: Path, client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    assert _live_hash(client) == config_hash(default_config())[:12]
    write_config(config_path, other_config())
    assert _live_hash(client) == config_hash(other_config())[:12]

    caplog.set_level(logging.INFO, logger="snaketrain.snake.server")
    config_path.write_text("weights:\n  space: lots\n", encoding="utf-8")
    assert _live_hash(client) == config_hash(other_config())[:12]  # the old one is kept
    errors = reload_errors(caplog)
    assert len(errors) == 1 and "weights.space" in errors[0]
    assert client.send("POST", "/move", cornered_request())[1]["move"] == "up"
    assert _live_hash(client) == config_hash(other_config())[:12]
    assert len(reload_errors(caplog)) == 1  # logged once, not on every request

    write_config(config_path, default_config())
    assert _live_hash(client) == config_hash(default_config())[:12]
    assert client.reused


def test_a_deleted_config_file_keeps_the_running_config(config_path: Path, client: Client) -> None:
    config_path.unlink()
    assert _live_hash(client) == config_hash(default_config())[:12]
    write_config(config_path, other_config())
    assert _live_hash(client) == config_hash(other_config())[:12]


def test_admin_reload_from_loopback(config_path: Path) -> None:
    srv = make_server(config_path, port=0, reload_interval=3600.0)  # no automatic reload
    start(srv)
    c = Client(srv)
    write_config(config_path, other_config())
    assert _live_hash(c) == config_hash(default_config())[:12]
    status, answer, _ = c.send("POST", "/admin/reload")
    assert status == 200 and answer["config_hash"] == config_hash(other_config())
    assert _live_hash(c) == config_hash(other_config())[:12]

    config_path.write_text("weights: [1, 2]\n", encoding="utf-8")
    status, answer, _ = c.send("POST", "/admin/reload")
    assert status == 422 and "weights" in answer["error"]
    assert f"kept config {config_hash(other_config())[:12]}" in answer["error"]
    assert _live_hash(c) == config_hash(other_config())[:12]
    assert c.reused
    c.close()
    srv.shutdown()
    srv.server_close()


def test_admin_reload_is_refused_through_a_local_proxy(client: Client) -> None:
    client.conn.request("POST", "/admin/reload", headers={"X-Forwarded-For": "198.51.100.4"})
    response = client.conn.getresponse()
    assert response.status == 403 and "proxy" in json.loads(response.read())["error"]


class _FromAfar(SnakeServer):
    """Reports every client as a remote address, as if it had come over the network."""

    def get_request(self) -> tuple[Any, Any]:
        sock, addr = super().get_request()
        return sock, ("203.0.113.9", addr[1])


def test_admin_reload_is_refused_to_a_remote_client(config_path: Path) -> None:
    srv = _FromAfar(("127.0.0.1", 0), LiveConfig(config_path))
    start(srv)
    c = Client(srv)
    status, answer, _ = c.send("POST", "/admin/reload")
    assert status == 403 and "203.0.113.9" in answer["error"]
    assert c.send("GET", "/")[0] == 200  # the snake itself is served to anyone
    c.close()
    srv.shutdown()
    srv.server_close()


# --- snaketrain serve ----------------------------------------------------------------------


def test_serve_refuses_a_missing_or_invalid_config_before_binding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.yaml"
    assert main(["serve", "--config", str(missing), "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"snaketrain serve: error: {missing}: cannot read")

    bad = tmp_path / "bad.yaml"
    bad.write_text(dump_config(default_config()).replace("space: 20.0", "space: -1.0"))
    assert main(["serve", "--config", str(bad), "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert (
        err == f"snaketrain serve: error: {bad}: weights.space = -1.0: expected a float in "
        "[0.0, 100.0]\n"
    )

    assert main(["serve", "--config", str(bad), "--port", "70000"]) == 2
    assert "port must be 0..65535" in capsys.readouterr().err


def test_serve_command_serves_the_config(config_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "snaketrain", "serve", "--config", str(config_path), "--port", "0"],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        url = None
        for line in proc.stderr:
            found = re.search(r"on http://127\.0\.0\.1:(\d+) ", line)
            if found:
                url = found
                break
        assert url is not None, "the server did not say where it listens"
        conn = http.client.HTTPConnection("127.0.0.1", int(url.group(1)), timeout=10)
        conn.request("GET", "/")
        info = json.loads(conn.getresponse().read())
        assert info["version"].endswith(config_hash(load_config(config_path))[:12])
        conn.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
