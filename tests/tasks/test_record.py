"""record: the iteration's log line once, its artifacts; report; next-iteration."""

from __future__ import annotations

import json
from pathlib import Path

from prefect import flow
from taskkit import artifacts, flow_run_id, strength, verdict, weak_config, write_log

from snaketrain import training
from snaketrain.arena.result import Verdict
from snaketrain.snake.space import config_hash, default_config
from snaketrain.trainlog import LOG_NAME, TrainingLog
from snaketrain.tuning.advisor import Proposal
from tasks.record import next_iteration, record, report


@flow
def record_iteration(log_path: str, begin: training.IterationStart, limit: int) -> bool:
    proposal = Proposal.between(begin.best, weak_config(), "random", "test")
    before, after = strength(begin.best, 0.5), strength(begin.best, 0.5)
    return record(log_path, begin, proposal, verdict("reject", -3.0), before, after, 2.5, limit)


@flow
def report_iteration(
    proposals: list[Proposal], verdicts: list[Verdict], winner: int | None
) -> None:
    before = strength(default_config(), 0.5)
    after = strength(proposals[winner].config, 0.55) if winner is not None else before
    commit = {"status": "committed", "sha": "feedbeef" * 5, "message": "m"}
    report(7, proposals, verdicts, winner, before, after, ["baseline"], commit)


def test_the_line_is_written_once(prefect_storage: Path, tmp_path: Path) -> None:
    log = tmp_path / LOG_NAME
    start = training.start(1, 0, default_config(), [])
    assert record_iteration(str(log), start, 100) is True
    assert record_iteration(str(log), start, 100) is False  # the re-run of a crashed iteration
    [entry] = TrainingLog(log).entries()
    assert (entry.iteration, entry.accepted, entry.llr) == (1, False, -3.0)
    assert entry.config_hash == config_hash(weak_config()) and entry.duration_s == 2.5
    assert entry.changes and entry.games == 16


def test_the_table_artifact_holds_the_line(prefect_storage: Path, tmp_path: Path) -> None:
    start = training.start(1, 0, default_config(), [])
    state = record_iteration(str(tmp_path / LOG_NAME), start, 100, return_state=True)
    made = artifacts(flow_run_id(state))
    assert "stagnation" not in made
    [row] = json.loads(made["training-log"])  # the last 50 lines: here the one
    assert (row["iteration"], row["verdict"], row["games"], row["LLR"]) == (
        1,
        "rejected",
        16,
        "-3.00",
    )
    changes = Proposal.between(start.best, weak_config(), "r", "").changes
    assert row["changes"].startswith(f"{changes[0][0]}: ")
    assert made["status-plot"].startswith("![strength over iterations](data:image/png;base64,")


def test_stagnation_is_warned_at_the_limit(prefect_storage: Path, tmp_path: Path) -> None:
    entries = write_log(tmp_path, [True, False])
    start = training.start(3, 0, default_config(), entries)
    state = record_iteration(str(tmp_path / LOG_NAME), start, 2, return_state=True)
    made = artifacts(flow_run_id(state))
    assert made["stagnation"] == (
        "**Stagnation.** stagnation: 2 iterations without an improvement (limit 2); "
        "the perturbation step is enlarged"
    )


def test_the_report_shows_every_candidate_and_the_winner(prefect_storage: Path) -> None:
    best = default_config()
    proposals = [
        Proposal.between(best, best.replace({"weights.space": 21.5}), "random", "a"),
        Proposal.between(best, best.replace({"search.depth": 0}), "random", "b"),
    ]
    state = report_iteration(
        proposals, [verdict("reject", -3.0), verdict("accept", 3.0)], 1, return_state=True
    )
    text = artifacts(flow_run_id(state))["iteration-report"]
    lines = text.splitlines()
    assert lines[0] == "## Iteration 7"
    assert "**Candidate 1 accepted**, committed as `feedbeeffeed`" in lines[2]
    assert "| 0 | rejected | 16 |" in text and "| 1 (winner) | accepted | 16 |" in text
    assert "- candidate 0: weights.space: 20.0 → 21.5" in lines
    assert "- candidate 1: search.depth: 1 → 0" in lines


def test_next_iteration_follows_the_log(tmp_path: Path) -> None:
    log = tmp_path / LOG_NAME
    assert next_iteration.fn(str(log)) == 1
    write_log(tmp_path, [False, True])
    assert next_iteration.fn(str(log)) == 3
