"""Benchmark shards: who plays, how, which pairs, and the one place shards are played.

A :class:`ShardSpec` is a shard's whole identity. It travels from the flow to the local and
remote benchmark tasks and into the run log (``benchmark_runs.jsonl``): ``.key`` names its
games (the snakes by content, the match setup, the pairs, the shard), so the same games are
never played twice, whether they ran here, in a worker process or on a work pool.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from snaketrain import __version__
from snaketrain.arena.pairs import MatchSetup, play_pairs, shard_pairs
from snaketrain.arena.result import MatchResult
from snaketrain.rules.types import Settings
from snaketrain.snake.heuristic import HeuristicPolicy
from snaketrain.snake.policy import BatchedPolicy
from snaketrain.snake.registry import UnknownSnakeError, batched_policy
from snaketrain.snake.space import Config, config_hash, load_config

BENCHMARK_RUNS = "benchmark_runs.jsonl"


def digest(*parts: Any) -> str:
    """A short stable hash of JSON-able parts (for cache keys), salted with snaketrain's
    version: a results folder resumed after an upgrade replays nothing the old code played."""
    text = json.dumps([__version__, *parts], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


@dataclass(frozen=True)
class SnakeRef:
    """One snake of a match: its label in results, its content identity (a config's hash or
    a built-in name), and where its weights are: in memory (``config``) and, for a candidate,
    in its content-addressed file (``path``, what a remote worker loads)."""

    label: str
    ident: str
    config: Config | None = field(default=None, compare=False)
    path: str | None = None
    snake: str | None = None  # an external snake's snake.yaml, or a running snake's URL

    @property
    def external(self) -> bool:
        return self.snake is not None

    @staticmethod
    def builtin(name: str) -> SnakeRef:
        return SnakeRef(label=name, ident=name)

    @staticmethod
    def of_config(config: Config, label: str, path: str | None = None) -> SnakeRef:
        return SnakeRef(label=label, ident=config_hash(config), config=config, path=path)

    @staticmethod
    def resolve(ref: str) -> SnakeRef:
        """A built-in name, a config file (read once, here), or the URL of a running snake
        (``GET /`` checked here; ``UnreachableSnake`` if it does not answer)."""
        from snaketrain.external.remote import check_url, is_url

        if is_url(ref):
            url = check_url(ref)
            return SnakeRef(label=url, ident=url, snake=url)
        if ref.endswith((".yaml", ".yml")):
            if not Path(ref).is_file():
                raise UnknownSnakeError(f"no config file {ref!r} (for a snake given by its config)")
            return SnakeRef.of_config(load_config(ref), label=ref, path=ref)
        batched_policy(ref)  # UnknownSnakeError names the built-ins
        return SnakeRef.builtin(ref)

    def policy(self) -> BatchedPolicy:
        if self.config is not None:
            return HeuristicPolicy(self.config, name=self.label)
        if self.path is not None:
            return HeuristicPolicy(load_config(self.path), name=self.label)
        return batched_policy(self.ident)

    def portable(self) -> dict[str, Any]:
        """JSON for another machine: the file instead of the weights in memory."""
        if self.config is not None and self.path is None:
            raise ValueError(f"snake {self.label} has no file: a remote worker cannot load it")
        out = {"label": self.label, "ident": self.ident, "path": self.path}
        return out | ({"snake": self.snake} if self.snake is not None else {})


@dataclass(frozen=True)
class ShardSpec:
    """Shard ``shard`` of ``shards`` of the game pairs ``pairs``: ``snakes[0]`` (the candidate)
    against the others, played with ``setup``."""

    snakes: tuple[SnakeRef, ...]
    setup: MatchSetup
    pairs: tuple[int, ...]
    shard: int = 0
    shards: int = 1

    @property
    def key(self) -> str:
        """What identifies the shard's games (cache key, run log and result file name)."""
        s = self.setup
        parts = (
            [x.ident for x in self.snakes],
            [x.label for x in self.snakes],
            s.players,
            s.size,
            s.master_seed,
            s.max_turns,
            s.settings,
            list(self.pairs),
            self.shard,
            self.shards,
        )
        if self.external:  # the same config played by another program is another snake
            parts += ([x.snake for x in self.snakes],)
        return "benchmark-" + digest(*parts)

    @property
    def external(self) -> bool:
        """Whether an external snake plays (then the shard is refereed over HTTP)."""
        return any(x.external for x in self.snakes)

    def file(self, results_dir: str | Path) -> Path:
        """Where a remote shard leaves its result: ``<results>/shards/<key>.json``."""
        return Path(results_dir) / "shards" / f"{self.key}.json"

    def own_pairs(self) -> list[int]:
        return shard_pairs(self.pairs, self.shard, self.shards)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able, with every snake portable (remote deployments take JSON parameters)."""
        return {
            "snakes": [x.portable() for x in self.snakes],
            "setup": asdict(self.setup),
            "pairs": list(self.pairs),
            "shard": self.shard,
            "shards": self.shards,
        }

    @staticmethod
    def from_dict(d: dict[str, Any]) -> ShardSpec:
        setup = dict(d["setup"])
        settings = setup.pop("settings")
        return ShardSpec(
            snakes=tuple(SnakeRef(**x) for x in d["snakes"]),
            setup=MatchSetup(
                **setup,
                settings=settings if isinstance(settings, Settings) else Settings(**settings),
            ),
            pairs=tuple(d["pairs"]),
            shard=d["shard"],
            shards=d["shards"],
        )


def shard_specs(
    snakes: Sequence[SnakeRef], setup: MatchSetup, pairs: Sequence[int], shards: int
) -> list[ShardSpec]:
    return [ShardSpec(tuple(snakes), setup, tuple(pairs), k, shards) for k in range(shards)]


def _play_here(snakes: Sequence[SnakeRef], setup: MatchSetup, pairs: list[int]) -> MatchResult:
    policies = [s.policy() for s in snakes]
    labels = [s.label for s in snakes]
    return play_pairs(policies[0], policies[1:], setup, pairs, names=labels)


def play_shard(spec: ShardSpec, processes: int = 1) -> MatchResult:
    """Play the shard's own pairs: here, or (``processes > 1``) in the process-wide pool of
    ``processes`` worker processes shared by every shard of this process."""
    from snaketrain.arena.pool import shared_pool

    mine = spec.own_pairs()
    if processes <= 1:
        return _play_here(spec.snakes, spec.setup, mine)
    return shared_pool(processes).submit(_play_here, spec.snakes, spec.setup, mine).result()


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
