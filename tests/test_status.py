"""``snaketrain status``: the report a user reads, and the PNG of strength over iterations."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from snaketrain.cli import main
from snaketrain.status import plot_strength, status_report
from snaketrain.trainlog import LogEntry, TrainingLog


def entry(i: int, accepted: bool = False, best: float = 0.5) -> LogEntry:
    return LogEntry(
        iteration=i,
        timestamp=f"2026-11-24T13:{i % 60:02d}:00Z",
        changes=[{"key": "weights.space", "old": 20.0, "new": 20.0 + i}],
        win_rate=0.45 + 0.01 * (i % 7),
        best_win_rate=best,
        improvement=0.01,
        games=200 + i,
        elo=10.0 + i,
        elo_ci=[5.0, 25.0],
        llr=2.95 if accepted else -2.95,
        accepted=accepted,
        advisor="random",
        duration_s=30.0,
        config_hash="cd" * 32,
        best_ci=[best - 0.03, best + 0.03],
    )


@pytest.fixture
def results(tmp_path: Path) -> Path:
    log = TrainingLog(tmp_path / "results" / "training_log.jsonl")
    for i in range(1, 16):
        log.append(entry(i, accepted=i in (4, 9), best=0.5 if i < 4 else 0.54 if i < 9 else 0.57))
    return tmp_path / "results"


def test_the_report_shows_iteration_strength_improvements_and_recent_iterations(
    results: Path, tmp_path: Path
) -> None:
    text = status_report(results, tmp_path, stagnation_limit=5)
    assert "iteration: 15" in text
    assert "best config: win rate 57.00% [54.00%, 60.00%]" in text
    assert "improvements: 2 (last at iteration 9)" in text
    assert "iterations since the last improvement: 6" in text
    assert "WARNING: stagnation: 6 iterations without an improvement" in text
    assert "is not a git repository" in text
    table = text.split("last 10 iterations:\n")[1].splitlines()
    assert table[0].split()[:3] == ["iter", "time", "(UTC)"]
    assert [int(row.split()[0]) for row in table[1:]] == list(range(6, 16))
    assert "ACCEPTED" in table[4] and table[4].startswith("     9")  # iteration 9
    assert "WARNING" not in status_report(results, tmp_path)  # default limit: 100


def test_the_report_names_the_last_config_commit(results: Path, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "config.yaml").write_text("x: 1\n")
    for args in (
        ["init", "-q"],
        ["add", "config.yaml"],
        ["-c", "user.name=T", "-c", "user.email=t@x", "commit", "-qm", "tuned"],
    ):
        subprocess.run(["git", *args], cwd=repo, check=True)
    assert "config.yaml last committed: " in status_report(results, repo)
    assert " tuned (" in status_report(results, repo)


def test_an_empty_log_says_so(tmp_path: Path) -> None:
    assert "no iterations logged yet" in status_report(tmp_path, tmp_path)


def test_the_plot_is_a_png(results: Path, tmp_path: Path) -> None:
    png = plot_strength(TrainingLog(results / "training_log.jsonl").entries(), tmp_path / "s.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results", "s.png"]  # no temp file


def test_the_cli_prints_the_report_and_writes_the_plot(
    results: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    png = tmp_path / "status.png"
    assert main(["status", "--results", str(results), "--plot", str(png)]) == 0
    out = capsys.readouterr().out
    assert "iteration: 15" in out and f"plot: {png}" in out
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_the_cli_reports_a_broken_log_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "training_log.jsonl").write_text("not json\n")
    assert main(["status", "--results", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "line 1: not a training log entry" in err and "Traceback" not in err
