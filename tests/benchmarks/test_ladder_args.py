"""``benchmarks/ladder.py`` argument handling: ``--opponent-url`` and ``--move-timeout-ms``."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
from ladder import parse_args  # noqa: E402


def test_the_defaults_play_todays_served_snake_with_a_1s_timeout() -> None:
    args = parse_args(["--part", "http"])
    assert args.opponent_url is None
    assert args.move_timeout_ms == 1000
    assert args.move_budget_ms == 300


def test_an_opponent_url_and_the_official_timeout_are_taken() -> None:
    args = parse_args(
        ["--part", "http", "--opponent-url", "http://127.0.0.1:23201", "--move-timeout-ms", "500"]
    )
    assert args.opponent_url == "http://127.0.0.1:23201"
    assert args.move_timeout_ms == 500


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--opponent-url", "http://127.0.0.1:1"], "--opponent-url needs --part http"),
        (["--part", "config", "--opponent-url", "http://x"], "--opponent-url needs --part http"),
        (["--part", "http", "--opponent-url", "127.0.0.1:1"], "must be an http:// or https://"),
        (["--part", "http", "--opponent-url", "http://"], "must be an http:// or https://"),
        (["--part", "http", "--move-timeout-ms", "0"], "--move-timeout-ms must be 1..60000"),
        (["--part", "http", "--concurrency", "0"], "--concurrency must be at least 1"),
    ],
)
def test_a_bad_combination_is_one_clear_error(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        parse_args(argv)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert message in err.splitlines()[-1]
