"""Decisions on matches: the SPRT (one lane loop for every caller), the fixed-N test, and the
re-measurement of a config's strength on seeds that decided nothing.

One SPRT lane loop. :func:`run_sprts` drives any number of independent SPRTs in lockstep:
each round it asks ``play_batch`` for the next batch of pairs of every lane still running and
updates each lane on its result. How a batch is played is the caller's: :func:`sprt_match`
plays one lane with a ``PlayPairs``, :func:`sprt_lanes` plays all lanes of a round together
on the engine, and the training flow plays each lane's batch as sharded Prefect tasks. The
pairs a lane plays, and so its verdict, do not depend on how its batches were played.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

from snaketrain.arena.pairs import REMEASURE_BASE, MatchSetup, PlayPairs, play_lanes
from snaketrain.arena.result import MatchResult, Verdict
from snaketrain.arena.sprt import Sprt
from snaketrain.arena.stats import elo_pentanomial
from snaketrain.snake.policy import BatchedPolicy

#: Plays one round of :func:`run_sprts`: gets ``(lane index, pairs)`` for every running lane
#: and returns their results, in the same order.
PlayBatch = Callable[[list[tuple[int, range]]], Sequence[MatchResult]]


@dataclass
class SprtRun:
    """One SPRT in progress: which pairs to play next, and the verdict so far.

    Batch ``b`` is pairs ``first_pair + b * batch_pairs ..`` (the last one cut at
    ``max_pairs``); the LLR is taken on the total pentanomial after every batch.
    """

    sprt: Sprt
    batch_pairs: int = 32
    max_pairs: int = 10_000
    first_pair: int = 0
    result: MatchResult | None = None
    batches: list[int] = field(default_factory=list)  # pairs played after each batch
    status: str = "continue"

    def __post_init__(self) -> None:
        if self.batch_pairs < 1 or self.max_pairs < 1:
            raise ValueError(
                f"need batch_pairs >= 1 and max_pairs >= 1, got {self.batch_pairs}, "
                f"{self.max_pairs}"
            )
        if self.first_pair < 0 or self.first_pair + self.max_pairs > REMEASURE_BASE:
            raise ValueError("deciding pairs must lie below REMEASURE_BASE (2**31)")

    @property
    def running(self) -> bool:
        return self.status == "continue"

    def next_pairs(self) -> range:
        done = self.batches[-1] if self.batches else 0
        n = min(self.batch_pairs, self.max_pairs - done)
        return range(self.first_pair + done, self.first_pair + done + n)

    def update(self, part: MatchResult) -> None:
        self.result = part if self.result is None else MatchResult.merge([self.result, part])
        self.batches.append(len(self.result.pairs))
        counts = list(self.result.total.pentanomial)
        self.status = self.sprt.status(counts, pairs_cap=self.max_pairs)

    def verdict(self) -> Verdict:
        if self.result is None or self.running:
            raise ValueError("the SPRT has not decided yet")
        return Verdict(
            mode="sprt",
            status=self.status,  # type: ignore[arg-type]
            result=self.result,
            sprt=asdict(self.sprt),
            llr=self.sprt.llr(list(self.result.total.pentanomial)),
            batches=list(self.batches),
        )


def run_sprts(
    runs: Sequence[SprtRun],
    play_batch: PlayBatch,
    on_batch: Callable[[int, SprtRun], None] | None = None,
) -> list[Verdict]:
    """Run every SPRT to its verdict, in lockstep: each round, ``play_batch`` gets
    ``(k, runs[k].next_pairs())`` for every running lane ``k`` and returns their results in
    that order; each lane is updated on its result, then ``on_batch(k, runs[k])`` is called.
    Returns the verdicts in the order of ``runs`` (the runs are updated in place)."""
    while any(r.running for r in runs):
        batch = [(k, r.next_pairs()) for k, r in enumerate(runs) if r.running]
        results = list(play_batch(batch))
        if len(results) != len(batch):
            raise ValueError(f"play_batch returned {len(results)} results for {len(batch)} lanes")
        for (k, pairs), part in zip(batch, results, strict=True):
            if part.pairs != tuple(pairs):
                raise ValueError(
                    f"lane {k} asked for pairs {pairs.start}..{pairs.stop - 1}, "
                    f"got a result of {len(part.pairs)} other pairs"
                )
            runs[k].update(part)
            if on_batch is not None:
                on_batch(k, runs[k])
    return [r.verdict() for r in runs]


def sprt_match(
    play: PlayPairs,
    sprt: Sprt,
    batch_pairs: int = 32,
    max_pairs: int = 10_000,
    first_pair: int = 0,
) -> Verdict:
    """Play batches of ``batch_pairs`` pairs and update the SPRT on the total pentanomial
    after every batch; stop at accept, reject or ``max_pairs`` pairs ("inconclusive": not
    accepted). Deterministic for a master seed whatever ``play`` shards or batches."""
    run = SprtRun(sprt, batch_pairs, max_pairs, first_pair)
    return run_sprts([run], lambda batch: [play(pairs) for _, pairs in batch])[0]


def sprt_lanes(
    lanes: Sequence[tuple[BatchedPolicy, int]],
    opponents: Sequence[BatchedPolicy],
    setup: MatchSetup,
    sprt: Sprt,
    batch_pairs: int = 32,
    max_pairs: int = 10_000,
    names: Sequence[str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[Verdict]:
    """Many independent SPRTs in lockstep, their batches played together on the engine.

    Lane ``(candidate, master_seed)`` gets exactly the verdict of
    ``sprt_match(LocalPlayer(candidate, opponents, setup with master_seed), ...)``; playing
    the lanes together only fills the engine's batch. For k candidates against one incumbent,
    or for repeated runs of one test (``setup.master_seed`` is ignored).
    """

    def play_batch(batch: list[tuple[int, range]]) -> list[MatchResult]:
        # The runs are alike, so every running lane is at the same batch: the same pairs.
        pairs = batch[0][1]
        live = [lanes[k] for k, _ in batch]
        return play_lanes(live, opponents, setup, pairs, names, progress)

    runs = [SprtRun(sprt, batch_pairs, max_pairs) for _ in lanes]
    return run_sprts(runs, play_batch)


def fixed_match(
    play: PlayPairs,
    games: int,
    min_elo: float = 0.0,
    confidence: float = 0.95,
    first_pair: int = 0,
) -> Verdict:
    """The old fixed-N test made honest: play ``games`` games per opponent (``games / 2``
    pairs) and accept only when the whole Elo interval (total, paired) is at or above
    ``min_elo``; "reject" when it lies wholly below, otherwise "inconclusive"."""
    if games < 2 or games % 2:
        raise ValueError(f"games must be an even number >= 2 (pairs of games), got {games}")
    if first_pair < 0 or first_pair + games // 2 > REMEASURE_BASE:
        raise ValueError("deciding pairs must lie below REMEASURE_BASE (2**31)")
    result = play(range(first_pair, first_pair + games // 2))
    elo = elo_pentanomial(result.total.pentanomial, confidence)
    status = "accept" if elo.low >= min_elo else "reject" if elo.high < min_elo else "inconclusive"
    return Verdict(
        mode="fixed", status=status, result=result, min_elo=min_elo, confidence=confidence
    )


def remeasure(play: PlayPairs, pairs: int, deciding: MatchResult | None = None) -> MatchResult:
    """Strength of a config from ``pairs`` fresh pairs that decided nothing.

    Plays pair indices ``REMEASURE_BASE ..``: with the master seed of the deciding games
    their seeds are disjoint from every deciding seed (see ``arena.pairs``). Pass the
    deciding result to have that checked.
    """
    if pairs < 1:
        raise ValueError(f"pairs must be >= 1, got {pairs}")
    result = play(range(REMEASURE_BASE, REMEASURE_BASE + pairs))
    if deciding is not None:
        if deciding.master_seed != result.master_seed:
            raise ValueError("remeasure with the master seed of the deciding games")
        if deciding.pairs and max(deciding.pairs) >= REMEASURE_BASE:
            raise ValueError("the deciding result already holds remeasure pairs")
    return result
