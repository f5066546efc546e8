"""``snaketrain status``: where training stands, read from the results folder and git alone.

No Prefect needed: the report comes from ``training_log.jsonl`` (see ``trainlog``), the
pending file of ``gitops`` and the repository's history of ``config.yaml``. A damaged log is
repaired as the trainer would (under the log's lock, so safe beside a running trainer) and
the report says so; an unreadable pending file is reported and left for the trainer to set
aside.
"""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from snaketrain.arena.stats import wilson_interval
from snaketrain.gitops import PENDING_NAME, PendingCommits, PendingFileError, open_repo
from snaketrain.trainlog import (
    DEFAULT_STAGNATION_LIMIT,
    LOG_NAME,
    LogEntry,
    TrainingLog,
    iterations_since_improvement,
    stagnation_warning,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

RECENT = 10


def _pct(x: float) -> str:
    return "-" if math.isnan(x) else f"{100.0 * x:.2f}%"


def _signed(x: float, digits: int = 1) -> str:
    return "-" if math.isnan(x) else f"{x:+.{digits}f}"


def _changes(entry: LogEntry, width: int = 48) -> str:
    text = ", ".join(f"{c['key']}={c['new']}" for c in entry.changes) or "-"
    return text if len(text) <= width else text[: width - 3] + "..."


def result_label(entry: LogEntry) -> str:
    """``ACCEPTED``; ``inconclusive`` for a test that ended between its bounds (an LLR at or
    above 0 that was not accepted: the rejection bound is always below 0); else ``not
    accepted``: rejected or inconclusive, which an older log line cannot tell (lines written
    since the log has a ``verdict`` field say which)."""
    if entry.accepted:
        return "ACCEPTED"
    if entry.verdict is not None:
        return {"reject": "rejected", "inconclusive": "inconclusive"}.get(
            entry.verdict, entry.verdict
        )
    if not math.isnan(entry.llr) and entry.llr >= 0.0:
        return "inconclusive"
    return "not accepted"


def recent_table(entries: Sequence[LogEntry], n: int = RECENT) -> str:
    """The last ``n`` iterations, one line each, newest last. ``win``: the candidate against
    the incumbent (50% = equal); ``best``: the best config against the reference opponents."""
    header = (
        f"{'iter':>6}  {'time (UTC)':<19}  {'win':>7}  {'best':>7}  {'games':>6}  "
        f"{'elo':>7}  {'± ci':>6}  {'llr':>6}  {'result':<12}  {'advisor':<8}  changes"
    )
    rows = [header]
    for e in entries[-n:]:
        low, high = e.elo_ci
        half = (high - low) / 2.0
        rows.append(
            f"{e.iteration:>6}  {e.timestamp.replace('T', ' ').rstrip('Z'):<19}  "
            f"{_pct(e.win_rate):>7}  {_pct(e.best_win_rate):>7}  {e.games:>6}  "
            f"{_signed(e.elo):>7}  {'-' if math.isnan(half) else f'{half:.1f}':>6}  "
            f"{_signed(e.llr, 2):>6}  {result_label(e):<12}  "
            f"{e.advisor:<8}  {_changes(e)}"
        )
    return "\n".join(rows)


def _git_lines(repo_path: str | Path, results_dir: Path) -> list[str]:
    lines: list[str] = []
    repo = open_repo(repo_path)
    if repo is None:
        lines.append(f"git: {repo_path} is not a git repository")
    else:
        try:
            last = repo.git.log("-1", "--format=%h %s (%cr)", "--", "config.yaml")
        except Exception:  # noqa: BLE001 - an unborn branch or a broken repo: just say so
            last = ""
        lines.append(f"git: config.yaml last committed: {last or 'never'}")
    try:
        state = PendingCommits(results_dir / PENDING_NAME).load()
    except PendingFileError as e:
        return [
            *lines,
            f"WARNING: {e}; the trainer moves it aside (.corrupt) and goes on without it",
        ]
    if state.config_text is not None:
        lines.append(
            f"git: {len(state.messages)} improvement(s) waiting to be committed "
            f"(see {results_dir / PENDING_NAME})"
        )
    if state.push_branch is not None:
        lines.append(f"git: branch {state.push_branch} waiting to be pushed")
    return lines


def status_report(
    results_dir: str | Path,
    repo_path: str | Path = ".",
    stagnation_limit: int = DEFAULT_STAGNATION_LIMIT,
) -> str:
    """The status text: iteration, best strength with interval, improvements, recent table."""
    results_dir = Path(results_dir)
    log = TrainingLog(results_dir / LOG_NAME)  # repairs a damaged log: the warning is shown
    repaired = [f"WARNING: {log.repair_warning}"] if log.repair_warning else []
    entries = log.entries()
    if not entries:
        empty = f"no iterations logged yet in {results_dir / LOG_NAME}"
        return "\n".join([*repaired, empty, *_git_lines(repo_path, results_dir)]) + "\n"
    last = entries[-1]
    accepted = [e for e in entries if e.accepted]
    since = iterations_since_improvement(entries)
    if last.best_ci is not None:
        interval = f"[{_pct(last.best_ci[0])}, {_pct(last.best_ci[1])}]"
    else:
        interval = "(no interval logged)"
    lines = [
        *repaired,
        f"training log: {results_dir / LOG_NAME}",
        f"iteration: {last.iteration} (at {last.timestamp}, {last.duration_s:.1f} s)",
        f"best config: win rate {_pct(last.best_win_rate)} {interval}, re-measured against the "
        "reference opponents",
        f"improvements: {len(accepted)}"
        + (f" (last at iteration {accepted[-1].iteration})" if accepted else ""),
        f"iterations since the last improvement: {since}",
        f"games played: {sum(e.games for e in entries)}",
    ]
    if accepted:
        a = accepted[-1]
        half = (a.elo_ci[1] - a.elo_ci[0]) / 2.0
        lines.append(
            f"last accepted change: Elo {_signed(a.elo)} ± {half:.1f}, LLR {_signed(a.llr, 2)} "
            f"({_changes(a, 80)})"
        )
    warning = stagnation_warning(since, stagnation_limit)
    if warning:
        lines.append(f"WARNING: {warning}")
    lines += _git_lines(repo_path, results_dir)
    lines += ["", f"last {min(RECENT, len(entries))} iterations:", recent_table(entries)]
    return "\n".join(lines) + "\n"


def strength_figure(entries: Sequence[LogEntry]) -> Figure:
    """The figure of strength over iterations.

    Two panels on one iteration axis, as the two rates measure different things. Top: the
    best config's win rate against the reference opponents, re-measured (a step line, its
    interval as a band where logged). Bottom: each candidate's win rate against the
    incumbent in the games that decided it (50% = equal), a dot with its Wilson interval as
    an error bar. Accepted iterations are green triangles in both.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 7), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    best_ax, cand_ax = fig.subplots(2, 1, sharex=True)
    its = [e.iteration for e in entries]
    acc = [e for e in entries if e.accepted]

    best_ax.plot(
        its,
        [100.0 * e.best_win_rate for e in entries],
        drawstyle="steps-post",
        color="tab:blue",
        label="best config (re-measured)",
    )
    if any(e.best_ci is not None for e in entries):
        band = [e.best_ci or [math.nan, math.nan] for e in entries]
        best_ax.fill_between(
            its,
            [100 * b[0] for b in band],
            [100 * b[1] for b in band],
            step="post",
            color="tab:blue",
            alpha=0.2,
            linewidth=0,
            label="95% interval",
        )
    best_ax.scatter(
        [e.iteration for e in acc],
        [100.0 * e.best_win_rate for e in acc],
        marker="^",
        s=60,
        color="tab:green",
        zorder=3,
        label="accepted",
    )
    best_ax.set_ylabel("win rate vs reference\nopponents (%)")
    best_ax.set_title("best config against the reference opponents")

    cand = [100.0 * e.win_rate for e in entries]
    bounds = [
        wilson_interval(min(max(e.win_rate, 0.0), 1.0), e.games)
        if e.games and not math.isnan(e.win_rate)
        else (math.nan, math.nan)
        for e in entries
    ]
    cand_ax.errorbar(
        its,
        cand,
        yerr=[
            [c - 100 * lo for c, (lo, _) in zip(cand, bounds, strict=True)],
            [100 * hi - c for c, (_, hi) in zip(cand, bounds, strict=True)],
        ],
        fmt="o",
        markersize=3,
        color="tab:gray",
        ecolor="lightgray",
        elinewidth=1,
        label="candidate (95% interval)",
    )
    cand_ax.axhline(50.0, color="black", linewidth=0.8, linestyle="--", label="equal (50%)")
    cand_ax.scatter(
        [e.iteration for e in acc],
        [100.0 * e.win_rate for e in acc],
        marker="^",
        s=60,
        color="tab:green",
        zorder=3,
        label="accepted",
    )
    cand_ax.set_ylabel("win rate vs the\nincumbent (%)")
    cand_ax.set_title("each candidate against the incumbent, in the games that decided it")
    cand_ax.set_xlabel("iteration")
    for ax in (best_ax, cand_ax):
        ax.grid(alpha=0.3)
        ax.legend(loc="best", fontsize="small")
    fig.suptitle("snaketrain: strength over iterations")
    return fig


def plot_strength(entries: Sequence[LogEntry], png_path: str | Path) -> Path:
    """:func:`strength_figure` as a PNG, written atomically; returns its path."""
    fig = strength_figure(entries)
    png_path = Path(png_path)
    png_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{png_path.name}.", suffix=".png", dir=png_path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            fig.savefig(f, format="png")
        os.replace(tmp, png_path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return png_path
