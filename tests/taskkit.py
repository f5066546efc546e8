"""Helpers shared by the task and flow tests: tiny settings, made-up verdicts, Prefect's
record of a flow run."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from uuid import UUID

from prefect.client.schemas.objects import State

from blocks.training import TrainingSettings
from snaketrain import training
from snaketrain.arena.result import MatchResult, OpponentRecord, Verdict, VerdictStatus
from snaketrain.arena.sprt import Sprt
from snaketrain.snake.space import PARAMS, Config, config_hash, default_config
from snaketrain.trainlog import LOG_NAME, LogEntry, TrainingLog
from snaketrain.tuning.advisor import Proposal

WEAK = {  # every weight at its lowest: a snake that only avoids dying at once
    key: p.low
    for key, p in PARAMS.items()
    if p.kind == "float" and key.startswith(("weights.", "traps.", "pursuit.", "trapping."))
}


def weak_config() -> Config:
    return default_config().replace({**WEAK, "search.depth": 0, "hybrid.enabled": False})


def quick_config() -> Config:
    """The default snake without look-ahead: strong against weak_config, and quick."""
    return default_config().replace({"search.depth": 0})


def tiny_settings(**over: object) -> TrainingSettings:
    """A 7x7 run of short games against random-safe, played in this process (one shard)."""
    base = dict(
        advisor="random",
        sprt_elo0=0.0,
        sprt_elo1=100.0,
        batch_pairs=4,
        max_pairs=16,
        opponents=["random-safe"],
        remeasure_pairs=4,
        shards=1,
        size=7,
        max_turns=100,
        batch_size=32,
    )
    return TrainingSettings(**(base | over))


def match_result(
    pentanomial: Sequence[int], candidate: str = "cand", opponent: str = "inc"
) -> MatchResult:
    """A result with these pair counts ([LL, LD+DL, LW+DD+WL, DW+WD, WW]), as if played."""
    penta = tuple(int(c) for c in pentanomial)
    wins = 2 * penta[4] + penta[3] + penta[2]  # LW/WL counted as one win, one loss
    losses = 2 * penta[0] + penta[1] + penta[2]
    draws = penta[1] + penta[3]
    pairs = tuple(range(sum(penta)))
    row = OpponentRecord(
        opponent, wins, draws, losses, penta, {50: 2 * len(pairs)}, 0, {"survived": wins}, {}
    )
    return MatchResult(candidate, (opponent,), 2, 7, 1, 100, {}, pairs, (row,))


def verdict(
    status: VerdictStatus, llr: float | None, pentanomial: Sequence[int] = (0, 0, 2, 0, 6)
) -> Verdict:
    """An SPRT verdict (``llr`` None: a fixed-N verdict) on a result with these counts."""
    result = match_result(pentanomial)
    if llr is None:
        return Verdict(mode="fixed", status=status, result=result, min_elo=0.0)
    sprt = asdict(Sprt(elo0=0.0, elo1=10.0))
    pairs = [len(result.pairs)]
    return Verdict(mode="sprt", status=status, result=result, sprt=sprt, llr=llr, batches=pairs)


def strength(config: Config, win_rate: float) -> training.Strength:
    """A re-measured strength of ``config`` (40 games, a ±0.1 interval)."""
    return training.Strength(config_hash(config), win_rate, win_rate - 0.1, win_rate + 0.1, 40)


def write_log(results: Path, accepted: Sequence[bool]) -> list[LogEntry]:
    """Iterations 1, 2, .. with these outcomes in the results folder's training log."""
    best, candidate = default_config(), weak_config()
    entries = []
    for i, ok in enumerate(accepted, start=1):
        entry = training.log_entry(
            i,
            "2026-12-01T00:00:00Z",
            Proposal.between(best, candidate, "random", "test"),
            verdict("accept" if ok else "reject", 3.0 if ok else -3.0),
            strength(best, 0.5),
            strength(best, 0.6 if ok else 0.5),
            1.0,
        )
        assert TrainingLog(results / LOG_NAME).append(entry)
        entries.append(entry)
    return entries


def flow_run_id(state: State) -> UUID:
    run = state.state_details.flow_run_id
    assert run is not None
    return run


def artifacts(run: UUID) -> dict[str, str]:
    """``key -> data`` of the artifacts the flow run ``run`` created."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run]))
        )
    return {a.key: str(a.data) for a in found if a.key is not None}


def task_runs(run: UUID) -> Counter[str]:
    """How often each task ran in the flow run ``run`` and its subflow runs, by task name."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterId,
        FlowRunFilterParentFlowRunId,
    )

    with get_client(sync_client=True) as client:
        children = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[run])
            )
        )
        ids = [run, *(c.id for c in children)]
        found = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=ids)))
    return Counter(t.name.rsplit("-", 1)[0] for t in found)
