"""record: the iteration's log line (once, even across crashes) and its Prefect artifacts: the
training-log table and the status plot (keyed: the UI lists them under their key, newest
version first), the iteration report, the stagnation warning."""

from __future__ import annotations

from typing import Any

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from snaketrain import training
from snaketrain.arena.result import Verdict
from snaketrain.training import artifacts
from snaketrain.trainlog import TrainingLog, stagnation_warning, utc_timestamp
from snaketrain.tuning.advisor import Proposal


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
) -> bool:
    """Append the line unless this iteration already has one; publish the artifacts."""
    entry = training.log_entry(
        begin.iteration, utc_timestamp(), proposal, verdict, before, after, duration_s
    )
    log = TrainingLog(log_path, repair=False)  # append repairs a torn last line itself
    written = log.append(entry)
    entries = log.entries()
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
) -> None:
    """The iteration report artifact: incumbent strength, verdicts, outcome and commit."""
    create_markdown_artifact(
        artifacts.iteration_report(
            iteration, proposals, verdicts, winner, before, after, opponents, commit
        ),
        key="iteration-report",
        description=f"iteration {iteration}",
    )


@task(name="next-iteration", cache_policy=NO_CACHE)
def next_iteration(log_path: str) -> int:
    """The iteration after the last logged one (1 for a new log)."""
    return (TrainingLog(log_path, repair=False).last_iteration() or 0) + 1
