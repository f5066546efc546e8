"""What the Prefect UI shows of an iteration: the report names the incumbent's strength, each
verdict and the commit; the log table holds the last 50 iterations, rounded; the plot is a
PNG inside the markdown."""

from __future__ import annotations

import base64
import math
from dataclasses import replace

from taskkit import verdict

from snaketrain.snake.space import default_config
from snaketrain.training import Strength
from snaketrain.training.artifacts import iteration_report, log_rows, png_markdown, status_plot
from snaketrain.trainlog import LogEntry
from snaketrain.tuning.advisor import Proposal

BEFORE = Strength("ab" * 32, 0.61234, 0.55, 0.67, 400)
AFTER = Strength("cd" * 32, 0.63871, 0.58, 0.69, 400)


def proposal(space: float) -> Proposal:
    best = default_config()
    return Proposal.between(best, best.replace({"weights.space": space}), "spsa", "test")


def entry(i: int) -> LogEntry:
    return LogEntry(
        iteration=i,
        timestamp=f"2026-11-24T13:{i % 60:02d}:07.123456Z",
        changes=[{"key": "weights.space", "old": 20.0, "new": 21.0 + i}],
        win_rate=0.5123456789,
        best_win_rate=0.6012345678,
        improvement=0.0123456,
        games=256,
        elo=-17.385406790202794,
        elo_ci=[-40.123456, 5.654321],
        llr=-2.9512345,
        accepted=i % 5 == 0,
        advisor="spsa",
        duration_s=61.7,
        config_hash="ef" * 32,
        best_ci=[0.55, 0.65],
        verdict="accept" if i % 5 == 0 else "inconclusive",
    )


def test_the_report_names_incumbent_strength_verdicts_and_commit() -> None:
    text = iteration_report(
        42,
        [proposal(30.0), proposal(10.0)],
        [verdict("accept", 3.1), verdict("inconclusive", 0.4)],
        0,
        BEFORE,
        AFTER,
        ["baseline"],
        {"status": "committed", "sha": "0123456789abcdef0123", "message": "..."},
    )
    assert text.startswith("## Iteration 42\n")
    assert "committed as `0123456789ab`" in text and "+2.64 points" in text
    assert "Incumbent (the best config before): 61.2% [55.0%, 67.0%] over 400 games" in text
    assert "against baseline" in text and "`abababababab`" in text
    assert "| 0 (winner) | accepted | 16 |" in text and "| 1 | inconclusive | 16 |" in text
    assert "| 3.10 | spsa |" in text
    assert "- candidate 1: weights.space: 20.0 → 10.0" in text


def test_a_report_without_winner_says_no_change() -> None:
    text = iteration_report(
        3, [proposal(30.0)], [verdict("unconfirmed", None)], None, BEFORE, BEFORE, ["x"], None
    )
    assert "**No change.**" in text and "| 0 | not confirmed | 16 |" in text
    assert "| - | spsa |" in text  # a fixed-N verdict has no LLR


def test_the_log_table_is_the_last_50_iterations_newest_first_rounded() -> None:
    rows = log_rows([entry(i) for i in range(1, 61)])
    assert len(rows) == 50 and [r["iteration"] for r in rows[:2]] == [60, 59]
    row = rows[0]
    assert row == {
        "iteration": 60,
        "time (UTC)": "11-24 13:00",
        "verdict": "accepted",
        "best vs reference": "60.12% [55.0%, 65.0%]",
        "change": "+1.23",
        "vs incumbent": "51.2%",
        "Elo": "-17.4 ± 22.9",
        "LLR": "-2.95",
        "games": 256,
        "changes": "weights.space: 20.0 → 81.0",
    }
    assert rows[1]["verdict"] == "inconclusive"
    nan = log_rows([replace(entry(1), llr=math.nan, elo=math.nan, verdict=None)])[0]
    assert (nan["LLR"], nan["Elo"], nan["verdict"]) == ("-", "-", "rejected")


def test_the_plot_is_a_png_inside_the_markdown() -> None:
    png = status_plot([entry(i) for i in range(1, 30)])
    assert png.startswith(b"\x89PNG") and len(png) < 80_000
    text = png_markdown(png, "strength")
    assert text.startswith("![strength](data:image/png;base64,")
    assert base64.b64decode(text.split(",", 1)[1].rstrip(")\n")) == png
