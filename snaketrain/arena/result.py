"""What a match leaves behind: counts per opponent, and the figures derived from them.

A ``MatchResult`` holds only additive counts (wins/draws/losses, pentanomial, a histogram of
game lengths, causes of death) plus the pair indices it covers, so the shards of a match
merge into exactly the single-run result (:meth:`MatchResult.merge`). Every figure a report
shows (win rate with its Wilson interval, Elo ± interval from the pairs, LOS, length
quantiles) is derived from those counts by ``arena.stats``, never stored.

A ``Verdict`` is a decision on a match: SPRT (accept / reject / inconclusive at the cap) or
the fixed-N test (accept when the Elo interval lies above a minimum improvement).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

import numpy as np
import pandas as pd

from snaketrain.arena.sprt import Sprt, summary_line
from snaketrain.arena.stats import EloEstimate, WinRate, elo_pentanomial, win_rate

#: Cause key for a snake that was not eliminated (alive at the end: it won, or the turn cap).
SURVIVED = "survived"
#: Quantiles of game length shown in tables.
LENGTH_QUANTILES = (0.1, 0.5, 0.9)

VerdictStatus = Literal["accept", "reject", "inconclusive", "unconfirmed"]


def _add_counts(a: Mapping[Any, int], b: Mapping[Any, int]) -> dict[Any, int]:
    out = dict(a)
    for key, n in b.items():
        out[key] = out.get(key, 0) + n
    return dict(sorted(out.items()))


@dataclass(frozen=True)
class OpponentRecord:
    """The candidate's games against one opponent (or the total over a gauntlet).

    Scores are the candidate's: win 1, draw 0.5, loss 0 (rules in ``arena.pairs``).
    """

    opponent: str
    wins: int
    draws: int
    losses: int
    pentanomial: tuple[int, int, int, int, int]  # [LL, LD+DL, LW+DD+WL, DW+WD, WW]
    lengths: dict[int, int]  # game length in turns -> games
    turn_limit: int  # games stopped by max_turns (draws unless the candidate died before)
    candidate_causes: dict[str, int]  # how the candidate's snake ended, per game
    opponent_causes: dict[str, int]  # how the opponents' snakes ended, per snake

    @property
    def games(self) -> int:
        return self.wins + self.draws + self.losses

    @property
    def pairs(self) -> int:
        return sum(self.pentanomial)

    def win_rate(self, confidence: float = 0.95) -> WinRate:
        return win_rate(self.wins, self.draws, self.losses, confidence)

    def elo(self, confidence: float = 0.95) -> EloEstimate:
        return elo_pentanomial(self.pentanomial, confidence)

    def mean_length(self) -> float:
        games = sum(self.lengths.values())
        return sum(t * n for t, n in self.lengths.items()) / games if games else 0.0

    def length_quantiles(self, qs: Sequence[float] = LENGTH_QUANTILES) -> list[float]:
        """Quantiles of game length (the smallest length with at least q of the games)."""
        if not self.lengths:
            return [0.0 for _ in qs]
        turns = np.array(sorted(self.lengths))
        cdf = np.cumsum([self.lengths[t] for t in turns]) / sum(self.lengths.values())
        return [float(turns[min(np.searchsorted(cdf, q - 1e-12), len(turns) - 1)]) for q in qs]

    def __add__(self, other: OpponentRecord) -> OpponentRecord:
        return OpponentRecord(
            opponent=self.opponent,
            wins=self.wins + other.wins,
            draws=self.draws + other.draws,
            losses=self.losses + other.losses,
            pentanomial=tuple(
                a + b for a, b in zip(self.pentanomial, other.pentanomial, strict=True)
            ),  # type: ignore[arg-type]
            lengths=_add_counts(self.lengths, other.lengths),
            turn_limit=self.turn_limit + other.turn_limit,
            candidate_causes=_add_counts(self.candidate_causes, other.candidate_causes),
            opponent_causes=_add_counts(self.opponent_causes, other.opponent_causes),
        )

    @staticmethod
    def empty(opponent: str) -> OpponentRecord:
        return OpponentRecord(opponent, 0, 0, 0, (0, 0, 0, 0, 0), {}, 0, {}, {})

    @staticmethod
    def from_dict(d: Mapping[str, Any]) -> OpponentRecord:
        return OpponentRecord(
            opponent=d["opponent"],
            wins=int(d["wins"]),
            draws=int(d["draws"]),
            losses=int(d["losses"]),
            pentanomial=tuple(int(c) for c in d["pentanomial"]),  # type: ignore[arg-type]
            lengths={int(t): int(n) for t, n in d["lengths"].items()},
            turn_limit=int(d["turn_limit"]),
            candidate_causes={str(k): int(n) for k, n in d["candidate_causes"].items()},
            opponent_causes={str(k): int(n) for k, n in d["opponent_causes"].items()},
        )


def _causes_text(causes: Mapping[str, int]) -> str:
    return ", ".join(f"{k} {n}" for k, n in sorted(causes.items(), key=lambda kv: -kv[1]))


@dataclass(frozen=True)
class MatchResult:
    """A candidate's paired games against each opponent of a gauntlet.

    ``pairs`` lists the pair indices played (sorted); pair ``i`` was played on seed
    ``rng.game_seed(master_seed, i)`` against every opponent. ``rows`` has one record per
    opponent, in the order the opponents were given.
    """

    candidate: str
    opponents: tuple[str, ...]
    players: int
    size: int
    master_seed: int
    max_turns: int
    settings: dict[str, int]
    pairs: tuple[int, ...]
    rows: tuple[OpponentRecord, ...]

    # --- derived -------------------------------------------------------------------------

    @property
    def games(self) -> int:
        return sum(r.games for r in self.rows)

    @property
    def total(self) -> OpponentRecord:
        """All opponents together (the counts the SPRT sees)."""
        out = OpponentRecord.empty("total")
        for row in self.rows:
            out = out + row
        return out

    def summary_line(self, sprt: Sprt | None = None) -> str:
        """Chess-testing line on the total pentanomial (``sprt.summary_line``)."""
        return summary_line(list(self.total.pentanomial), sprt)

    def table(self, confidence: float = 0.95) -> pd.DataFrame:
        """One row per opponent, then a ``total`` row when there are several opponents."""
        rows = list(self.rows) + ([self.total] if len(self.rows) > 1 else [])
        pct = f"{confidence:.0%}"
        records = []
        for r in rows:
            wr, elo = r.win_rate(confidence), r.elo(confidence)
            q10, q50, q90 = r.length_quantiles()
            records.append(
                {
                    "opponent": r.opponent,
                    "games": r.games,
                    "W": r.wins,
                    "D": r.draws,
                    "L": r.losses,
                    "score": round(wr.score, 4),
                    f"score {pct}": f"[{wr.low:.3f}, {wr.high:.3f}]",
                    "Elo": round(elo.elo, 1),
                    f"± {pct}": round(elo.plus_minus, 1),
                    "LOS": f"{elo.los:.1%}",
                    "ptnml": list(r.pentanomial),
                    "turns mean": round(r.mean_length(), 1),
                    "turns p10/p50/p90": f"{q10:g}/{q50:g}/{q90:g}",
                    "turn cap": r.turn_limit,
                    "candidate ends": _causes_text(r.candidate_causes),
                    "opponent ends": _causes_text(r.opponent_causes),
                }
            )
        return pd.DataFrame.from_records(records)

    # --- merge and serialise -------------------------------------------------------------

    def _setup(self) -> tuple[Any, ...]:
        return (
            self.candidate,
            self.opponents,
            self.players,
            self.size,
            self.master_seed,
            self.max_turns,
            self.settings,
        )

    @staticmethod
    def merge(parts: Iterable[MatchResult]) -> MatchResult:
        """The result of all ``parts`` together: the same match, disjoint pairs.

        Counts are sums and pairs a sorted union, so merging the shards of a match gives
        exactly the single-run result. Raises if the parts are of different matches or
        share a pair.
        """
        parts = list(parts)
        if not parts:
            raise ValueError("merge needs at least one result")
        first = parts[0]
        for p in parts[1:]:
            if p._setup() != first._setup():
                raise ValueError(
                    f"cannot merge results of different matches ({p._setup()} vs {first._setup()})"
                )
        pairs = [i for p in parts for i in p.pairs]
        if len(set(pairs)) != len(pairs):
            raise ValueError("cannot merge results that share game pairs")
        rows = list(first.rows)
        for p in parts[1:]:
            rows = [a + b for a, b in zip(rows, p.rows, strict=True)]
        return replace(first, pairs=tuple(sorted(pairs)), rows=tuple(rows))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), indent=indent, sort_keys=True)

    @staticmethod
    def from_dict(d: Mapping[str, Any]) -> MatchResult:
        return MatchResult(
            candidate=d["candidate"],
            opponents=tuple(d["opponents"]),
            players=int(d["players"]),
            size=int(d["size"]),
            master_seed=int(d["master_seed"]),
            max_turns=int(d["max_turns"]),
            settings={str(k): int(v) for k, v in d["settings"].items()},
            pairs=tuple(int(i) for i in d["pairs"]),
            rows=tuple(OpponentRecord.from_dict(r) for r in d["rows"]),
        )

    @staticmethod
    def from_json(text: str) -> MatchResult:
        return MatchResult.from_dict(json.loads(text))


@dataclass(frozen=True)
class Verdict:
    """A decision on a match.

    ``mode`` "sprt": ``status`` is the SPRT's (``inconclusive`` = stopped at the pair cap,
    not accepted) and ``llr`` its value on the total pentanomial. ``mode`` "fixed": N games
    were played; "accept" when the lower end of the Elo interval is at or above
    ``min_elo``, "reject" when its upper end is below ``min_elo``, else "inconclusive".
    """

    mode: Literal["sprt", "fixed"]
    status: VerdictStatus
    result: MatchResult
    sprt: dict[str, Any] | None = None  # Sprt fields (elo0, elo1, alpha, beta, elo_model)
    llr: float | None = None
    min_elo: float | None = None
    confidence: float = 0.95
    batches: list[int] = field(default_factory=list)  # pairs played after each SPRT batch

    @property
    def accepted(self) -> bool:
        return self.status == "accept"

    def test(self) -> Sprt | None:
        return Sprt(**self.sprt) if self.sprt is not None else None

    def summary_line(self) -> str:
        line = f"{self.status.upper()}  " + self.result.summary_line(self.test())
        if self.mode == "fixed":
            line += f"  min Elo: {self.min_elo:+g}"
        return line

    def to_json(self, indent: int | None = None) -> str:
        return json.dumps(asdict(self), indent=indent, sort_keys=True)

    @staticmethod
    def from_json(text: str) -> Verdict:
        d = json.loads(text)
        d["result"] = MatchResult.from_dict(d["result"])
        return Verdict(**d)
