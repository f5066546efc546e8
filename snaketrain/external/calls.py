"""What the referee saw of one snake's HTTP answers: counts and a latency histogram.

``SnakeCalls`` is additive like ``MatchResult`` (shards and batches merge by ``+``). Latency
is kept as a histogram of 0.1 ms buckets, so p50/p99 of merged calls are exact to 0.1 ms.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

BUCKET_MS = 0.1


@dataclass(frozen=True)
class SnakeCalls:
    """``/move`` calls to one snake: answered in time with a valid move (``ok``), past the move
    timeout (``timeouts``), failed in transport or with a non-200 status (``errors``), or a
    200 whose body was not ``{"move": "up"|"down"|"left"|"right"}`` (``invalid``). The last
    three are played as the official CLI plays them: the snake's previous move (see README)."""

    label: str
    ok: int = 0
    timeouts: int = 0
    errors: int = 0
    invalid: int = 0
    restarts: int = 0  # instances that died and were started again
    replayed: int = 0  # games begun again from their seed after an instance died
    latency: dict[int, int] = field(default_factory=dict)  # 0.1 ms bucket -> answered calls

    @property
    def moves(self) -> int:
        return self.ok + self.timeouts + self.errors + self.invalid

    @property
    def failed(self) -> int:
        return self.timeouts + self.errors + self.invalid

    def quantile_ms(self, q: float) -> float:
        """The smallest latency with at least ``q`` of the answered calls at or below it."""
        total = sum(self.latency.values())
        if not total:
            return 0.0
        seen = 0
        for bucket in sorted(self.latency):
            seen += self.latency[bucket]
            if seen >= q * total - 1e-9:
                return round(bucket * BUCKET_MS, 1)
        return round(max(self.latency) * BUCKET_MS, 1)

    def __add__(self, other: SnakeCalls) -> SnakeCalls:
        latency = dict(self.latency)
        for k, n in other.latency.items():
            latency[k] = latency.get(k, 0) + n
        return SnakeCalls(
            self.label,
            self.ok + other.ok,
            self.timeouts + other.timeouts,
            self.errors + other.errors,
            self.invalid + other.invalid,
            self.restarts + other.restarts,
            self.replayed + other.replayed,
            dict(sorted(latency.items())),
        )

    def summary(self) -> dict[str, Any]:
        """The figures a report shows (iteration artifact, results)."""
        return {
            "snake": self.label,
            "moves": self.moves,
            "timeouts": self.timeouts,
            "errors": self.errors,
            "invalid": self.invalid,
            "restarts": self.restarts,
            "replayed": self.replayed,
            "p50_ms": self.quantile_ms(0.5),
            "p99_ms": self.quantile_ms(0.99),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "ok": self.ok,
            "timeouts": self.timeouts,
            "errors": self.errors,
            "invalid": self.invalid,
            "restarts": self.restarts,
            "replayed": self.replayed,
            "latency": {str(k): n for k, n in self.latency.items()},
        }

    @staticmethod
    def from_dict(d: Mapping[str, Any]) -> SnakeCalls:
        return SnakeCalls(
            label=str(d["label"]),
            **{k: int(d[k]) for k in ("ok", "timeouts", "errors", "invalid", "restarts")},
            replayed=int(d["replayed"]),
            latency={int(k): int(n) for k, n in d["latency"].items()},
        )


def merge_calls(*parts: Mapping[str, SnakeCalls]) -> dict[str, SnakeCalls]:
    """Per-label sums of several ``{label: SnakeCalls}``."""
    out: dict[str, SnakeCalls] = {}
    for part in parts:
        for label, calls in part.items():
            out[label] = out[label] + calls if label in out else calls
    return out
