"""Patterns in what was tried, as short text lines (for the iteration report and the LLM).

- *stable in wins*: a numeric key whose value barely varies across the accepted configs
  although the attempts moved it around (spread in wins under ``STABLE`` of its range and
  under half its spread across all attempts): ``traps.critical ~600 in wins (4 winners,
  spread 2% of range, 18% across attempts)``.
- *directions with gains*: a key whose step correlates with the measured Elo over the
  attempts that moved it (|r| >= ``MIN_R``, at least ``MIN_TRIES``, weighted by inverse
  variance): ``weights.space up goes with gains: +12 Elo per +0.10 of range (r +0.62, 8
  tries)``.
- the surrogate's fit (``surrogate.Fit.line``) when one was trained.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from snaketrain.learn.history import Attempt, read_history
from snaketrain.learn.surrogate import MIN_WINNERS, Fit, read_fit, winners
from snaketrain.snake.config import format_value
from snaketrain.snake.space import BUILTIN, Space

STABLE = 0.05
MIN_R = 0.3
MIN_TRIES = 3


def _round(value: object) -> str:
    """A value to three significant digits (``599``, ``5.2``, ``0.0123``)."""
    return f"{value:.3g}" if isinstance(value, float) else format_value(value)


def stable_lines(attempts: Sequence[Attempt], space: Space = BUILTIN) -> list[tuple[float, str]]:
    keys = space.keys
    wins = winners(attempts, keys)
    tried = np.asarray([a.x for a in attempts if a.played and len(a.x) == len(keys)])
    if len(wins) < MIN_WINNERS or len(tried) < 2:
        return []
    out = []
    for i, key in enumerate(keys):
        if space[key].kind not in ("float", "int"):
            continue
        sd_w, sd_all = float(wins[:, i].std()), float(tried[:, i].std())
        if sd_all > 0.02 and sd_w < STABLE and sd_w < 0.5 * sd_all:
            value = _round(space[key].from_unit(float(wins[:, i].mean())))
            out.append(
                (
                    sd_all - sd_w,
                    f"{key} ~{value} in wins ({len(wins)} winners, spread {sd_w:.0%} of "
                    f"range, {sd_all:.0%} across attempts)",
                )
            )
    return out


def direction_lines(attempts: Sequence[Attempt]) -> list[tuple[float, str]]:
    moved: dict[str, list[tuple[float, float, float]]] = {}
    for a in attempts:
        if not a.played or not math.isfinite(a.elo):
            continue
        half = (a.elo_high - a.elo_low) / 2
        w = 1.0 / ((half / 1.96) ** 2 + 1.0) if math.isfinite(half) else 1e-6
        for key, step in a.steps:
            if step:
                moved.setdefault(key, []).append((step, a.elo, w))
    out = []
    for key, rows in moved.items():
        if len(rows) < MIN_TRIES:
            continue
        s, e, w = (np.asarray(c) for c in zip(*rows, strict=True))
        w = w / w.sum()
        ms, me = float(w @ s), float(w @ e)
        cov = float(w @ ((s - ms) * (e - me)))
        vs, ve = float(w @ (s - ms) ** 2), float(w @ (e - me) ** 2)
        if vs <= 0 or ve <= 0:
            continue
        r = cov / math.sqrt(vs * ve)
        if abs(r) < MIN_R:
            continue
        slope = float(w @ (s * e)) / float(w @ (s * s))  # Elo per unit step, through 0
        way = "up" if slope > 0 else "down"
        per = abs(slope) * 0.1
        out.append(
            (
                abs(r) * math.sqrt(len(rows)),
                f"{key} {way} goes with gains: {per:+.0f} Elo per {0.1 if slope > 0 else -0.1:+.2f}"
                f" of range (r {r:+.2f}, {len(rows)} tries)",
            )
        )
    return out


def lines_of(
    attempts: Sequence[Attempt], fit: Fit | None = None, limit: int = 8, space: Space = BUILTIN
) -> list[str]:
    """The pattern lines of ``attempts`` (in ``space``), strongest first, then the fit line."""
    found = [*stable_lines(attempts, space), *direction_lines(attempts)]
    ranked = sorted(found, key=lambda t: -t[0])
    out = [text for _, text in ranked[:limit]]
    return [*out, fit.line()] if fit is not None else out


def pattern_lines(results_dir: str | Path, limit: int = 8, space: Space = BUILTIN) -> list[str]:
    """The NN's pattern lines (in ``space``) from the files of a results folder
    (``attempts.jsonl``, the training log, ``surrogate.json``); [] for a new folder."""
    from snaketrain.trainlog import LOG_NAME, TrainingLog

    entries = TrainingLog(Path(results_dir) / LOG_NAME, repair=False).entries()
    attempts = read_history(results_dir, entries, space)
    return lines_of(attempts, read_fit(results_dir, space.keys), limit, space)
