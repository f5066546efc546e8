"""The served snake searching by the clock: its policy, its /move log line, and
``snaketrain serve --move-budget-ms``."""

from __future__ import annotations

import http.client
import json
import logging
import threading
import time
from pathlib import Path

import pytest
import torch

from snaketrain.cli import build_parser, main
from snaketrain.rules import batched as bt
from snaketrain.rules.api import game_to_api, move_request
from snaketrain.rules.start import standard_start
from snaketrain.rules.types import MOVES, Settings
from snaketrain.snake.budgeted import (
    DEFAULT_BUDGET_MS,
    FIRST_TAIL_S,
    BudgetedHeuristic,
    Tail,
    budgeted_factory,
    tail_start,
)
from snaketrain.snake.random_safe import safe_moves
from snaketrain.snake.server import make_server
from snaketrain.snake.space import default_config, dump_config


def test_search_answers_a_safe_move_and_its_depth() -> None:
    board = standard_start(11, ["you", "a", "b", "c"], 4)
    move, found = BudgetedHeuristic(default_config(), 20).search(board, "you", 1)
    assert move in safe_moves(board, "you")
    assert MOVES[found.move] == move
    assert found.depth >= 1


def test_as_a_batched_policy_it_moves_every_masked_seat() -> None:
    st = bt.standard_starts(7, 2, torch.arange(2) + 1)
    mask = torch.tensor([[True, False], [True, True]])
    moves = BudgetedHeuristic(default_config(), 5)(st, mask)
    assert moves.shape == (2, 2)
    assert bool(((moves >= 0) & (moves < 4)).all())


def test_a_budget_must_be_positive() -> None:
    with pytest.raises(ValueError, match="budget_ms must be > 0, got 0"):
        BudgetedHeuristic(default_config(), 0)


def test_the_server_logs_each_moves_depth_and_time(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(dump_config(default_config()), encoding="utf-8")
    srv = make_server(config, port=0, make=budgeted_factory(30))
    import threading

    threading.Thread(target=srv.serve_forever, args=(0.01,), daemon=True).start()
    try:
        board = standard_start(11, ["you", "them"], 5)
        body = json.dumps(move_request(board, "you", game_to_api("g-7", Settings())))
        conn = http.client.HTTPConnection("127.0.0.1", srv.server_address[1], timeout=30)
        with caplog.at_level(logging.INFO, logger="snaketrain.snake.server"):
            conn.request("POST", "/move", body=body, headers={"Content-Type": "application/json"})
            answer = json.loads(conn.getresponse().read())
        conn.close()
    finally:
        srv.shutdown()
        srv.server_close()
    assert answer["move"] in safe_moves(board, "you")
    lines = [r.getMessage() for r in caplog.records if "depth" in r.getMessage()]
    assert len(lines) == 1
    assert lines[0].startswith(f"game g-7 turn 0: move {answer['move']}, depth ")
    assert lines[0].endswith(" ms")


def test_serve_takes_a_move_budget_in_ms() -> None:
    parse = build_parser().parse_args
    assert parse(["serve"]).move_budget_ms == DEFAULT_BUDGET_MS == 300
    assert parse(["serve", "--move-budget-ms", "0"]).move_budget_ms == 0
    assert parse(["serve", "--move-budget-ms", "50"]).move_budget_ms == 50


@pytest.mark.parametrize("bad", ["-1", "fast", "60001"])
def test_serve_refuses_a_negative_or_bad_budget(
    bad: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--move-budget-ms", bad, "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert err == (
        "snaketrain serve: error: argument --move-budget-ms: --move-budget-ms must be "
        f"0..60000, got {bad!r}\n"
    )


def test_the_margin_is_a_high_quantile_of_the_measured_tails_capped_at_a_quarter() -> None:
    tail = Tail(0.3)
    assert tail.margin() == FIRST_TAIL_S
    for ms in range(1, 21):  # 1..20 ms
        tail.observe(ms / 1000)
    assert len(tail) == 20
    assert tail.margin() == 0.020  # the 95th percentile of 20: the largest
    tail.observe(-1.0)  # counted as 0: now 0..20 ms, the 95th percentile of 21 is 19 ms
    assert tail.margin() == 0.019
    for _ in range(64):
        tail.observe(5.0)
    assert tail.margin() == 0.075  # a quarter of 300 ms


def test_the_tail_starts_at_the_deadline_or_the_search_end_whichever_came_first() -> None:
    assert tail_start(1.0, 1.2, deadline=1.3) == 1.2  # ended early
    assert tail_start(1.0, 1.31, deadline=1.3) == 1.3  # ran past: the overshoot counts
    assert tail_start(1.4, 1.45, deadline=1.3) == 1.45  # began late: depth 1 does not count


def test_the_search_ends_the_margin_before_the_budget_counted_from_the_start() -> None:
    policy = BudgetedHeuristic(default_config(), 40)
    policy.tail.observe(1.0)  # the margin: capped at 10 ms
    board = standard_start(11, ["you", "them"], 5)
    started = time.monotonic() - 1.0  # the request came a second ago
    move, found = policy.search(board, "you", 1, started=started)
    assert found.deadline == pytest.approx(started + 0.030)
    assert (found.depth, move) == (1, MOVES[found.move])


def serving(tmp_path: Path, budget_ms: int):  # type: ignore[no-untyped-def]
    config = tmp_path / "config.yaml"
    config.write_text(dump_config(default_config()), encoding="utf-8")
    srv = make_server(config, port=0, make=budgeted_factory(budget_ms))
    threading.Thread(target=srv.serve_forever, args=(0.01,), daemon=True).start()
    return srv


def test_the_server_counts_the_budget_from_arrival_and_measures_the_tail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    srv = serving(tmp_path, 30)
    policy = srv.live.current.policy
    assert isinstance(policy, BudgetedHeuristic)
    seen: list[tuple[float | None, float]] = []
    search = policy.search

    def spy(board, snake_id, seed, started=None):  # type: ignore[no-untyped-def]
        seen.append((started, time.monotonic()))
        return search(board, snake_id, seed, started)

    monkeypatch.setattr(policy, "search", spy)
    try:
        board = standard_start(11, ["you", "them"], 5)
        body = json.dumps(move_request(board, "you", game_to_api("g-8", Settings())))
        before = time.monotonic()
        conn = http.client.HTTPConnection("127.0.0.1", srv.server_address[1], timeout=30)
        for _ in range(2):
            conn.request("POST", "/move", body=body, headers={"Content-Type": "application/json"})
            assert json.loads(conn.getresponse().read())["move"] in safe_moves(board, "you")
        conn.close()
    finally:
        srv.shutdown()
        srv.server_close()
    assert len(seen) == 2
    for started, searching in seen:
        assert started is not None and before <= started <= searching
    assert len(policy.tail) == 2
