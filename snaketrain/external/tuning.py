"""SPSA and CMA-ES over HTTP: the same tuners (``snaketrain.tuning``), played by started snakes.

An external snake reads its config when it starts, so every distinct config of a batch costs
a build and ``spec.instances`` processes. SPSA therefore plays a batch in *groups*: the
settings' ``pairs_per_delta`` consecutive pairs share one perturbation Δ (``plan_batch`` gives
them the same θ+ and θ−), and a group is one build and start of θ+ and of θ−, then its pairs
(seats swapped, common seeds, pair ``j`` of the step on pair index ``state.pairs + j`` of the
tuning seed, as in process) played over HTTP at once, then both stopped. Groups run one after
the other, all from the same θ; ``apply_batch`` then applies every pair's score in pair order,
so the state, ``tuner.json`` and a resumed run are exactly those of the in-process path.
Without a tune file, or when it does not set them, HTTP runs use ``HTTP_DEFAULTS``.

CMA-ES: each candidate of a generation is built and started once and plays the generation's
pairs against the incumbent, itself started beside it.

A config that does not build or start loses its group's pairs (score -1 from its side, the
message in ``external_calls.jsonl``); when neither side starts the error is raised, as
nothing could be learnt. Every group's HTTP figures go to ``external_calls.jsonl`` under the
labels ``tune-<step>.<group>+`` / ``-`` (or ``cmaes-<generation>.<n>``), apart from the
candidates' labels the iteration report reads.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from snaketrain.arena.pairs import MatchSetup, candidate_scores
from snaketrain.configio import write_text_atomic
from snaketrain.snake.space import BUILTIN, Config, Space, config_hash
from snaketrain.tuning.cma import CmaState, plan_generation, tell_generation
from snaketrain.tuning.spsa import SpsaState, apply_batch, plan_batch
from snaketrain.tuning.spsa_settings import SpsaSettings, load_settings

from .match import HttpPairs, game_results, pair_specs
from .process import BuildError, Instances, StartError, build
from .referee import HttpSnake
from .spec import SnakeSpec, load_snake
from .training import CALLS_LOG, GAMES_PER_INSTANCE, config_text, record_calls

HTTP_DEFAULTS: dict[str, Any] = {"pairs_per_batch": 32, "pairs_per_delta": 8}
"""SPSA over HTTP unless the tune file says otherwise: 4 groups of 8 pairs a step, so 8
snake starts buy 32 pairs (64 games)."""


def http_settings(tune_file: str | None, space: Space = BUILTIN) -> SpsaSettings:
    """The tune file's SPSA settings (keys of ``space``) with ``HTTP_DEFAULTS`` for what it
    does not set."""
    if tune_file:
        return load_settings(tune_file, HTTP_DEFAULTS, space)
    return SpsaSettings.default(space=space, **HTTP_DEFAULTS)


@contextlib.contextmanager
def started(
    spec: SnakeSpec, config: Config, label: str, results_dir: str | Path
) -> Iterator[HttpSnake]:
    """``config`` written in the snake's format, built, and its instances running (a seat
    labelled ``label``); stopped on exit. ``BuildError`` / ``StartError`` as ``build_ref``."""
    where = Path(results_dir) / "external" / "tune"
    suffix = Path(spec.config).suffix or ".yaml"
    path = (where / f"{config_hash(config)[:16]}{suffix}").resolve()
    where.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, config_text(spec, config))
    build(spec, path)
    with Instances(spec, path, Path(results_dir) / "external" / "logs") as instances:
        yield HttpSnake(label, instances, spec.move_timeout_ms)


def _start_or_error(
    stack: contextlib.ExitStack, spec: SnakeSpec, config: Config, label: str, results_dir: Any
) -> HttpSnake | str:
    try:
        return stack.enter_context(started(spec, config, label, results_dir))
    except (BuildError, StartError) as err:
        return str(err)


def _record_failure(results_dir: str | Path, key: str, failed: dict[str, str]) -> None:
    """A line of ``external_calls.jsonl`` with no calls: which side failed, and why."""
    line = {"key": key, "snakes": [], "calls": [], "failed": failed}
    path = Path(results_dir) / CALLS_LOG
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(line) + "\n")


def pair_scores(
    spec: SnakeSpec,
    a: Config,
    b: Config,
    pairs: Sequence[int],
    setup: MatchSetup,
    results_dir: str | Path,
    labels: tuple[str, str],
) -> list[float]:
    """``a``'s score in [-1, 1] in each pair (sorted pair indices of ``setup.master_seed``)
    against ``b``, both started for these pairs: ``a + b - 1`` of its two games' points."""
    if setup.players != 2:
        raise ValueError("tuning plays duels (players = 2)")
    order = sorted(pairs)
    with contextlib.ExitStack() as stack:
        seats = [
            _start_or_error(stack, spec, c, lab, results_dir)
            for c, lab in zip((a, b), labels, strict=True)
        ]
        failed = {lab: s for lab, s in zip(labels, seats, strict=True) if isinstance(s, str)}
        if len(failed) == 2:
            raise BuildError(f"neither side of {labels[0]} starts: {failed[labels[0]]}")
        if failed:
            _record_failure(results_dir, labels[0], failed)
            return [-1.0 if labels[0] in failed else 1.0] * len(order)
        players = [s for s in seats if isinstance(s, HttpSnake)]
        http = HttpPairs(players, setup, concurrency=GAMES_PER_INSTANCE * spec.instances)
        match = asyncio.run(http.play(order))
    record_calls(results_dir, labels[0], match.calls, match.referee_s, match.turns)
    specs = pair_specs(2, 1, setup.master_seed, order)
    seat = np.tile([0, 1], len(order))
    scores = candidate_scores(game_results(specs, match.games), seat).reshape(-1, 2)
    by_pair = {i: float(s[0] + s[1] - 1.0) for i, s in zip(order, scores, strict=True)}
    return [by_pair[i] for i in pairs]


def spsa_step(
    state: SpsaState, setup: MatchSetup, snake_file: str, results_dir: str | Path
) -> SpsaState:
    """One SPSA batch over HTTP, group by group (the module docstring), and applied."""
    spec = load_snake(snake_file)
    planned = plan_batch(state)
    step, per = state.k + 1, state.settings.pairs_per_delta
    scores: list[float] = []
    for g, first in enumerate(range(0, len(planned), per)):
        group = planned[first : first + per]
        pairs = [state.pairs + first + j for j in range(len(group))]
        labels = (f"tune-{step}.{g}+", f"tune-{step}.{g}-")
        plus, minus = group[0].plus, group[0].minus
        scores += pair_scores(spec, plus, minus, pairs, setup, results_dir, labels)
    return apply_batch(state, scores)


def cma_step(
    state: CmaState,
    incumbent: Config,
    setup: MatchSetup,
    snake_file: str,
    results_dir: str | Path,
    pairs_each: int,
) -> CmaState:
    """One CMA-ES generation over HTTP: each candidate against the incumbent on the
    generation's ``pairs_each`` pairs (the in-process path's pairs), scored in [0, 1]."""
    spec = load_snake(snake_file)
    first = state.generation * pairs_each
    pairs = list(range(first, first + pairs_each))
    scores = []
    for n, candidate in enumerate(plan_generation(state)):
        labels = (f"cmaes-{state.generation + 1}.{n}", f"cmaes-{state.generation + 1}.{n}-inc")
        s = pair_scores(spec, candidate, incumbent, pairs, setup, results_dir, labels)
        scores.append((float(np.mean(s)) + 1.0) / 2.0)
    return tell_generation(state, scores)
