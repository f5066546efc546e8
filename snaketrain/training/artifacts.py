"""What the Prefect UI shows of an iteration, as values (the record task publishes them):
the iteration report (markdown), the training-log table (rows of rounded, labelled values)
and the status plot (a PNG embedded in markdown as a data URI). No Prefect here."""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Sequence
from typing import Any

from snaketrain.arena.result import Verdict
from snaketrain.snake.config import format_value
from snaketrain.training.iteration import Strength
from snaketrain.trainlog import LogEntry
from snaketrain.tuning.advisor import Proposal

#: Iterations in the training-log table artifact.
TABLE_ROWS = 50
#: Iterations in the status plot artifact (the newest).
PLOT_ITERATIONS = 500
#: Resolution of the status plot artifact (its figure is 10 x 7 inches).
PLOT_DPI = 72

VERDICT_WORDS = {
    "accept": "accepted",
    "reject": "rejected",
    "inconclusive": "inconclusive",
    "unconfirmed": "not confirmed",
}


def _pct(x: float, digits: int = 1) -> str:
    return "-" if math.isnan(x) else f"{100.0 * x:.{digits}f}%"


def strength_text(s: Strength) -> str:
    """``61.3% [55.2%, 67.1%] over 400 games (config 1a2b3c4d5e6f)``."""
    return (
        f"{_pct(s.win_rate)} [{_pct(s.low)}, {_pct(s.high)}] over {s.games} games "
        f"(config `{s.config_hash[:12]}`)"
    )


def _elo(v: Verdict) -> str:
    elo = v.result.total.elo()
    if math.isnan(elo.elo):
        return "-"
    return f"{elo.elo:+.1f} [{elo.low:+.1f}, {elo.high:+.1f}]"


def _changes(changes: Sequence[Sequence[Any]], limit: int | None = None) -> str:
    text = [f"{k}: {format_value(old)} → {format_value(new)}" for k, old, new in changes]
    if limit is not None and len(text) > limit:
        text = [*text[:limit], f"+{len(text) - limit} more"]
    return ", ".join(text) or "-"


def iteration_report(
    iteration: int,
    proposals: Sequence[Proposal],
    verdicts: Sequence[Verdict],
    winner: int | None,
    before: Strength,
    after: Strength,
    opponents: Sequence[str],
    commit: dict[str, Any] | None,
    history: Sequence[str] = (),
    window: int = 0,
) -> str:
    """The iteration report: the incumbent's strength, each candidate's verdict in a narrow
    table (its changes listed below it, so nothing is cut off), the outcome with the commit
    hash, and the change history lines before this iteration (``history``, of the last
    ``window`` iterations)."""
    against = ", ".join(opponents)
    if winner is None:
        outcome = "**No change.** The best config stays as it was."
    else:
        sha = (commit or {}).get("sha")
        status = (commit or {}).get("status", "")
        where = f"committed as `{sha[:12]}`" if sha else f"not committed yet ({status})"
        outcome = (
            f"**Candidate {winner} accepted**, {where}. Its strength: {strength_text(after)}, "
            f"{100.0 * (after.win_rate - before.win_rate):+.2f} points."
        )
    lines = [
        f"## Iteration {iteration}",
        "",
        outcome,
        "",
        f"Incumbent (the best config before): {strength_text(before)} against {against}.",
        "",
        "| candidate | verdict | games | Elo vs incumbent [95%] | LLR | advisor |",
        "|---|---|---|---|---|---|",
    ]
    for i, (p, v) in enumerate(zip(proposals, verdicts, strict=True)):
        llr = "-" if v.llr is None or math.isnan(v.llr) else f"{v.llr:.2f}"
        mark = " (winner)" if i == winner else ""
        lines.append(
            f"| {i}{mark} | {VERDICT_WORDS.get(v.status, v.status)} | {v.result.games} | "
            f"{_elo(v)} | {llr} | {p.advisor} |"
        )
    lines += ["", "Changes:", ""]
    lines += [f"- candidate {i}: {_changes(p.changes)}" for i, p in enumerate(proposals)]
    if history:
        lines += ["", f"Change history (last {window} iterations):", ""]
        lines += [f"- {line}" for line in history]
    return "\n".join(lines) + "\n"


def log_rows(entries: Sequence[LogEntry], n: int = TABLE_ROWS) -> list[dict[str, Any]]:
    """The last ``n`` iterations, newest first, every number rounded for reading."""
    rows = []
    for e in reversed(entries[-n:]):
        low, high = e.elo_ci
        best = _pct(e.best_win_rate, 2)
        if e.best_ci is not None:
            best += f" [{_pct(e.best_ci[0])}, {_pct(e.best_ci[1])}]"
        verdict = e.verdict or ("accept" if e.accepted else "reject")
        rows.append(
            {
                "iteration": e.iteration,
                "time (UTC)": e.timestamp.replace("T", " ")[5:16],
                "verdict": VERDICT_WORDS.get(verdict, verdict),
                "best vs reference": best,
                "change": f"{100.0 * e.improvement:+.2f}",
                "vs incumbent": _pct(e.win_rate),
                "Elo": "-" if math.isnan(e.elo) else f"{e.elo:+.1f} ± {(high - low) / 2:.1f}",
                "LLR": "-" if math.isnan(e.llr) else f"{e.llr:.2f}",
                "games": e.games,
                "changes": _changes([(c["key"], c["old"], c["new"]) for c in e.changes], 3),
            }
        )
    return rows


def png_markdown(png: bytes, caption: str) -> str:
    """Markdown showing the PNG inline (a data URI: the artifact needs no file server)."""
    data = base64.b64encode(png).decode("ascii")
    return f"![{caption}](data:image/png;base64,{data})\n"


def status_plot(entries: Sequence[LogEntry], dpi: int = PLOT_DPI) -> bytes:
    """The PNG of ``snaketrain status --plot`` over the newest ``PLOT_ITERATIONS``."""
    from snaketrain.status import strength_figure

    data = io.BytesIO()
    strength_figure(entries[-PLOT_ITERATIONS:]).savefig(data, format="png", dpi=dpi)
    return data.getvalue()
