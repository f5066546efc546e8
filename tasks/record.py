"""record: the iteration's log line (once, even across crashes) and its Prefect artifacts: the
training-log table and the status plot (keyed: the UI lists them under their key, newest
version first), the iteration report, the stagnation warning."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from snaketrain import training
from snaketrain.arena.result import Verdict
from snaketrain.learn.advisors import advisor_rows, advisor_text
from snaketrain.learn.history import DEFAULT_WINDOW, ChangeHistory, attempts_of, merge
from snaketrain.training import artifacts
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
    entries = log.tail(max(artifacts.TABLE_ROWS, artifacts.PLOT_ITERATIONS))  # never all of it
    create_table_artifact(
        artifacts.log_rows(entries),
        key="training-log",
        description=f"the last {artifacts.TABLE_ROWS} iterations, newest first",
    )
    create_markdown_artifact(
        artifacts.png_markdown(artifacts.status_plot(entries), "strength over iterations"),
        key="status-plot",
        description=f"strength over iterations, after iteration {entry.iteration}",
    )
    if proposals is not None and verdicts is not None:
        history = attempt_file(Path(log_path).parent)
        history.append(attempts_of(begin.iteration, proposals, verdicts))
        rows = advisor_rows(merge(history.read(), begin.history, begin.best.space))
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
    before: training.Strength,
    after: training.Strength,
    opponents: list[str],
    commit: dict[str, Any] | None,
    begin: training.IterationStart | None = None,
    window: int = DEFAULT_WINDOW,
) -> None:
    """The iteration report artifact: incumbent strength, verdicts, outcome and commit; given
    ``begin``, also the change history before this iteration ("recently tried: ...")."""
    tried = ChangeHistory(begin.attempts, window).lines(iteration) if begin is not None else []
    create_markdown_artifact(
        artifacts.iteration_report(
            iteration, proposals, verdicts, winner, before, after, opponents, commit, tried, window
        ),
        key="iteration-report",
        description=f"iteration {iteration}",
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
