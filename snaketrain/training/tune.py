"""Tuning, then verifying (as Fishtest and OpenBench do it): the games of SPSA and CMA-ES.

SPSA moves every tuned parameter at once. One batch is ``pairs_per_batch`` pairs, pair ``j``
two games (seats swapped, one seed) of θ+c·Δj against θ−c·Δj, each pair with its own Δ from
the same θ; the batch's scores then update θ (``snaketrain.tuning.spsa``). CMA-ES plays a
generation of λ candidates, each against the incumbent on the generation's common fresh
seeds, and tells the optimizer their scores (``snaketrain.tuning.cma``). Every config of a
batch or a generation plays in one engine batch: ``HeuristicPolicy.from_configs`` gives each
game seat its own row of weights, so 512 configs cost what one does.

After ``tune_pairs`` pairs an iteration hands the tuned config (SPSA: θ rounded; CMA-ES: the
mean) to the same SPRT against the incumbent as any candidate; only a passed SPRT is
committed, and tuning goes on from θ whatever the verdict.

Seeds. Pair ``i`` of a tuning run is pair index ``i`` of :func:`tune_seed` (a master seed of
its own): SPSA's pair counter and CMA-ES's generation number pick fresh pairs, so no two
batches replay a game, and a resumed run plays exactly the pairs an uninterrupted one plays.
The state after every batch is written to ``tuner.json`` in the results folder.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from snaketrain.arena.pairs import MatchSetup, play_duels, play_lanes
from snaketrain.configio import write_text_atomic
from snaketrain.rules import rng
from snaketrain.snake.heuristic import HeuristicPolicy
from snaketrain.snake.space import BUILTIN, Config, Space
from snaketrain.tuning.advisor import Proposal
from snaketrain.tuning.cma import CmaAdvisor, CmaState, plan_generation, tell_generation
from snaketrain.tuning.spsa import SpsaAdvisor, SpsaState, apply_batch, plan_batch
from snaketrain.tuning.spsa_settings import SpsaSettings, load_settings

TUNER_FILE = "tuner.json"
ADVISORS = ("random", "spsa", "cmaes")
#: Pairs each CMA-ES candidate plays against the incumbent per generation.
CMA_PAIRS = 16

Tuner = SpsaState | CmaState


def tune_seed(run_seed: int) -> int:
    """Master seed of a training run's tuning games (disjoint from deciding seeds)."""
    return rng.game_seed(run_seed ^ 0x7E4E, 0)


def spsa_settings(tune_file: str | None, space: Space = BUILTIN) -> SpsaSettings:
    """The tune file's settings for keys of ``space``, or the defaults (TuneSettingsError
    names a bad setting)."""
    if tune_file:
        return load_settings(tune_file, space=space)
    return SpsaSettings.default(space=space)


def start_tuner(
    advisor: str, best: Config, tune_file: str | None, seed: int, snake: str | None = None
) -> Tuner:
    """A new run in ``best``'s space; ``snake`` (an external snake's snake.yaml): SPSA
    batched for HTTP (``external.tuning.http_settings``)."""
    if advisor == "spsa" and snake is not None:
        from snaketrain.external.tuning import http_settings

        return SpsaState.start(best, http_settings(tune_file, best.space), seed)
    if advisor == "spsa":
        return SpsaState.start(best, spsa_settings(tune_file, best.space), seed)
    if advisor == "cmaes":
        keys = spsa_settings(tune_file, best.space).keys if tune_file else None
        return CmaState.start(best, keys=keys, seed=seed)
    raise ValueError(f"advisor must be one of {', '.join(ADVISORS)}, got {advisor!r}")


def tuner_json(state: Tuner) -> str:
    kind = "spsa" if isinstance(state, SpsaState) else "cmaes"
    return json.dumps({"advisor": kind, "state": json.loads(state.to_json())})


def read_tuner(path: str | Path, advisor: str) -> Tuner | None:
    """The saved state of ``advisor`` (None: no file, or another advisor's)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except ValueError as err:
        raise ValueError(
            f"{path}: not a tuner state ({err}); move it away to start afresh"
        ) from None
    if not isinstance(data, dict) or data.get("advisor") != advisor:
        return None
    text = json.dumps(data["state"])
    return SpsaState.from_json(text) if advisor == "spsa" else CmaState.from_json(text)


def load_tuner(
    results_dir: str | Path,
    advisor: str,
    best: Config,
    tune_file: str | None,
    run_seed: int,
    snake: str | None = None,
) -> Tuner:
    """The tuner an iteration goes on from: the saved one, or a new run centred on ``best``
    (also when the saved SPSA run has spent its planned steps: its gains have run down, and
    when it tunes another space than ``best``'s)."""
    saved = read_tuner(Path(results_dir) / TUNER_FILE, advisor)
    if saved is None or saved.base.space != best.space:
        return start_tuner(advisor, best, tune_file, rng.game_seed(run_seed, 1), snake)
    if isinstance(saved, SpsaState) and saved.done:
        return SpsaState.start(best, saved.settings, rng.game_seed(saved.seed, saved.k))
    return saved


def save_tuner(results_dir: str | Path, state: Tuner) -> None:
    write_text_atomic(Path(results_dir) / TUNER_FILE, tuner_json(state) + "\n")


def spsa_scores(pairs: Sequence[Any], first_pair: int, setup: MatchSetup) -> list[float]:
    """θ+'s score in [-1, 1] of each SPSA pair (``SpsaPair``), pair ``j`` on pair index
    ``first_pair + j`` of ``setup.master_seed``."""
    if setup.players != 2:
        raise ValueError("SPSA tunes on duels (players = 2)")
    family = HeuristicPolicy.from_configs([c for p in pairs for c in (p.plus, p.minus)], "spsa")
    m = family.members()
    duels = [(m[2 * j], m[2 * j + 1], first_pair + j) for j in range(len(pairs))]
    return [2.0 * r.total.win_rate().score - 1.0 for r in play_duels(duels, setup)]


def cma_scores(
    incumbent: Config, candidates: Sequence[Config], pairs: Sequence[int], setup: MatchSetup
) -> list[float]:
    """Each candidate's score in [0, 1] against the incumbent on the same pairs."""
    family = HeuristicPolicy.from_configs([incumbent, *candidates], "cmaes")
    m = family.members()
    lanes = [(p, setup.master_seed) for p in m[1:]]
    return [r.total.win_rate().score for r in play_lanes(lanes, [m[0]], setup, pairs)]


def _split(n: int, parts: int) -> list[range]:
    """``range(n)`` in ``parts`` contiguous pieces (none empty)."""
    parts = max(1, min(parts, n))
    edges = [n * i // parts for i in range(parts + 1)]
    return [range(edges[i], edges[i + 1]) for i in range(parts)]


def spsa_step(state: SpsaState, setup: MatchSetup, processes: int = 1) -> SpsaState:
    """One SPSA batch played (across ``processes`` worker processes) and applied."""
    from snaketrain.arena.pool import shared_pool

    pairs = plan_batch(state)
    if processes <= 1:
        scores = spsa_scores(pairs, state.pairs, setup)
    else:
        pool = shared_pool(processes)
        futures = [
            pool.submit(spsa_scores, pairs[r.start : r.stop], state.pairs + r.start, setup)
            for r in _split(len(pairs), processes)
        ]
        scores = [s for f in futures for s in f.result()]
    return apply_batch(state, scores)


def cma_step(state: CmaState, incumbent: Config, setup: MatchSetup, processes: int = 1) -> CmaState:
    """One CMA-ES generation played against the incumbent and told."""
    from snaketrain.arena.pool import shared_pool

    candidates = plan_generation(state)
    pairs = list(range(state.generation * CMA_PAIRS, (state.generation + 1) * CMA_PAIRS))
    if processes <= 1:
        scores = cma_scores(incumbent, candidates, pairs, setup)
    else:
        pool = shared_pool(processes)
        futures = [
            pool.submit(cma_scores, incumbent, candidates[r.start : r.stop], pairs, setup)
            for r in _split(len(candidates), processes)
        ]
        scores = [s for f in futures for s in f.result()]
    return tell_generation(state, scores)


def pairs_per_step(state: Tuner) -> int:
    """Game pairs one step (SPSA batch, CMA-ES generation) plays."""
    if isinstance(state, SpsaState):
        return state.settings.pairs_per_batch
    return state.population_size * CMA_PAIRS


def tuned_proposal(state: Tuner, best: Config, games: int) -> list[Proposal]:
    """The tuned config as a proposal to verify (none when it rounds to ``best``), carrying
    the tuning games this iteration spent on it."""
    import numpy as np

    advisor = SpsaAdvisor(state) if isinstance(state, SpsaState) else CmaAdvisor(state)
    out = advisor.propose(best, (), 1, np.random.default_rng(0))
    return [replace(p, tuning_games=games) for p in out]
