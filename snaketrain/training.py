"""One training iteration as values: seeds, proposals, candidate files, shard play, selection
and the log line. No Prefect here: ``tasks/`` wraps these functions one per DAG step.

Statistics of a decision. Each candidate plays its own SPRT against the incumbent (the best
config), on paired games whose seeds come from the iteration's seed. With ``k`` candidates in
one iteration each SPRT runs at ``alpha / k`` (Bonferroni), so the chance that any candidate
that is no better gets accepted stays at most ``alpha`` per iteration however many are tried;
among the accepted ones the one with the largest LLR wins. The strength that is logged and
committed is re-measured on fresh seeds against the reference opponents, never taken from the
games that decided (no winner's curse).
"""

from __future__ import annotations

import hashlib
import json
import math
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from snaketrain.arena.match import MatchSetup, play_pairs, shard_pairs
from snaketrain.arena.result import MatchResult, Verdict
from snaketrain.arena.sprt import Sprt
from snaketrain.configio import write_text_atomic
from snaketrain.rules import rng
from snaketrain.rules.start import standard_start
from snaketrain.rules.types import Settings
from snaketrain.snake.heuristic import HeuristicPolicy
from snaketrain.snake.policy import decide
from snaketrain.snake.registry import batched_policy
from snaketrain.snake.space import Config, config_hash, dump_config, parse_yaml
from snaketrain.trainlog import LogEntry, iterations_since_improvement
from snaketrain.tuning.advisor import Proposal
from snaketrain.tuning.perturb import RandomPerturbation, perturbation_scale

CANDIDATES = "candidates"
BENCHMARK_RUNS = "benchmark_runs.jsonl"


def iteration_seed(run_seed: int, iteration: int) -> int:
    """Master seed of an iteration's deciding games (fresh games every iteration)."""
    return rng.game_seed(run_seed ^ 0x51ED, iteration)


def strength_seed(run_seed: int) -> int:
    """Master seed of re-measurements against the reference opponents."""
    return rng.game_seed(run_seed ^ 0x57E6, 0)


def short_hash(config: Config) -> str:
    return config_hash(config)[:16]


def propose(
    best: Config,
    history: Sequence[LogEntry],
    k: int,
    seed: int,
    stagnation_limit: int,
) -> list[Proposal]:
    """``k`` proposals by random perturbation, the step grown on stagnation."""
    since = iterations_since_improvement(history)
    advisor = RandomPerturbation().scaled(perturbation_scale(since, stagnation_limit))
    return advisor.propose(best, history, k, np.random.default_rng(seed))


def write_candidate(results_dir: str | Path, config: Config) -> Path:
    """The candidate's content-addressed file ``candidates/<hash>.yaml`` (written once)."""
    path = Path(results_dir) / CANDIDATES / f"{short_hash(config)}.yaml"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, dump_config(config))
    return path


def smoke_move(config: Config) -> str:
    """Build the candidate's policy and make one move on a standard start: a broken
    candidate fails here, before any benchmark."""
    board = standard_start(11, ["candidate", "other"], seed=1)
    return decide(HeuristicPolicy(config), board, "candidate", seed=1)


def setup_for(
    size: int, players: int, master_seed: int, max_turns: int, batch_size: int, device: str
) -> MatchSetup:
    return MatchSetup(
        players=players,
        size=size,
        master_seed=master_seed,
        max_turns=max_turns,
        settings=Settings(),
        batch_size=batch_size,
        device=device,
    )


# --- shards --------------------------------------------------------------------------------

_POOL: ProcessPoolExecutor | None = None
_POOL_SIZE = 0


def _init_worker() -> None:
    torch.set_num_threads(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the trainer's to handle
    parent = os.getppid()

    def exit_with_parent() -> None:  # a trainer killed with -9 leaves no idle workers behind
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=exit_with_parent, daemon=True).start()


def _play(
    refs: Sequence[str], names: Sequence[str], setup: MatchSetup, pairs: list[int]
) -> MatchResult:
    policies = [batched_policy(r) for r in refs]
    return play_pairs(policies[0], policies[1:], setup, pairs, names=names)


def play_shard(
    refs: Sequence[str],
    names: Sequence[str],
    setup: MatchSetup,
    pairs: Sequence[int],
    shard: int,
    shards: int,
    processes: int = 1,
) -> MatchResult:
    """Shard ``shard`` of ``shards`` of ``pairs``: ``refs[0]`` (candidate) against the other
    refs (config paths or built-in names). With ``processes > 1`` the games run in a pool of
    local spawned processes (one torch thread each) shared by all shards of this process."""
    global _POOL, _POOL_SIZE
    mine = shard_pairs(pairs, shard, shards)
    if processes <= 1:
        return _play(refs, names, setup, mine)
    if _POOL is None or processes != _POOL_SIZE:
        if _POOL is not None:
            _POOL.shutdown(cancel_futures=True)
        ctx = multiprocessing.get_context("spawn")
        _POOL = ProcessPoolExecutor(processes, mp_context=ctx, initializer=_init_worker)
        _POOL_SIZE = processes
    return _POOL.submit(_play, list(refs), list(names), setup, mine).result()


def shutdown_pool() -> None:
    global _POOL
    if _POOL is not None:
        _POOL.shutdown(cancel_futures=True)
        _POOL = None


def record_run(results_dir: str | Path, key: str, games: int, seconds: float | None) -> None:
    """Append one line per benchmark shard actually played (cached shards add none)."""
    took = None if seconds is None else round(seconds, 3)
    line = json.dumps({"key": key, "games": games, "seconds": took, "pid": os.getpid()})
    path = Path(results_dir) / BENCHMARK_RUNS
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as f:
        f.write(line + "\n")
        f.flush()
        os.fsync(f.fileno())


def digest(*parts: Any) -> str:
    """A short stable hash of JSON-able parts (for cache keys)."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


# --- decisions -----------------------------------------------------------------------------


def sprt_for(elo0: float, elo1: float, alpha: float, beta: float, candidates: int) -> Sprt:
    """Each candidate's test: alpha shared among the ``candidates`` (Bonferroni)."""
    return Sprt(elo0=elo0, elo1=elo1, alpha=alpha / max(1, candidates), beta=beta)


def choose(verdicts: Sequence[Verdict]) -> int | None:
    """Index of the winner: the accepted candidate with the largest LLR (fixed-N mode: the
    largest lower Elo bound); None when no candidate was accepted."""
    best, best_key = None, -math.inf
    for i, v in enumerate(verdicts):
        if not v.accepted:
            continue
        key = v.llr if v.llr is not None else v.result.total.elo().low
        if key > best_key:
            best, best_key = i, key
    return best


@dataclass(frozen=True)
class Strength:
    """A config's re-measured score against the reference opponents (fresh seeds)."""

    config_hash: str
    win_rate: float
    low: float
    high: float
    games: int

    @staticmethod
    def of(result: MatchResult) -> Strength:
        wr = result.total.win_rate()
        return Strength(result.candidate, wr.score, wr.low, wr.high, result.games)


def log_entry(
    iteration: int,
    timestamp: str,
    proposal: Proposal,
    verdict: Verdict,
    best_before: Strength,
    best_after: Strength,
    duration_s: float,
) -> LogEntry:
    """The log line of an iteration, from the candidate that decided it (the winner, or the
    candidate with the largest LLR when none was accepted).

    ``win_rate``: the candidate's score against the incumbent in the deciding games (0.5 =
    equal). ``best_win_rate``: the best config's re-measured score against the reference
    opponents after this iteration; ``improvement``: its change in this iteration."""
    total = verdict.result.total
    elo = total.elo()
    return LogEntry(
        iteration=iteration,
        timestamp=timestamp,
        changes=proposal.changes_as_dicts(),
        win_rate=total.win_rate().score if total.games else math.nan,
        best_win_rate=best_after.win_rate,
        improvement=best_after.win_rate - best_before.win_rate,
        games=verdict.result.games,
        elo=elo.elo,
        elo_ci=[elo.low, elo.high],
        llr=verdict.llr if verdict.llr is not None else math.nan,
        accepted=verdict.accepted,
        advisor=proposal.advisor,
        duration_s=duration_s,
        config_hash=config_hash(proposal.config),
        best_ci=[best_after.low, best_after.high],
    )


def proposal_to_dict(p: Proposal) -> dict[str, Any]:
    return {
        "config": dump_config(p.config),
        "changes": [list(c) for c in p.changes],
        "advisor": p.advisor,
        "reason": p.reason,
    }


def proposal_from_dict(d: dict[str, Any]) -> Proposal:
    return Proposal(
        config=parse_yaml(d["config"], source="proposal"),
        changes=tuple((k, old, new) for k, old, new in d["changes"]),
        advisor=d["advisor"],
        reason=d["reason"],
    )
