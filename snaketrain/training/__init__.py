"""Training as values: an iteration's start, proposals, candidates, shards, verdicts and log
line, and what a run of N iterations means. No Prefect here: ``tasks/`` wraps these
functions one per DAG step, and ``flows/`` composes the tasks."""

from snaketrain.training.candidates import CANDIDATES, build, smoke_move, write_candidate
from snaketrain.training.iteration import (
    IterationStart,
    Strength,
    check_proposals,
    choose,
    commit_text,
    confirmed,
    iteration_seed,
    log_entry,
    propose,
    shown,
    sprt_for,
    start,
    strength_seed,
    unconfirmed,
)
from snaketrain.training.runplan import RUN_FILE, RunPlan, continued, finish_run, plan_run
from snaketrain.training.shards import (
    BENCHMARK_RUNS,
    ShardSpec,
    SnakeRef,
    digest,
    play_shard,
    record_run,
    shard_specs,
)

__all__ = [
    "BENCHMARK_RUNS",
    "CANDIDATES",
    "RUN_FILE",
    "IterationStart",
    "RunPlan",
    "ShardSpec",
    "SnakeRef",
    "Strength",
    "build",
    "check_proposals",
    "choose",
    "commit_text",
    "confirmed",
    "digest",
    "finish_run",
    "iteration_seed",
    "log_entry",
    "continued",
    "plan_run",
    "play_shard",
    "propose",
    "record_run",
    "shard_specs",
    "shown",
    "smoke_move",
    "sprt_for",
    "start",
    "strength_seed",
    "unconfirmed",
    "write_candidate",
]
