"""``snaketrain status``: where training stands, read from the results folder and git alone.

No Prefect needed: the report comes from ``training_log.jsonl`` (see ``trainlog``), the
pending file of ``gitops`` and the repository's history of ``config.yaml``. A damaged log is
repaired as the trainer would (under the log's lock, so safe beside a running trainer) and
the report says so; an unreadable pending file is reported and left for the trainer to set
aside. With SPSA or CMA-ES, ``tuner.json`` adds the tuner's line, the verification history of
the tuned configs and a second figure, θ per tuned key over the steps (an unreadable
``tuner.json`` is one warning; the rest is shown).
"""

from __future__ import annotations

import io
import itertools
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from snaketrain.arena.stats import wilson_interval
from snaketrain.configio import write_bytes_atomic
from snaketrain.gitops import PENDING_NAME, PendingCommits, PendingFileError, open_repo
from snaketrain.training.trajectory import (
    MOST_MOVED,
    Trajectory,
    most_moved,
    moves,
    progress_text,
    trajectory,
    tuner_line,
)
from snaketrain.training.tune import TUNER_FILE
from snaketrain.trainlog import (
    DEFAULT_STAGNATION_LIMIT,
    LOG_NAME,
    LogEntry,
    TrainingLog,
    iterations_since_improvement,
    stagnation_warning,
)
from snaketrain.tuning.cma import CmaState
from snaketrain.tuning.spsa import SpsaState

if TYPE_CHECKING:
    from matplotlib.figure import Figure

RECENT = 10
TUNED = ("spsa", "cmaes")


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


def verification_table(entries: Sequence[LogEntry], n: int = RECENT) -> str:
    """The last ``n`` iterations that verified a tuned config (advisor ``spsa`` or ``cmaes``),
    one line each, newest last: the games tuning spent on it, the verifying games, the
    verdict and the Elo against the incumbent with its interval's half-width."""
    header = (
        f"{'iter':>6}  {'advisor':<8}  {'tuning games':>12}  {'games':>6}  {'result':<12}  "
        f"{'elo':>7}  {'± ci':>6}"
    )
    rows = [header]
    for e in [e for e in entries if e.advisor in TUNED][-n:]:
        half = (e.elo_ci[1] - e.elo_ci[0]) / 2.0
        rows.append(
            f"{e.iteration:>6}  {e.advisor:<8}  {e.tuning_games:>12}  {e.games:>6}  "
            f"{result_label(e):<12}  {_signed(e.elo):>7}  "
            f"{'-' if math.isnan(half) else f'{half:.1f}':>6}"
        )
    return "\n".join(rows)


def read_trajectory(results_dir: str | Path) -> Trajectory | None:
    """θ over the run in ``results_dir``'s ``tuner.json``; None without one. ValueError (one
    line naming the file) for a file that is not a tuner state, OSError if unreadable."""
    path = Path(results_dir) / TUNER_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("advisor") not in TUNED:
            raise ValueError(f"expected an object with advisor {' or '.join(TUNED)}")
        text = json.dumps(data["state"])
        state = SpsaState.from_json(text) if data["advisor"] == "spsa" else CmaState.from_json(text)
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError) as e:  # UnicodeDecodeError is a ValueError
        why = f"no key {e}" if isinstance(e, KeyError) else str(e).splitlines()[0]
        raise ValueError(f"{path}: not a tuner state ({why})") from None
    return trajectory(state)


def _tuning_lines(results_dir: Path, entries: Sequence[LogEntry]) -> list[str]:
    try:
        t = read_trajectory(results_dir)
        lines = [] if t is None else ["", tuner_line(t)]
    except (ValueError, OSError) as e:
        lines = ["", f"WARNING: {e}; the tuner is not shown"]
    tuned = [e for e in entries if e.advisor in TUNED]
    if tuned:
        shown = min(RECENT, len(tuned))
        lines += [
            "",
            f"verification of the tuned configs (last {shown} of {len(tuned)}, "
            f"{sum(e.accepted for e in tuned)} accepted):",
            verification_table(tuned),
        ]
    elif lines:
        lines.append("verification: no tuned config verified yet")
    return lines


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
        lines = [*repaired, empty, *_git_lines(repo_path, results_dir)]
        return "\n".join([*lines, *_tuning_lines(results_dir, entries)]) + "\n"
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
    return "\n".join([*lines, *_tuning_lines(results_dir, entries)]) + "\n"


def measurement_breaks(entries: Sequence[LogEntry]) -> list[int]:
    """Indices of the iterations whose best config's rate changed without a new best config:
    the same config re-measured with other settings (``remeasure_pairs``, opponents, board
    changed between runs), not a change of strength. The plot starts a new line there."""
    return [
        i
        for i in range(1, len(entries))
        if not entries[i].accepted
        and not (math.isnan(entries[i].best_win_rate) and math.isnan(entries[i - 1].best_win_rate))
        and entries[i].best_win_rate != entries[i - 1].best_win_rate
    ]


def strength_figure(entries: Sequence[LogEntry]) -> Figure:
    """The figure of strength over iterations.

    Two panels on one iteration axis, as the two rates measure different things. Top: the
    best config's win rate against the reference opponents, re-measured (a step line, its
    interval as a band where logged; a new line, after a dotted marker, where the same
    config was re-measured with other settings: :func:`measurement_breaks`). Bottom: each
    candidate's win rate against the incumbent in the games that decided it (50% = equal), a
    dot with its Wilson interval as an error bar. Accepted iterations are green triangles in both.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(10, 7), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    best_ax, cand_ax = fig.subplots(2, 1, sharex=True)
    its = [e.iteration for e in entries]
    acc = [e for e in entries if e.accepted]

    starts = [0, *measurement_breaks(entries), len(entries)]
    for n, (a, b) in enumerate(itertools.pairwise(starts)):
        part = entries[a:b]
        xs = [e.iteration for e in part]
        best_ax.plot(
            xs,
            [100.0 * e.best_win_rate for e in part],
            drawstyle="steps-post",
            color="tab:blue",
            label="best config (re-measured)" if n == 0 else None,
        )
        if any(e.best_ci is not None for e in part):
            band = [e.best_ci or [math.nan, math.nan] for e in part]
            best_ax.fill_between(
                xs,
                [100 * x[0] for x in band],
                [100 * x[1] for x in band],
                step="post",
                color="tab:blue",
                alpha=0.2,
                linewidth=0,
                label="95% interval" if n == 0 else None,
            )
        if a > 0:
            best_ax.axvline(
                entries[a].iteration,
                color="tab:orange",
                linestyle=":",
                label="re-measured with other settings" if a == starts[1] else None,
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
    cand_ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    for ax in (best_ax, cand_ax):
        ax.grid(alpha=0.3)
        ax.legend(loc="best", fontsize="small")
    fig.suptitle("snaketrain: strength over iterations")
    return fig


def tuning_figure(t: Trajectory, labelled: int = MOST_MOVED) -> Figure:
    """The figure of θ over a tuning run: one line per tuned key, its normalised coordinate
    (share of the range) after each step, step 0 the start. The ``labelled`` keys that moved
    most are drawn bold and named at their line's end; the legend lists every key with its
    move, the largest first. Colours and dashes follow the keys' order, so a key keeps its
    look from one plot to the next."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(13, 7), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    palette = [f"C{i}" for i in range(10)]
    dashes = ["-", "--", ":", "-."]
    steps = list(range(t.steps + 1))
    bold = {m.key for m in most_moved(t, labelled)}
    ends: list[tuple[float, str, str]] = []
    for m in moves(t):
        i = t.keys.index(m.key)
        colour, dash = palette[i % 10], dashes[(i // 10) % len(dashes)]
        ys = [row[i] for row in t.theta]
        ax.plot(
            steps,
            ys,
            color=colour,
            linestyle=dash,
            linewidth=2.2 if m.key in bold else 1.0,
            alpha=1.0 if m.key in bold else 0.55,
            zorder=3 if m.key in bold else 2,
            label=f"{m.key} ({100 * m.share:+.2f}%)",
        )
        if m.key in bold:
            ends.append((ys[-1], m.key, colour))
    ax.set_xlim(0, max(t.steps, 1) * 1.35)  # room for the names at the lines' ends
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    low, high = ax.get_ylim()
    gap, y_prev = 0.04 * (high - low), -math.inf
    for y, key, colour in sorted(ends):  # names at least ``gap`` apart, in the lines' order
        y_prev = max(y, y_prev + gap)
        ax.annotate(
            key, (t.steps, y), xytext=(max(t.steps, 1) * 1.02, y_prev), color=colour,
            fontsize="small", va="center", arrowprops={"arrowstyle": "-", "color": colour,
                                                       "alpha": 0.5},
        )  # fmt: skip
    ax.set_ylim(low, max(high, y_prev + gap))
    ax.set_xlabel("SPSA step (batch)" if t.advisor == "spsa" else "CMA-ES generation")
    ax.set_ylabel("θ: share of each key's range (log scale keys in log units)")
    ax.grid(alpha=0.3)
    fig.legend(
        loc="outside right upper",
        fontsize="small",
        ncols=1 + (len(t.keys) - 1) // 30,
        title="key (move, share of range)",
        title_fontsize="small",
    )
    fig.suptitle(f"snaketrain: {t.advisor} θ per tuned key, {progress_text(t)}")
    return fig


def _write_png(fig: Figure, png_path: str | Path) -> Path:
    png_path = Path(png_path)
    png_path.parent.mkdir(parents=True, exist_ok=True)
    data = io.BytesIO()
    fig.savefig(data, format="png")
    write_bytes_atomic(png_path, data.getvalue())
    return png_path


def plot_strength(entries: Sequence[LogEntry], png_path: str | Path) -> Path:
    """:func:`strength_figure` as a PNG, written atomically; returns its path."""
    return _write_png(strength_figure(entries), png_path)


def plot_tuning(t: Trajectory, png_path: str | Path) -> Path:
    """:func:`tuning_figure` as a PNG, written atomically; returns its path."""
    return _write_png(tuning_figure(t), png_path)
