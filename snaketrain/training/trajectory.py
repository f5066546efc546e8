"""θ over a tuning run, for people watching it: the trajectory of a tuner state, the keys that
moved most, and the text (``snaketrain status``) and markdown (the Prefect artifact) of it.

Pure: a tuner state (``SpsaState`` / ``CmaState``, as ``tuner.json`` holds it) in, values and
strings out. Moves are ranked in normalised units (share of the range, log units on a log
scale: comparable across keys) and shown in each key's own units, unrounded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from snaketrain.snake.space import BUILTIN, Space
from snaketrain.training.tune import CMA_PAIRS, Tuner
from snaketrain.tuning.spsa import SpsaState
from snaketrain.tuning.tunables import unit_value, unit_vector

MOST_MOVED = 5


@dataclass(frozen=True)
class Trajectory:
    """A tuning run's θ after each step. ``keys: [n]`` the tuned keys (of ``space``, in its
    order); ``theta: [steps + 1][n]`` normalised, row 0 the start (the run's base config), row
    ``s`` θ (SPSA) or the mean (CMA-ES) after step ``s``; ``planned``: the steps a run plans
    (SPSA), None for one without a planned end (CMA-ES); ``pairs``: game pairs played so far."""

    advisor: str
    keys: tuple[str, ...]
    theta: tuple[tuple[float, ...], ...]
    planned: int | None
    pairs: int
    space: Space = BUILTIN

    def __post_init__(self) -> None:
        if not self.theta or any(len(row) != len(self.keys) for row in self.theta):
            raise ValueError(f"need a start row and rows of {len(self.keys)} coordinates")

    @property
    def steps(self) -> int:
        """Steps done (SPSA batches, CMA-ES generations)."""
        return len(self.theta) - 1


class Move(NamedTuple):
    """One key from the start to now: values in its own units (unrounded), ``share`` the
    signed change in normalised units."""

    key: str
    start: float
    now: float
    share: float

    @property
    def change(self) -> float:
        """``now - start`` in the key's units."""
        return self.now - self.start


def trajectory(state: Tuner) -> Trajectory:
    """The trajectory of a tuner state (its ``history`` after the base config's θ)."""
    if isinstance(state, SpsaState):
        keys, planned, pairs = state.settings.keys, state.settings.steps, state.pairs
        advisor = "spsa"
    else:
        keys, planned, pairs = state.keys, None, state.evaluations * CMA_PAIRS
        advisor = "cmaes"
    start = tuple(float(x) for x in unit_vector(state.base, keys))
    return Trajectory(advisor, keys, (start, *state.history), planned, pairs, state.base.space)


def moves(t: Trajectory) -> list[Move]:
    """Every tuned key from the start to the last row, the largest moves (normalised) first;
    equal moves in key order."""
    first, last = t.theta[0], t.theta[-1]
    out = [
        Move(key, unit_value(key, a, t.space), unit_value(key, b, t.space), b - a)
        for key, a, b in zip(t.keys, first, last, strict=True)
    ]
    return sorted(out, key=lambda m: -abs(m.share))


def most_moved(t: Trajectory, n: int = MOST_MOVED) -> list[Move]:
    """The ``n`` keys that moved most (fewer if fewer moved at all)."""
    return [m for m in moves(t) if m.share != 0.0][:n]


def _num(x: float) -> str:
    return f"{x:.4g}"


def progress_text(t: Trajectory) -> str:
    """``step 12/200, 768 pairs (1536 games)``; CMA-ES: ``step 5 (no planned end), ...``."""
    planned = f"/{t.planned}" if t.planned is not None else " (no planned end)"
    return f"step {t.steps}{planned}, {t.pairs} pairs ({2 * t.pairs} games)"


def tuner_line(t: Trajectory, n: int = MOST_MOVED) -> str:
    """One line: advisor, steps done / planned, pairs, and the keys that moved most with their
    start and current values (``weights.space 20 -> 23.41 (+3.41)``)."""
    moved = most_moved(t, n)
    shown = ", ".join(f"{m.key} {_num(m.start)} -> {_num(m.now)} ({m.change:+.3g})" for m in moved)
    return f"tuner: {t.advisor}, {progress_text(t)}, {len(t.keys)} keys; " + (
        f"moved most: {shown}" if moved else "nothing moved yet"
    )


def theta_markdown(t: Trajectory) -> str:
    """The θ table as markdown: every tuned key's start, current value and change in its own
    units (the largest moves first, as :func:`moves`)."""
    lines = [
        f"# Tuning: {t.advisor}",
        "",
        f"{progress_text(t)}; {len(t.keys)} keys, the largest moves (share of the range) first.",
        "",
        "| key | start | now | change | share of range |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {m.key} | {_num(m.start)} | {_num(m.now)} | {m.change:+.3g} | {100 * m.share:+.2f}% |"
        for m in moves(t)
    ]
    return "\n".join(lines)
