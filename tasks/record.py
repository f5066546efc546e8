"""record: the iteration's log line (once, even across crashes) and its Prefect artifacts."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from snaketrain import training
from snaketrain.arena.result import Verdict
from snaketrain.learn.advisors import advisor_rows, advisor_text
from snaketrain.learn.history import DEFAULT_WINDOW, ChangeHistory, attempts_of, merge
from snaketrain.snake.config import format_value
from snaketrain.trainlog import TrainingLog, stagnation_warning, utc_timestamp
from snaketrain.tuning.advisor import Proposal
from tasks.learn import attempt_file, run_logger


@task(name="record", cache_policy=NO_CACHE)
def record(
    log_path: str,
    begin: training.IterationStart,
    proposal: Proposal,
    verdict: Verdict,
    before: training.Strength,
    after: training.Strength,
    duration_s: float,
    stagnation_limit: int,
    proposals: list[Proposal] | None = None,
    verdicts: list[Verdict] | None = None,
) -> bool:
    """Append the line unless this iteration already has one, then every candidate's attempt
    (``proposals``, ``verdicts``: all of the iteration's) to the change history; publish the
    artifacts, the per-advisor table among them."""
    entry = training.log_entry(
        begin.iteration, utc_timestamp(), proposal, verdict, before, after, duration_s
    )
    log = TrainingLog(log_path, repair=False)  # append repairs a torn last line itself
    written = log.append(entry)
    row = {k: v for k, v in asdict(entry).items() if k != "changes"}
    create_table_artifact(
        [row | {"changes": len(entry.changes)}],
        key="training-log",
        description=f"iteration {entry.iteration}",
    )
    if proposals is not None and verdicts is not None:
        history = attempt_file(Path(log_path).parent)
        history.append(attempts_of(begin.iteration, proposals, verdicts))
        rows = advisor_rows(merge(history.read(), begin.history))
        run_logger().info("advisors: %s", advisor_text(rows))
        create_table_artifact(rows, key="advisors", description="per advisor, whole run")
    warning = stagnation_warning(log.iterations_since_improvement(), stagnation_limit)
    if warning:
        get_run_logger().warning(warning)
        create_markdown_artifact(f"**Stagnation.** {warning}", key="stagnation")
    return written


@task(name="report", cache_policy=NO_CACHE)
def report(
    iteration: int,
    proposals: list[Proposal],
    verdicts: list[Verdict],
    winner: int | None,
    begin: training.IterationStart | None = None,
    window: int = DEFAULT_WINDOW,
) -> None:
    """The candidates' table; given ``begin``, also the change history before this iteration
    ("recently tried: ...")."""
    lines = [
        f"# Iteration {iteration}",
        "",
        "| candidate | changes | games | verdict | summary | advisor |",
        "|---|---|---|---|---|---|",
    ]
    for i, (p, v) in enumerate(zip(proposals, verdicts, strict=True)):
        changes = ", ".join(
            f"{k}: {format_value(old)} → {format_value(new)}" for k, old, new in p.changes
        )
        mark = " (winner)" if i == winner else ""
        lines.append(
            f"| {i}{mark} | {changes} | {v.result.games} | {v.status} | "
            f"{v.result.summary_line(v.test())} | {p.advisor} |"
        )
    if begin is not None:
        tried = ChangeHistory(begin.attempts, window).lines(iteration)
        if tried:
            lines += ["", f"Change history (last {window} iterations):", ""]
            lines += [f"- {line}" for line in tried]
    create_markdown_artifact(
        "\n".join(lines), key="iteration-report", description=f"iteration {iteration}"
    )


@task(name="next-iteration", cache_policy=NO_CACHE)
def next_iteration(log_path: str) -> int:
    """The iteration after the last logged one (1 for a new log)."""
    return (TrainingLog(log_path, repair=False).last_iteration() or 0) + 1


@task(name="report-http", cache_policy=NO_CACHE)
def report_http(iteration: int, results_dir: str, labels: list[str]) -> list[dict]:
    """An external snake's HTTP figures per candidate (timeouts, errors, invalid answers,
    restarts, replays, p50/p99 latency): logged and published as the ``http-calls``
    artifact. Read from ``external_calls.jsonl``, every shard's calls of those labels."""
    from snaketrain.external.training import read_calls

    calls = read_calls(results_dir, set(labels))
    rows = [calls[label].summary() for label in labels if label in calls]
    for row in rows:
        get_run_logger().info("http %s", row)
    if rows:
        create_table_artifact(rows, key="http-calls", description=f"iteration {iteration}")
    return rows
