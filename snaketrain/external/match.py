"""Paired games over HTTP, in the arena's result form: a ``MatchResult`` the SPRT code takes.

The same pairs as ``arena.pairs``: pair ``i`` on seed ``rng.game_seed(master_seed, i)``, games
A and B with the seats rotated (``pair_seats``), one row per opponent, scores and pentanomial
by ``pairs._record``; so a match played here is directly comparable with (and, for snakes that
play the same moves, equal to) the batched one. Games run ``concurrency`` at a time; the game
of spec ``n`` puts every HTTP snake on instance ``n % instances``, spreading the load.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from snaketrain.arena.pairs import MatchSetup, _record, pair_seats
from snaketrain.arena.result import MatchResult
from snaketrain.arena.runner import GameResults, GameSpec
from snaketrain.rules import rng
from snaketrain.rules.types import CAUSES

from .calls import SnakeCalls, merge_calls
from .referee import HttpGame, Referee, Seat
from .transport import new_client


@dataclass
class HttpMatch:
    """A match over HTTP: the arena result, and per HTTP snake what its calls did."""

    result: MatchResult
    calls: dict[str, SnakeCalls]
    referee_s: float  # refereeing time over all games (not waiting on snakes)
    turns: int  # turns played over all games
    games: list[HttpGame] = field(default_factory=list, repr=False)  # in spec order


def game_results(specs: Sequence[GameSpec], games: Sequence[HttpGame]) -> GameResults:
    """The games in the batched runner's form (one row per spec)."""
    rows = []
    for g in games:
        final = g.record.final
        winner = g.record.winner
        rows.append(
            (
                int(winner.split("-")[1]) if winner is not None else -1,
                final.turn,
                [CAUSES.index(s.eliminated_cause) for s in final.snakes],
                [s.eliminated_turn for s in final.snakes],
                [s.length for s in final.snakes],
                g.record.turn_limit_reached,
            )
        )
    return GameResults(
        seeds=np.array([s.seed for s in specs], dtype=np.int64),
        seats=np.array([s.seats for s in specs], dtype=np.int64),
        winner=np.array([r[0] for r in rows], dtype=np.int64),
        turns=np.array([r[1] for r in rows], dtype=np.int64),
        cause=np.array([r[2] for r in rows], dtype=np.int64),
        elim_turn=np.array([r[3] for r in rows], dtype=np.int64),
        length=np.array([r[4] for r in rows], dtype=np.int64),
        turn_limit=np.array([r[5] for r in rows], dtype=bool),
    )


def pair_specs(n_players: int, opponents: int, master_seed: int, pairs: Sequence[int]) -> list:
    """Specs in ``arena.pairs`` order (pair, opponent, A, B); policy 0 is the candidate."""
    seats = [pair_seats(n_players, j + 1) for j in range(opponents)]
    return [GameSpec(rng.game_seed(master_seed, i), s) for i in pairs for a_b in seats for s in a_b]


async def play_specs(
    referee: Referee, players: Sequence[Seat], specs: Sequence[GameSpec], concurrency: int
) -> list[HttpGame]:
    gate = asyncio.Semaphore(concurrency)

    async def one(n: int, spec: GameSpec) -> HttpGame:
        async with gate:
            seats = [players[p] for p in spec.seats]
            return await referee.play(seats, spec.seed, [n] * len(seats))

    return list(await asyncio.gather(*(one(n, s) for n, s in enumerate(specs))))


@dataclass
class HttpPairs:
    """A ``PlayPairs`` over HTTP (``decide.sprt_match`` and friends take it): ``players[0]``
    the candidate, the rest its opponents. ``calls`` sums every call made so far."""

    players: Sequence[Seat]
    setup: MatchSetup
    concurrency: int = 16
    calls: dict[str, SnakeCalls] = field(default_factory=dict)
    referee_s: float = 0.0
    turns: int = 0

    def __call__(self, pairs: Sequence[int]) -> MatchResult:
        match = asyncio.run(self.play(pairs))
        self.calls = merge_calls(self.calls, match.calls)
        self.referee_s += match.referee_s
        self.turns += match.turns
        return match.result

    async def play(self, pairs: Sequence[int]) -> HttpMatch:
        s = self.setup
        pairs = sorted(pairs)
        if len(set(pairs)) != len(pairs) or not all(0 <= i < 2**32 for i in pairs):
            raise ValueError("pair indices must be distinct integers in 0..2**32-1")
        n_opp = len(self.players) - 1
        if n_opp < 1:
            raise ValueError("a match needs at least one opponent")
        specs = pair_specs(s.players, n_opp, s.master_seed, pairs)
        async with new_client(max(8, 2 * self.concurrency * s.players)) as client:
            referee = Referee(client, s.size, s.settings, s.max_turns)
            games = await play_specs(referee, self.players, specs, self.concurrency)
        results = game_results(specs, games)
        rows = []
        labels = [p.label for p in self.players]
        for j in range(n_opp):
            index = (np.arange(len(pairs))[:, None] * n_opp + j) * 2 + np.arange(2)
            index = index.ravel()
            part = GameResults(
                *(getattr(results, f)[index] for f in GameResults.__dataclass_fields__)
            )
            seat = np.tile([0, s.players // 2], len(pairs))
            rows.append(_record(labels[j + 1], part, seat))
        result = MatchResult(
            candidate=labels[0],
            opponents=tuple(labels[1:]),
            players=s.players,
            size=s.size,
            master_seed=s.master_seed,
            max_turns=s.max_turns,
            settings=asdict(s.settings),
            pairs=tuple(pairs),
            rows=tuple(rows),
        )
        calls = merge_calls(*({c.label: c} for g in games for c in g.calls if c is not None))
        return HttpMatch(
            result,
            calls,
            sum(g.referee_s for g in games),
            sum(g.record.final.turn for g in games),
            games,
        )
