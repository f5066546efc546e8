"""One training iteration as values: its start, its proposals, its verdicts, its outcome.

Statistics of a decision. Each candidate plays its own SPRT against the incumbent (the best
config), on paired games whose seeds come from the iteration's seed. With ``k`` candidates in
one iteration each SPRT runs at ``alpha / k`` (Bonferroni), so the chance that any candidate
that is no better gets accepted stays at most ``alpha`` per iteration however many are tried;
among the accepted ones the one with the largest LLR wins. The strength that is logged and
committed is re-measured on fresh seeds against the reference opponents, never taken from the
games that decided (no winner's curse).

Exactly once. An iteration's inputs are fixed by :func:`start` before anything is proposed
and persisted by the flow under the iteration's number: a crashed iteration that runs again
starts from the same best config even when config.yaml already holds its winner (a crash
between the commit and the log line), so it replays the same proposals and verdicts from the
cache and makes no second commit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from snaketrain.arena.result import MatchResult, Verdict
from snaketrain.arena.sprt import Sprt
from snaketrain.gitops import commit_message
from snaketrain.learn.history import Attempt, merge, without_vectors
from snaketrain.rules import rng
from snaketrain.snake.space import Config, config_hash
from snaketrain.trainlog import LogEntry, LogSummary, iterations_since_improvement
from snaketrain.tuning.advisor import Proposal
from snaketrain.tuning.perturb import RandomPerturbation, perturbation_scale

#: Log entries an advisor sees (the most recent ones).
HISTORY = 200


def iteration_seed(run_seed: int, iteration: int) -> int:
    """Master seed of an iteration's deciding games (fresh games every iteration)."""
    return rng.game_seed(run_seed ^ 0x51ED, iteration)


def strength_seed(run_seed: int) -> int:
    """Master seed of re-measurements against the reference opponents."""
    return rng.game_seed(run_seed ^ 0x57E6, 0)


@dataclass(frozen=True)
class Strength:
    """A config's re-measured score against the reference opponents (fresh seeds)."""

    config_hash: str
    win_rate: float
    low: float
    high: float
    games: int
    # how the config's snake ended in these games: ((cause, games), ...), "survived" included
    causes: tuple[tuple[str, int], ...] = ()

    @staticmethod
    def of(result: MatchResult) -> Strength:
        wr = result.total.win_rate()
        causes = tuple(sorted(result.total.candidate_causes.items()))
        return Strength(result.candidate, wr.score, wr.low, wr.high, result.games, causes)


@dataclass(frozen=True)
class IterationStart:
    """What an iteration starts from, fixed once (see the module docstring)."""

    iteration: int
    seed: int  # master seed of the deciding games
    best: Config
    best_hash: str
    history: tuple[LogEntry, ...]  # the last HISTORY log entries, oldest first
    games_before: int  # games of all earlier iterations
    improvements_before: int
    # the change history of the last HISTORY iterations (attempts.jsonl filled in from the
    # log), without config vectors, oldest first
    attempts: tuple[Attempt, ...] = ()

    @property
    def since_improvement(self) -> int:
        return iterations_since_improvement(self.history)


def start(
    iteration: int,
    run_seed: int,
    best: Config,
    entries: Sequence[LogEntry],
    attempts: Sequence[Attempt] = (),
    summary: LogSummary | None = None,
) -> IterationStart:
    """The iteration's start from the log: ``entries`` the whole log, or only its last
    ``HISTORY`` entries when ``summary`` gives the totals (``TrainingLog.tail`` / ``summary``:
    a long log is not read whole every iteration); ``attempts``: the results folder's change
    history (``learn.history``), if any."""
    merged = merge(attempts, entries, best.space)
    recent = [a for a in merged if a.iteration > iteration - 1 - HISTORY]
    return IterationStart(
        iteration=iteration,
        seed=iteration_seed(run_seed, iteration),
        best=best,
        best_hash=config_hash(best),
        history=tuple(entries[-HISTORY:]),
        games_before=summary.games if summary else sum(e.games for e in entries),
        improvements_before=summary.accepted if summary else sum(e.accepted for e in entries),
        attempts=without_vectors(a for a in recent if a.iteration < iteration),
    )


def propose(begin: IterationStart, k: int, stagnation_limit: int) -> list[Proposal]:
    """``k`` proposals by random perturbation, the step grown on stagnation."""
    scale = perturbation_scale(begin.since_improvement, stagnation_limit)
    advisor = RandomPerturbation().scaled(scale)
    return advisor.propose(begin.best, begin.history, k, np.random.default_rng(begin.seed))


def check_proposals(best: Config, proposals: Sequence[Proposal]) -> list[Proposal]:
    """The candidates of an iteration: every proposal valid (a ``Config`` is valid by
    construction), different from the best, and with its changes exactly the difference
    from the best (recomputed from the configs, so the log and the commit show the truth).
    A proposal that repeats an earlier one is dropped: it would play the same games twice."""
    out: list[Proposal] = []
    for i, p in enumerate(proposals):
        if p.config == best:
            raise ValueError(f"proposal {i} ({p.reason}) does not change the config")
        if any(q.config == p.config for q in out):
            continue
        out.append(Proposal.between(best, p.config, p.advisor, p.reason, p.tuning_games))
    return out


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


def confirmed(verdict: Verdict, before: Strength, after: Strength) -> bool:
    """Whether an accepted candidate may be committed, given the best config's re-measured
    strength ``before`` and the candidate's ``after`` (same fresh seeds and opponents).

    An SPRT's acceptance stands on its own error rates. A fixed-N acceptance rests on few
    games (``--games 8`` is 4 pairs), so it must also hold up on the fresh seeds: a
    candidate that re-measures worse than the best config is not committed."""
    return verdict.mode != "fixed" or after.win_rate >= before.win_rate


def unconfirmed(verdict: Verdict) -> Verdict:
    """The verdict of a fixed-N acceptance that the re-measurement did not confirm."""
    return replace(verdict, status="unconfirmed")


def shown(verdicts: Sequence[Verdict], winner: int | None) -> int:
    """The candidate an iteration's log line describes: the winner, else the largest LLR."""
    if winner is not None:
        return winner
    return max(
        range(len(verdicts)),
        key=lambda i: verdicts[i].llr if verdicts[i].llr is not None else -math.inf,
    )


def commit_text(
    begin: IterationStart,
    proposal: Proposal,
    verdict: Verdict,
    before: Strength,
    after: Strength,
    iteration_games: int,
    timestamp: str,
) -> str:
    """The commit message of the iteration's winner."""
    elo = verdict.result.total.elo()
    return commit_message(
        iteration=begin.iteration,
        win_rate=after.win_rate,
        prev_win_rate=before.win_rate,
        total_games=begin.games_before + iteration_games,
        total_improvements=begin.improvements_before + 1,
        timestamp=timestamp,
        elo=elo.elo,
        elo_ci=[elo.low, elo.high],
        llr=verdict.llr,
        changes=proposal.changes,
        advisor=proposal.advisor,
        tuning_games=proposal.tuning_games,
        verification_games=verdict.result.games,
        min_elo=verdict.min_elo,
    )


def log_entry(
    iteration: int,
    timestamp: str,
    proposal: Proposal,
    verdict: Verdict,
    best_before: Strength,
    best_after: Strength,
    duration_s: float,
) -> LogEntry:
    """The log line of an iteration, from the candidate that decided it (:func:`shown`).

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
        tuning_games=proposal.tuning_games,
        verdict=verdict.status,
    )
