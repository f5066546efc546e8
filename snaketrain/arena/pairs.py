"""Pairs: a candidate snake against one or more opponents, in pairs of games on common seeds.

Pairs. Pair ``i`` is played on seed ``rng.game_seed(master_seed, i)`` against every
opponent, twice: in game A the candidate sits in seat 0; game B is game A with the seats
rotated by ``players // 2``, so the candidate sits in seat ``players // 2``. In a duel that is
the plain swap of the two start points. In a 4-snake game the candidate moves from seat 0 to
seat 2 and every opponent moves two seats on: each snake gets a different start point, and
the candidate keeps a start of the same kind (the standard start gives the first four seats
all corners or all mid-edges). The opponent of a row fills every other seat (a 4-snake row is
the candidate against three copies of that opponent); a gauntlet is one row per opponent.

Scores, from the candidate's view. A snake *outlasts* another when it was eliminated on a
later turn or is still alive at the end (the winner, or a survivor at ``max_turns``); two
snakes eliminated on the same turn, or both alive at the cap, are level. The candidate's
points are the opponents it outlasted plus half the ones it is level with, out of
``players - 1``:

- win (1): more than half the points: in a duel, the candidate is the winner; in a 4-snake
  game, the candidate outlasted at least two of the three opponents (the winner, and the
  runner-up outright);
- draw (0.5): exactly half: in a duel, both eliminated on the same turn or both alive at
  ``max_turns``; in a 4-snake game, e.g. outlasting one opponent and level with two;
- loss (0): less than half.

Why not "a 4-snake win is being the last one standing": against three equal snakes that wins
a quarter of the games, so an equally strong candidate would read about -190 Elo and an SPRT
around 0 Elo could never pass. The "top half of the field" rule gives an equal candidate a
score of one half by symmetry (exactly so unless three snakes are eliminated on one turn),
and it is the plain duel rule when ``players`` is 2.

Determinism and shards. Every random choice of a game comes from its seed, so a pair's
result does not depend on batch, device or process. ``shard k of n`` plays the pairs ``i``
with ``i % n == k``; :meth:`MatchResult.merge` of all shards equals the single run exactly.

Seeds that decide never report. Deciding games (SPRT, fixed-N) use pair indices below
``REMEASURE_BASE`` = 2**31; ``decide.remeasure`` plays pair indices from ``REMEASURE_BASE``
on. For a fixed master seed ``game_seed`` is a bijection of the index (mod 2**32), so the
remeasured seeds are disjoint from every deciding seed of that master seed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from snaketrain.arena.result import SURVIVED, MatchResult, OpponentRecord
from snaketrain.arena.runner import GameResults, GameSpec, run_games
from snaketrain.arena.stats import pentanomial
from snaketrain.rules import rng
from snaketrain.rules.types import CAUSES, Settings
from snaketrain.snake.policy import BatchedPolicy

#: First pair index of ``decide.remeasure``; deciding games use indices below it.
REMEASURE_BASE = 2**31

#: Plays the given pair indices and returns their result (``LocalPlayer``, ``pool.ShardPool``).
PlayPairs = Callable[[Sequence[int]], MatchResult]


@dataclass(frozen=True)
class MatchSetup:
    """How the games of a match are played (everything except the snakes)."""

    players: int = 2  # snakes per game: 2 (duel) or 4
    size: int = 11
    master_seed: int = 0
    max_turns: int = 1000
    settings: Settings = field(default_factory=Settings)
    batch_size: int = 1024  # games in flight at once
    device: str = "cpu"

    def __post_init__(self) -> None:
        if self.players not in (2, 4):
            raise ValueError(f"players must be 2 or 4, got {self.players}")


def pair_seats(players: int, opponent: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Seats of games A and B of a pair: policy 0 is the candidate, ``opponent`` the rest."""
    game_a = (0,) + (opponent,) * (players - 1)
    shift = players // 2
    game_b = tuple(game_a[(s - shift) % players] for s in range(players))
    return game_a, game_b


def shard_pairs(pairs: Sequence[int], shard: int, shards: int) -> list[int]:
    """The pairs of shard ``shard`` of ``shards``: those with ``i % shards == shard``."""
    if not 0 <= shard < shards:
        raise ValueError(f"need 0 <= shard < shards, got shard {shard} of {shards}")
    return [i for i in pairs if i % shards == shard]


@dataclass(frozen=True)
class _Job:
    """Pairs of one candidate against its opponents; policies are indices into one list."""

    candidate: int
    opponents: tuple[int, ...]
    master_seed: int
    pairs: tuple[int, ...]
    labels: tuple[str, ...]  # candidate, then opponents


def candidate_scores(games: GameResults, seat: np.ndarray) -> np.ndarray:
    """The candidate's score in each game (rules in the module docstring); ``seat: [N]`` is
    the candidate's seat in each game."""
    rows = np.arange(len(games))
    # end: [N, S] turn a snake was eliminated; still alive at the end = turns + 1
    end = np.where(games.cause == 0, games.turns[:, None] + 1, games.elim_turn)
    mine = end[rows, seat][:, None]  # [N, 1]
    others = np.arange(games.seats.shape[1])[None, :] != seat[:, None]  # [N, S]
    points = ((mine > end) & others).sum(1) + 0.5 * ((mine == end) & others).sum(1)
    half = (games.seats.shape[1] - 1) / 2.0
    return np.where(points > half, 1.0, np.where(points == half, 0.5, 0.0))


def _record(name: str, games: GameResults, seat: np.ndarray) -> OpponentRecord:
    """Counts of one opponent's games, given in pair order (A, B, A, B, ...)."""
    scores = candidate_scores(games, seat)
    is_cand = (np.arange(games.seats.shape[1])[None, :] == seat[:, None]).ravel()  # [N * S]
    causes = [CAUSES[c] or SURVIVED for c in games.cause.ravel()]
    cand = Counter(c for c, me in zip(causes, is_cand, strict=True) if me)
    opp = Counter(c for c, me in zip(causes, is_cand, strict=True) if not me)
    ptnml = pentanomial(scores.reshape(-1, 2).tolist())
    return OpponentRecord(
        opponent=name,
        wins=int((scores == 1.0).sum()),
        draws=int((scores == 0.5).sum()),
        losses=int((scores == 0.0).sum()),
        pentanomial=tuple(ptnml),  # type: ignore[arg-type]
        lengths=dict(sorted(Counter(int(t) for t in games.turns).items())),
        turn_limit=int(games.turn_limit.sum()),
        candidate_causes=dict(sorted(cand.items())),
        opponent_causes=dict(sorted(opp.items())),
    )


def _play_jobs(
    policies: Sequence[BatchedPolicy],
    jobs: Sequence[_Job],
    setup: MatchSetup,
    progress: Callable[[int], None] | None = None,
) -> list[MatchResult]:
    """Every job's games in one ``run_games`` call (order: job, pair, opponent, A, B)."""
    specs: list[GameSpec] = []
    for job in jobs:
        if len(set(job.pairs)) != len(job.pairs) or not all(0 <= i < 2**32 for i in job.pairs):
            raise ValueError("pair indices must be distinct integers in 0..2**32-1")
        local = (job.candidate, *job.opponents)
        seats = [pair_seats(setup.players, j + 1) for j in range(len(job.opponents))]
        specs += [
            GameSpec(rng.game_seed(job.master_seed, i), tuple(local[p] for p in s))
            for i in job.pairs
            for a_b in seats
            for s in a_b
        ]
    games = (
        run_games(
            specs,
            policies,
            size=setup.size,
            settings=setup.settings,
            batch_size=setup.batch_size,
            device=setup.device,
            max_turns=setup.max_turns,
            progress=progress,
        )
        if specs
        else None
    )
    out, first = [], 0
    for job in jobs:
        n_opp, n_pairs = len(job.opponents), len(job.pairs)
        rows = []
        for j in range(n_opp):
            if games is None or not n_pairs:
                rows.append(OpponentRecord.empty(job.labels[j + 1]))
                continue
            # game (pair p, opponent j, A/B) sits at first + (p * n_opp + j) * 2 + ab
            index = first + ((np.arange(n_pairs)[:, None] * n_opp + j) * 2 + np.arange(2))
            index = index.ravel()
            part = GameResults(
                *(getattr(games, f)[index] for f in GameResults.__dataclass_fields__)
            )
            seat = np.tile([0, setup.players // 2], n_pairs)
            rows.append(_record(job.labels[j + 1], part, seat))
        first += 2 * n_opp * n_pairs
        out.append(
            MatchResult(
                candidate=job.labels[0],
                opponents=job.labels[1:],
                players=setup.players,
                size=setup.size,
                master_seed=job.master_seed,
                max_turns=setup.max_turns,
                settings=asdict(setup.settings),
                pairs=tuple(sorted(job.pairs)),
                rows=tuple(rows),
            )
        )
    return out


def _labels(
    candidate: BatchedPolicy, opponents: Sequence[BatchedPolicy], names: Sequence[str] | None
) -> tuple[str, ...]:
    if not opponents:
        raise ValueError("a match needs at least one opponent")
    labels = tuple(names) if names is not None else tuple(p.name for p in (candidate, *opponents))
    if len(labels) != len(opponents) + 1:
        raise ValueError(f"need {len(opponents) + 1} names, got {len(labels)}")
    return labels


def play_pairs(
    candidate: BatchedPolicy,
    opponents: Sequence[BatchedPolicy],
    setup: MatchSetup,
    pairs: Sequence[int],
    progress: Callable[[int], None] | None = None,
    names: Sequence[str] | None = None,
) -> MatchResult:
    """Play pairs ``pairs`` (indices) of ``candidate`` against every opponent.

    ``names``: the candidate's and the opponents' labels (default: each policy's ``name``).
    ``progress(k)`` is called with the number of games just finished.
    """
    labels = _labels(candidate, opponents, names)
    job = _Job(
        0, tuple(range(1, len(opponents) + 1)), setup.master_seed, tuple(sorted(pairs)), labels
    )
    return _play_jobs([candidate, *opponents], [job], setup, progress)[0]


def _lane_jobs(
    lanes: Sequence[tuple[BatchedPolicy, int]],
    opponents: Sequence[BatchedPolicy],
    names: Sequence[str] | None,
) -> tuple[list[BatchedPolicy], list[tuple[int, int, tuple[str, ...]]]]:
    """One policy list (opponents first, each candidate once) and per lane its candidate's
    index, master seed and labels."""
    policies: list[BatchedPolicy] = list(opponents)
    out = []
    for candidate, seed in lanes:
        index = next((k for k, p in enumerate(policies) if p is candidate), None)
        if index is None:
            policies.append(candidate)
            index = len(policies) - 1
        out.append((index, seed, _labels(candidate, opponents, names)))
    return policies, out


def play_lanes(
    lanes: Sequence[tuple[BatchedPolicy, int]],
    opponents: Sequence[BatchedPolicy],
    setup: MatchSetup,
    pairs: Sequence[int],
    names: Sequence[str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[MatchResult]:
    """Several matches at once on the engine: lane ``(candidate, master_seed)`` gets exactly
    ``play_pairs(candidate, opponents, setup with master_seed, pairs)``. For k candidates
    against the same opponents, or repeated runs of one match (``setup.master_seed`` is
    ignored)."""
    policies, base = _lane_jobs(lanes, opponents, names)
    opp = tuple(range(len(opponents)))
    jobs = [_Job(index, opp, seed, tuple(sorted(pairs)), labels) for index, seed, labels in base]
    return _play_jobs(policies, jobs, setup, progress)


def play_duels(
    duels: Sequence[tuple[BatchedPolicy, BatchedPolicy, int]],
    setup: MatchSetup,
    progress: Callable[[int], None] | None = None,
) -> list[MatchResult]:
    """Many one-pair matches in one engine run: duel ``(a, b, i)`` is pair ``i`` (on
    ``setup.master_seed``) of ``a`` against ``b``, exactly ``play_pairs(a, [b], setup, [i])``.
    For SPSA's θ+cΔ against θ−cΔ, a different pair of configs for every pair of games (give
    the members of one ``HeuristicPolicy.from_configs`` and they play in one call a turn)."""
    policies: list[BatchedPolicy] = []
    index: dict[int, int] = {}

    def at(policy: BatchedPolicy) -> int:
        if id(policy) not in index:
            index[id(policy)] = len(policies)
            policies.append(policy)
        return index[id(policy)]

    jobs = [_Job(at(a), (at(b),), setup.master_seed, (i,), (a.name, b.name)) for a, b, i in duels]
    return _play_jobs(policies, jobs, setup, progress) if jobs else []


def play_match(
    candidate: BatchedPolicy,
    opponents: Sequence[BatchedPolicy],
    setup: MatchSetup,
    n_pairs: int,
    shard: int = 0,
    shards: int = 1,
    progress: Callable[[int], None] | None = None,
) -> MatchResult:
    """Pairs ``0..n_pairs-1`` (``2 * n_pairs`` games per opponent), or shard ``shard`` of
    ``shards`` of them. Merging all shards gives exactly the ``shards=1`` result."""
    return play_pairs(
        candidate, opponents, setup, shard_pairs(range(n_pairs), shard, shards), progress
    )


@dataclass
class LocalPlayer:
    """Plays pairs in this process: a ``PlayPairs`` for ``decide.sprt_match`` and friends."""

    candidate: BatchedPolicy
    opponents: Sequence[BatchedPolicy]
    setup: MatchSetup
    progress: Callable[[int], None] | None = None
    names: Sequence[str] | None = None

    def __call__(self, pairs: Sequence[int]) -> MatchResult:
        return play_pairs(
            self.candidate, self.opponents, self.setup, pairs, self.progress, self.names
        )
