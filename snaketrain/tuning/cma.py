"""CMA-ES over the tuned keys' normalised vector: the ``cmaes`` package's ask-and-tell as
pure steps over a JSON-serialisable state (named ``cma`` so it does not shadow ``cmaes``).

One generation: :func:`plan_generation` asks the package for λ candidates (vectors in the
[0, 1] box, ints rounded to the nearest value, floats to FLOAT_DECIMALS); the caller scores
each (higher is better, e.g. its mean points against the incumbent); :func:`tell_generation`
tells the package (which minimises: it is told ``-score``) and returns the next state.

The optimizer is kept pickled *before* the generation is asked. The package does not pickle
its random generator, so each generation reseeds it from ``(seed, generation)`` before asking:
planning is a pure function of the state, :func:`tell_generation` re-asks the same λ vectors
(the package needs the unrounded ones), and a resumed run continues exactly. The pickle is
the package's own object: load only state files this program wrote.

Verification: :class:`CmaAdvisor` proposes the distribution's mean as a config.
"""

from __future__ import annotations

import base64
import json
import pickle
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import cmaes
import numpy as np

from snaketrain.snake.space import Config
from snaketrain.trainlog import LogEntry
from snaketrain.tuning.advisor import Advisor, Proposal
from snaketrain.tuning.tunables import (
    TuneSettingsError,
    select_keys,
    space_json,
    space_of,
    to_config,
    unit_vector,
)

STATE_VERSION = 1
CMA_STREAM = 2
DEFAULT_SIGMA = 0.15
"""Initial step size in normalised units: ±1σ covers 30% of each range. Larger ones mostly
sample the bounds (many defaults sit in the first fifth of their range)."""
HISTORY_DECIMALS = 6


@dataclass(frozen=True)
class CmaState:
    """Where a run stands. ``optimizer``: the pickled ``cmaes.CMA`` before generation
    ``generation`` (0-based, = generations told) is asked; ``evaluations``: candidates scored;
    ``history: [generation][n]`` the mean after each generation. Untuned keys keep ``base``'s
    values; ``keys`` are the tuned ones, in the order of ``base``'s space."""

    keys: tuple[str, ...]
    base: Config
    optimizer: bytes
    seed: int
    generation: int = 0
    evaluations: int = 0
    history: tuple[tuple[float, ...], ...] = field(default=())

    def __post_init__(self) -> None:
        if select_keys(self.keys, space=self.base.space) != self.keys:
            raise ValueError(f"keys must be in the order of the space: {self.keys}")
        if not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed must be an integer >= 0, got {self.seed!r}")
        if self.generation < 0 or len(self.history) != self.generation:
            raise ValueError(f"need one history row per generation, got {self.generation}")

    @staticmethod
    def start(
        base: Config,
        keys: Sequence[str] | None = None,
        sigma: float = DEFAULT_SIGMA,
        population_size: int | None = None,
        seed: int = 0,
    ) -> CmaState:
        """A new run centred on ``base``; ``keys`` of its space as ``tunables.select_keys``
        (default: float/int, not structural); ``population_size`` default ``4 + floor(3 ln n)``."""
        chosen = select_keys(keys, space=base.space)
        if not 0.0 < sigma <= 0.5:
            raise TuneSettingsError(f"sigma = {sigma!r}: expected a number in (0, 0.5]")
        if population_size is not None and population_size < 2:
            raise TuneSettingsError(
                f"population_size = {population_size!r}: expected a whole number >= 2"
            )
        n = len(chosen)
        optimizer = cmaes.CMA(
            mean=unit_vector(base, chosen),
            sigma=sigma,
            bounds=np.array([[0.0, 1.0]] * n),
            seed=seed,
            population_size=population_size,
        )
        return CmaState(chosen, base, _dump(optimizer), seed)

    @property
    def population_size(self) -> int:
        """λ, the candidates per generation."""
        return int(_load(self.optimizer).population_size)

    @property
    def mean(self) -> np.ndarray:
        """``[n]`` the distribution's mean (normalised)."""
        return np.array(_load(self.optimizer).mean, dtype=np.float64)

    def should_stop(self) -> bool:
        """The package's stopping tests (flat scores, collapsed or diverging distribution)."""
        return bool(_load(self.optimizer).should_stop())

    def config(self) -> Config:
        """The mean as a valid config (ints to the nearest value): the one to verify."""
        return to_config(self.base, self.keys, self.mean)

    def to_json(self) -> str:
        """The state as JSON (the optimizer as base64 pickle); :meth:`from_json` inverts it."""
        d = {
            "version": STATE_VERSION,
            "cmaes": cmaes.__version__,
            "seed": self.seed,
            "generation": self.generation,
            "evaluations": self.evaluations,
            "keys": list(self.keys),
            "base": self.base.to_dict(),
            "optimizer": base64.b64encode(self.optimizer).decode("ascii"),
            "history": [list(row) for row in self.history],
        }
        return json.dumps(d | space_json(self.base.space))

    @staticmethod
    def from_json(text: str) -> CmaState:
        """The state :meth:`to_json` wrote; ValueError (one line) if it is not one."""
        try:
            d: dict[str, Any] = json.loads(text)
            if d.get("version") != STATE_VERSION:
                raise ValueError(f"version {d.get('version')!r}, expected {STATE_VERSION}")
            blob = base64.b64decode(d["optimizer"], validate=True)
            if not isinstance(_load(blob), cmaes.CMA):
                raise ValueError("optimizer is not a cmaes.CMA")
            return CmaState(
                keys=tuple(d["keys"]),
                base=Config(d["base"], source="base", space=space_of(d)),
                optimizer=blob,
                seed=d["seed"],
                generation=d["generation"],
                evaluations=d["evaluations"],
                history=tuple(tuple(float(t) for t in row) for row in d["history"]),
            )
        except (ValueError, KeyError, TypeError, AttributeError, pickle.UnpicklingError) as e:
            raise ValueError(f"not a CMA-ES state: {str(e).splitlines()[0]}") from None


def _dump(optimizer: cmaes.CMA) -> bytes:
    return pickle.dumps(optimizer, protocol=4)


def _load(blob: bytes) -> cmaes.CMA:
    return pickle.loads(blob)  # noqa: S301 (our own state file, see the module docstring)


def _ask(state: CmaState) -> tuple[cmaes.CMA, list[np.ndarray]]:
    """The optimizer, reseeded for this generation, and its λ vectors ``[n]``."""
    optimizer = _load(state.optimizer)
    sequence = np.random.SeedSequence(state.seed, spawn_key=(CMA_STREAM, state.generation))
    optimizer.reseed_rng(int(sequence.generate_state(1)[0]))
    return optimizer, [optimizer.ask() for _ in range(optimizer.population_size)]


def plan_generation(state: CmaState) -> list[Config]:
    """The λ candidates of generation ``state.generation``, as valid configs."""
    _, vectors = _ask(state)
    return [to_config(state.base, state.keys, x) for x in vectors]


def tell_generation(state: CmaState, scores: Sequence[float]) -> CmaState:
    """The state after telling the package ``scores[i]`` (higher is better) of candidate ``i``
    of :func:`plan_generation`; exactly λ finite scores."""
    optimizer, vectors = _ask(state)
    if len(scores) != len(vectors) or not np.isfinite(np.asarray(scores, dtype=float)).all():
        raise ValueError(f"need {len(vectors)} finite scores, one per candidate, got {scores}")
    optimizer.tell([(x, -float(s)) for x, s in zip(vectors, scores, strict=True)])
    row = tuple(round(float(m), HISTORY_DECIMALS) for m in optimizer.mean)
    return replace(
        state,
        optimizer=_dump(optimizer),
        generation=state.generation + 1,
        evaluations=state.evaluations + len(vectors),
        history=(*state.history, row),
    )


@dataclass(frozen=True)
class CmaAdvisor(Advisor):
    """Proposes the run's mean (rounded) for verification against the incumbent; its untuned
    keys are the run's base config's."""

    state: CmaState
    name: str = "cmaes"

    def propose(
        self,
        best: Config,
        history: Sequence[LogEntry],
        k: int,
        rng: np.random.Generator,
    ) -> list[Proposal]:
        """At most one proposal, the mean as a config (none if it equals ``best`` or ``k`` is
        0); ``history`` and ``rng`` are unused."""
        if k < 0:
            raise ValueError(f"k must be >= 0, got {k}")
        candidate = self.state.config()
        if k == 0 or candidate == best:
            return []
        s = self.state
        reason = (
            f"CMA-ES mean after {s.generation} generations of {s.population_size}, "
            f"{s.evaluations} candidates scored, tuning {len(s.keys)} keys"
        )
        return [Proposal.between(best, candidate, self.name, reason)]
