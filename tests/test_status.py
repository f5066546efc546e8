"""``snaketrain status``: the report a user reads, the PNG of strength over iterations and,
while SPSA or CMA-ES tunes, the tuner, the verification history and the PNG of θ."""

from __future__ import annotations

import math
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from matplotlib.text import Text
from tunekit import spsa_run

from snaketrain.cli import main
from snaketrain.status import (
    measurement_breaks,
    plot_strength,
    plot_tuning,
    read_trajectory,
    recent_table,
    result_label,
    status_report,
    strength_figure,
    tuning_figure,
    verification_table,
)
from snaketrain.training.trajectory import moves, trajectory, tuner_line
from snaketrain.training.tune import TUNER_FILE, save_tuner
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


def test_the_cli_repairs_a_broken_log_says_so_and_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "training_log.jsonl").write_text("not json\n")
    assert main(["status", "--results", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert (
        "WARNING: " in out
        and "dropped unreadable line(s) 1 (line 1: not a training log entry" in out
    )
    assert f"kept as {tmp_path / 'training_log.jsonl.corrupt'}" in out
    assert "no iterations logged yet" in out and "Traceback" not in err
    assert (tmp_path / "training_log.jsonl.corrupt").read_text() == "not json\n"


@pytest.mark.parametrize(
    "damage", ["torn last line", "torn last line with newline", "garbled middle line"]
)
def test_a_damaged_log_is_reported_and_the_rest_shown(
    results: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: str
) -> None:
    path = results / "training_log.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    if damage == "garbled middle line":
        lines[6] = b'{"iteration": 7, "tim\x00\n'
    else:
        lines[-1] = lines[-1][:30] + (b"\n" if "newline" in damage else b"")
    path.write_bytes(b"".join(lines))
    png = tmp_path / "status.png"
    assert main(["status", "--results", str(results), "--repo", str(tmp_path),
                 "--plot", str(png)]) == 0  # fmt: skip
    out = capsys.readouterr().out
    (warning,) = [line for line in out.splitlines() if line.startswith("WARNING: ")]
    number = 7 if damage == "garbled middle line" else 15
    assert f"{path}: dropped unreadable line(s) {number} (line {number}: " in warning
    assert warning.endswith(f"kept as {path}.corrupt")
    assert f"iteration: {14 if number == 15 else 15}" in out and png.exists()


def test_a_broken_pending_file_is_reported_and_left_for_the_trainer(
    results: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pending = results / "pending_commits.json"
    pending.write_text('["not", "an", "object"]')
    assert main(["status", "--results", str(results), "--repo", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    (warning,) = [line for line in out.splitlines() if line.startswith("WARNING: ")]
    assert str(pending) in warning and "not a pending-commits file" in warning
    assert "the trainer moves it aside" in warning and "iteration: 15" in out
    assert pending.read_text() == '["not", "an", "object"]'  # status changes nothing there
    assert not (results / "pending_commits.json.corrupt").exists()


def test_an_sprt_that_ended_between_its_bounds_is_inconclusive_not_rejected() -> None:
    table = recent_table(
        [
            entry(1, accepted=True),
            replace(entry(2), llr=0.8),  # ended at the pair cap, between the bounds
            replace(entry(3), llr=-2.95),  # rejected, or inconclusive: the log cannot tell
            replace(entry(4), llr=math.nan),  # no SPRT (fixed games)
        ]
    ).splitlines()
    assert [row.split()[9] for row in table[1:3]] == ["ACCEPTED", "inconclusive"]
    assert all("  not accepted  " in row for row in table[3:])
    assert "rejected" not in "\n".join(table)
    assert [result_label(e) for e in (entry(1, True), replace(entry(2), llr=0.0))] == [
        "ACCEPTED",
        "inconclusive",
    ]


def test_the_two_win_rates_have_their_own_labelled_panels(results: Path) -> None:
    fig = strength_figure(TrainingLog(results / "training_log.jsonl").entries())
    best, cand = fig.axes
    assert "reference" in best.get_ylabel() and "reference opponents" in best.get_title()
    assert "incumbent" in cand.get_ylabel() and "against the incumbent" in cand.get_title()
    assert cand.get_xlabel() == "iteration" and best.get_shared_x_axes().joined(best, cand)
    assert {t.get_text() for t in cand.get_legend().get_texts()} == {
        "candidate (95% interval)",
        "equal (50%)",
        "accepted",
    }
    assert {t.get_text() for t in best.get_legend().get_texts()} == {
        "best config (re-measured)",
        "95% interval",
        "accepted",
    }


def tuned(i: int, advisor: str = "spsa", verdict: str = "reject") -> LogEntry:
    return replace(entry(i, accepted=verdict == "accept"), advisor=advisor, verdict=verdict,
                   tuning_games=512 * i, elo=-4.5 + i, elo_ci=[-20.0, 11.0])  # fmt: skip


@pytest.fixture
def tuning(tmp_path: Path) -> Path:
    """A results folder of an SPSA run: 3 tuning steps done, iterations 1..4 (2 and 4 tuned)."""
    results = tmp_path / "results"
    log = TrainingLog(results / "training_log.jsonl")
    for e in (entry(1), tuned(2), entry(3), tuned(4, "cmaes", "accept")):
        log.append(e)
    save_tuner(results, spsa_run(3))
    return results


def test_the_report_shows_the_tuner_and_the_verification_history(
    tuning: Path, tmp_path: Path
) -> None:
    text = status_report(tuning, tmp_path)
    lines = text.splitlines()
    assert tuner_line(trajectory(spsa_run(3))) in lines
    head = "verification of the tuned configs (last 2 of 2, 1 accepted):"
    table = lines[lines.index(head) + 1 :]
    assert table[0].split() == ["iter", "advisor", "tuning", "games", "games", "result", "elo",
                                "±", "ci"]  # fmt: skip
    assert [row.split() for row in table[1:]] == [
        ["2", "spsa", "1024", "202", "rejected", "-2.5", "15.5"],
        ["4", "cmaes", "2048", "204", "ACCEPTED", "-0.5", "15.5"],
    ]
    assert text.index("last 4 iterations:") < text.index("tuner: spsa")  # after the recent table


def test_the_verification_table_keeps_the_last_tuned_iterations() -> None:
    rows = verification_table([tuned(i) if i % 2 else entry(i) for i in range(1, 30)], n=3)
    assert [int(r.split()[0]) for r in rows.splitlines()[1:]] == [25, 27, 29]
    nan = replace(tuned(1), elo=math.nan, elo_ci=[math.nan, math.nan])
    assert verification_table([nan]).splitlines()[1].split()[-2:] == ["-", "-"]


def test_the_first_iteration_shows_the_tuner_before_anything_is_logged(tmp_path: Path) -> None:
    save_tuner(tmp_path, spsa_run(2))
    lines = status_report(tmp_path, tmp_path).splitlines()
    assert lines[0].startswith("no iterations logged yet")
    assert any(line.startswith("tuner: spsa, step 2/10, 8 pairs (16 games)") for line in lines)
    assert lines[-1] == "verification: no tuned config verified yet"


def test_without_a_tuner_there_is_no_tuning_section(results: Path, tmp_path: Path) -> None:
    assert read_trajectory(results) is None
    text = status_report(results, tmp_path)
    assert not [line for line in text.splitlines() if line.startswith(("tuner", "verification"))]


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("{torn", "Expecting property name"),
        ('{"advisor": "random", "state": {}}', "expected an object with advisor spsa or cmaes"),
        ('{"advisor": "spsa"}', "(no key 'state')"),
        ('{"advisor": "spsa", "state": {"version": 1}}', "(not an SPSA state: 'settings')"),
        ('{"advisor": "cmaes", "state": {"version": 7}}', "not a CMA-ES state: version 7"),
        ("\udcff", "can't decode byte 0xff"),
    ],
)
def test_a_corrupt_tuner_file_is_one_warning_and_the_rest_is_shown(
    tuning: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, why: str
) -> None:
    path = tuning / TUNER_FILE
    data = text.encode("utf-8", "surrogateescape")
    path.write_bytes(data)
    with pytest.raises(ValueError, match="not a tuner state"):
        read_trajectory(tuning)
    assert main(["status", "--results", str(tuning), "--repo", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    (warning,) = [line for line in out.splitlines() if line.startswith("WARNING: ")]
    assert warning.startswith(f"WARNING: {path}: not a tuner state (") and why in warning
    assert warning.endswith("; the tuner is not shown")
    assert "iteration: 4" in out and "verification of the tuned configs" in out
    assert "tuning plot" not in out and not (tuning / "tuning.png").exists() and err == ""
    assert (tuning / "status.png").exists() and path.read_bytes() == data  # left as it is


def test_the_cli_writes_the_tuning_plot_next_to_the_status_plot(
    tuning: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["status", "--results", str(tuning), "--repo", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"plot: {tuning / 'status.png'}" in out
    assert f"tuning plot: {tuning / 'tuning.png'}" in out
    assert (tuning / "tuning.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    png = tmp_path / "elsewhere" / "theta.png"
    assert main(["status", "--results", str(tuning), "--tuning-plot", str(png)]) == 0
    assert f"tuning plot: {png}" in capsys.readouterr().out and png.exists()


def test_the_tuning_plot_is_written_atomically(tmp_path: Path) -> None:
    png = plot_tuning(trajectory(spsa_run(2)), tmp_path / "t.png")
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.png"]  # no temp file


def test_the_tuning_plot_has_a_line_per_key_and_names_the_keys_that_moved_most() -> None:
    t = trajectory(spsa_run(3))
    fig = tuning_figure(t)
    (ax,) = fig.axes
    lines = ax.get_lines()
    assert len(lines) == 28 and all(list(line.get_xdata()) == [0, 1, 2, 3] for line in lines)
    i = t.keys.index("weights.space")
    space = [line for line in lines if line.get_label().startswith("weights.space ")]
    assert [list(line.get_ydata()) for line in space] == [[row[i] for row in t.theta]]
    assert ax.get_xlabel() == "SPSA step (batch)" and "share of each key's range" in ax.get_ylabel()
    named = [a.get_text() for a in ax.texts]
    assert len(named) == 5 and set(named) == {m.key for m in moves(t)[:5]}
    bold = {line.get_label().split(" (")[0]: line.get_linewidth() for line in lines}
    assert min(bold[k] for k in named) > max(w for k, w in bold.items() if k not in named)
    (legend,) = fig.legends
    assert [x.get_text().split(" (")[0] for x in legend.get_texts()] == [m.key for m in moves(t)]


def test_the_legend_and_the_names_stay_readable_with_28_keys() -> None:
    fig = tuning_figure(trajectory(spsa_run(3)))
    renderer = fig.canvas.get_renderer()
    fig.draw(renderer)
    (ax,) = fig.axes
    (legend,) = fig.legends
    box, area, frame = legend.get_window_extent(renderer), ax.get_window_extent(renderer), fig.bbox
    assert frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 <= box.y1 <= frame.y1
    assert not box.overlaps(area)  # beside the lines, not over them
    assert min(t.get_fontsize() for t in legend.get_texts()) >= 8
    names = [Text.get_window_extent(t, renderer) for t in ax.texts]  # the name, not its line
    assert all(area.x0 <= n.x0 and n.x1 <= area.x1 for n in names)  # inside the axes
    assert not any(a.overlaps(b) for i, a in enumerate(names) for b in names[i + 1 :])


def test_a_re_measurement_with_other_settings_starts_a_new_best_line() -> None:
    # iterations 1-3 measured on 4 pairs, the same config from 4 on measured on 200 pairs
    entries = [entry(1, best=0.62), entry(2, best=0.62), entry(3, True, best=0.66)]
    entries += [entry(4, best=0.51), entry(5, best=0.51), entry(6, True, best=0.55)]
    assert measurement_breaks(entries) == [3]
    best, _ = strength_figure(entries).axes
    lines = [ln for ln in best.get_lines() if ln.get_linestyle() == "-"]
    assert [list(ln.get_xdata()) for ln in lines] == [[1, 2, 3], [4, 5, 6]]
    assert "re-measured with other settings" in {t.get_text() for t in best.get_legend().texts}
    assert measurement_breaks([entry(1), entry(2, True, best=0.6), entry(3, best=0.6)]) == []
