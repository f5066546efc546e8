"""An external snake as one more kind of benchmark player (``SnakeRef.snake`` set).

``build_ref``: a candidate's config written in the snake's own format (JSON for a ``.json``
config file, else snaketrain's YAML), the snake's build command run with ``$SNAKE_CONFIG``
naming it, and one instance started until it answers ``GET /``; a failed build is a
``BuildError``, a snake that exits or never answers a ``StartError``, each with the output.
``play_shard``: the shard's external snakes started (``spec.instances`` each, on loopback),
snakes given by URL asked where they run (never started or stopped here), the other snakes
played in process, the pairs refereed over HTTP, every process stopped; the shard's HTTP
figures (timeouts, errors, invalid answers, p50/p99 latency per snake) appended to
``<results>/external_calls.jsonl``. ``failed_build``: the verdict of a candidate that did
not build or start: rejected, no games played, the output in the log.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from snaketrain.arena.result import MatchResult, OpponentRecord, Verdict
from snaketrain.configio import write_text_atomic
from snaketrain.snake.space import Config, dump_config
from snaketrain.training.shards import ShardSpec, SnakeRef

from .calls import SnakeCalls
from .match import HttpPairs
from .process import Instances, build
from .referee import HttpSnake, InProcess, Seat
from .remote import is_url
from .spec import SnakeSpec, load_snake

CALLS_LOG = "external_calls.jsonl"
GAMES_PER_INSTANCE = 4  # games in flight per instance of an external snake


def config_text(spec: SnakeSpec, config: Config) -> str:
    """``config`` as the snake's config file holds it."""
    if spec.config.endswith(".json"):
        return json.dumps(config.as_nested(), indent=2) + "\n"
    return dump_config(config)


def build_ref(snake_file: str, ref: SnakeRef, results_dir: str | Path) -> SnakeRef:
    """The runnable external snake of ``ref`` (a built candidate): config written, built."""
    spec = load_snake(snake_file)
    assert ref.config is not None
    suffix = Path(spec.config).suffix or ".yaml"
    path = Path(results_dir) / "external" / f"{ref.ident[:16]}{suffix}"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, config_text(spec, ref.config))
    build(spec, path.resolve())
    logs = Path(results_dir) / "external" / "logs"
    with Instances(replace(spec, instances=1), path.resolve(), logs):
        pass  # it starts and answers GET / (else StartError, with its output)
    return replace(ref, path=str(path.resolve()), snake=str(Path(snake_file).resolve()))


def failed_build(candidate: SnakeRef, incumbent: SnakeRef, setup: Any, master_seed: int) -> Verdict:
    """A rejected verdict with no games, for a candidate whose build failed."""
    result = MatchResult(
        candidate=candidate.label,
        opponents=(incumbent.label,),
        players=setup.players,
        size=setup.size,
        master_seed=master_seed,
        max_turns=setup.max_turns,
        settings=asdict(setup.settings),
        pairs=(),
        rows=(OpponentRecord.empty(incumbent.label),),
    )
    return Verdict(mode="sprt", status="reject", result=result)


def play_shard(spec: ShardSpec, results_dir: str | Path) -> MatchResult:
    """The shard's own pairs with its external snakes started for the time of the shard."""
    with contextlib.ExitStack() as stack:
        seats: list[Seat] = []
        started: list[tuple[str, Instances]] = []
        for ref in spec.snakes:
            if ref.snake is None:
                seats.append(InProcess(ref.label, ref.policy()))
                continue
            if is_url(ref.snake):  # running already: not started or stopped here
                seats.append(HttpSnake.at(ref.label, ref.snake))
                continue
            snake = load_snake(ref.snake)
            assert ref.path is not None
            logs = Path(results_dir) / "external" / "logs"
            instances = stack.enter_context(Instances(snake, Path(ref.path), logs))
            started.append((ref.label, instances))
            seats.append(HttpSnake(ref.label, instances, snake.move_timeout_ms))
        n_instances = max((len(i.items) for _, i in started), default=1)
        pairs = HttpPairs(seats, spec.setup, concurrency=GAMES_PER_INSTANCE * n_instances)
        result = pairs(spec.own_pairs())
        restarts = {label: i.restarts for label, i in started}
    calls = {
        label: replace(c, restarts=c.restarts + restarts.get(label, 0))
        for label, c in pairs.calls.items()
    }
    record_calls(results_dir, spec.key, calls, pairs.referee_s, pairs.turns)
    return result


def record_calls(
    results_dir: str | Path, key: str, calls: dict[str, SnakeCalls], referee_s: float, turns: int
) -> None:
    line = {
        "key": key,
        "snakes": [c.summary() for c in calls.values()],
        "calls": [c.to_dict() for c in calls.values()],
        "referee_ms_per_turn": round(1000 * referee_s / turns, 3) if turns else None,
    }
    path = Path(results_dir) / CALLS_LOG
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(line) + "\n")
        f.flush()
        os.fsync(f.fileno())


def read_calls(results_dir: str | Path, labels: set[str] | None = None) -> dict[str, SnakeCalls]:
    """Every recorded call summed per snake label (those in ``labels``, default all)."""
    path = Path(results_dir) / CALLS_LOG
    out: dict[str, SnakeCalls] = {}
    if not path.exists():
        return out
    for text in path.read_text(encoding="utf-8").splitlines():
        for d in json.loads(text)["calls"]:
            c = SnakeCalls.from_dict(d)
            if labels is None or c.label in labels:
                out[c.label] = out[c.label] + c if c.label in out else c
    return out
