"""SPSA settings: which keys, how far to perturb, how fast to learn, how long; the tune file.

The gains follow Fishtest and OpenBench. Step ``k`` (1-based; one step is one batch of pairs)
perturbs by ``c_k = c / k^gamma`` and moves by ``a_k / c_k`` per unit of score, with
``a_k = a / (A + k)^alpha``, ``alpha = 0.602``, ``gamma = 0.101`` and ``A`` 10% of the planned
steps. A user sets each key's values *at the end*, ``c_end`` (the perturbation) and ``r_end``
(the learning rate ``a_end / c_end^2``), and the planned steps ``N``; then
``c = c_end * N^gamma``, ``a_end = r_end * c_end^2`` and ``a = a_end * (A + N)^alpha``, so
``c_N = c_end`` and ``a_N = a_end`` whatever ``N``. As in OpenBench an int key's ``c_k`` never
goes below half an integer step (its two sides would round to the same value).

Units are normalised (0..1 of the range, log units on a log scale). The defaults:

- ``c_end = 0.05``: a pair plays ``θ ± 5%`` of each range, 10% apart: far enough apart for
  heuristic weights to change a measurable share of games, near enough that the gradient is
  local. Integer steps below that are rounded probabilistically.
- ``r_end = 0.02``: one pair then moves θ by at most ``r_end * c_end`` = 0.1% of a range at
  the end (about 2.4x that at the start). Sized from the drift a tuning run needs against
  its noise: with a true mean pair score s̄ the drift over N pairs is about ``r c N s̄`` and
  the noise ``r c 0.7 sqrt(N)``; over an iteration's 2,048 pairs and a modest s̄ = 0.05 that
  is 0.10 of a range against 0.03 of noise. Fishtest's customary 0.002 (0.004 on our score
  scale) moved θ by under 1% of a range in 1,024 pairs from a config 20% off
  (``benchmarks/tuning.py``): far too slow for hours, fine for Fishtest's days.
- 200 steps x 64 pairs (25,600 games): minutes on a GPU, and enough pairs for the gains to
  average the game noise; one batch is wide enough to fill a batched engine.
- ``pairs_per_delta = 1``: every pair draws its own perturbation. An external snake reads its
  config when it starts, so each distinct config costs a build and a start: there the pairs of
  a batch are played in groups of ``pairs_per_delta`` that share one Δ (pair ``j`` uses draw
  ``j // pairs_per_delta``), each group θ+ and θ− started once (``external.tuning``).

The tune file (YAML; every field optional)::

    steps: 200               # planned steps (batches)
    pairs_per_batch: 64      # pairs per step
    pairs_per_delta: 1       # consecutive pairs sharing one perturbation (HTTP snakes: 8)
    c_end: 0.05              # defaults for every tuned key
    r_end: 0.004
    keys: [weights.space, weights.food]   # default: float/int keys, not structural
    overrides:               # per key, a tuned one
      weights.space: {c_end: 0.08}
    alpha: 0.602             # rarely changed
    gamma: 0.101
    a_ratio: 0.1             # A = a_ratio * steps
"""

from __future__ import annotations

import difflib
import math
import numbers
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from snaketrain.snake.space import BUILTIN, Config, Space
from snaketrain.tuning.tunables import (
    STRUCTURAL_KEYS,
    TuneSettingsError,
    int_step,
    select_keys,
)

ALPHA = 0.602
GAMMA = 0.101
A_RATIO = 0.1
DEFAULT_C_END = 0.05
DEFAULT_R_END = 0.02
DEFAULT_STEPS = 200
DEFAULT_PAIRS = 64
MAX_C_END = 0.5
_FIELDS = (
    "steps", "pairs_per_batch", "pairs_per_delta", "c_end", "r_end", "keys", "overrides", "alpha",
    "gamma", "a_ratio",
)  # fmt: skip


def a_schedule(a: float | np.ndarray, big_a: float, k: int, alpha: float = ALPHA) -> Any:
    """``a_k = a / (A + k)^alpha``."""
    return a / (big_a + k) ** alpha


def c_schedule(c: float | np.ndarray, k: int, gamma: float = GAMMA) -> Any:
    """``c_k = c / k^gamma``."""
    return c / k**gamma


@dataclass(frozen=True)
class SpsaSettings:
    """Effective SPSA settings; ``c_end``/``r_end`` are ``[n]``, one per key of ``keys`` (keys
    of ``space``: the built-in one unless the snake tuned has its own)."""

    keys: tuple[str, ...]
    c_end: tuple[float, ...]
    r_end: tuple[float, ...]
    steps: int = DEFAULT_STEPS
    pairs_per_batch: int = DEFAULT_PAIRS
    alpha: float = ALPHA
    gamma: float = GAMMA
    a_ratio: float = A_RATIO
    pairs_per_delta: int = 1  # consecutive pairs of a batch sharing one perturbation
    space: Space = BUILTIN

    def __post_init__(self) -> None:
        if select_keys(self.keys, space=self.space) != self.keys:
            raise ValueError(f"keys must be in the order of the space: {self.keys}")
        if not len(self.c_end) == len(self.r_end) == len(self.keys):
            raise ValueError("need one c_end and one r_end per key")
        for key, c_end, r_end in zip(self.keys, self.c_end, self.r_end, strict=True):
            _number(c_end, f"c_end of {key}", 0.0, MAX_C_END)
            _number(r_end, f"r_end of {key}", 0.0)
        _count(self.steps, "steps")
        _count(self.pairs_per_batch, "pairs_per_batch")
        _count(self.pairs_per_delta, "pairs_per_delta")
        _number(self.alpha, "alpha", 0.0, 1.0)
        _number(self.gamma, "gamma", 0.0, 1.0)
        _number(self.a_ratio, "a_ratio", 0.0, 10.0, closed=True)

    @staticmethod
    def default(
        keys: tuple[str, ...] | None = None, space: Space = BUILTIN, **kw: Any
    ) -> SpsaSettings:
        """Default gains for ``keys`` of ``space`` (default: :func:`default_keys`)."""
        chosen = select_keys(keys, space=space)
        n = len(chosen)
        return SpsaSettings(chosen, (DEFAULT_C_END,) * n, (DEFAULT_R_END,) * n, **kw, space=space)

    @property
    def big_a(self) -> float:
        """``A``, the stability offset of ``a_k``: ``a_ratio * steps``."""
        return self.a_ratio * self.steps

    def coefficients(self) -> tuple[np.ndarray, np.ndarray]:
        """``(a, c)``, each ``[n]``: the gains' numerators derived from the end values."""
        c_end, r_end = np.array(self.c_end), np.array(self.r_end)
        a = r_end * c_end**2 * (self.big_a + self.steps) ** self.alpha
        return a, c_end * self.steps**self.gamma

    def gains(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """``(a_k, c_k)``, each ``[n]``, of step ``k`` >= 1 (int keys: ``c_k`` >= half a step)."""
        if k < 1:
            raise ValueError(f"steps count from 1, got {k}")
        a, c = self.coefficients()
        floor = np.array([0.5 * int_step(key, self.space) if self.space[key].kind == "int"
                          else 0.0 for key in self.keys])  # fmt: skip
        return a_schedule(a, self.big_a, k, self.alpha), np.maximum(
            c_schedule(c, k, self.gamma), floor
        )

    def to_dict(self) -> dict[str, Any]:
        """The settings as an explicit tune file: ``parse_settings(s.to_dict()) == s``."""
        return {
            "steps": self.steps,
            "pairs_per_batch": self.pairs_per_batch,
            "pairs_per_delta": self.pairs_per_delta,
            "alpha": self.alpha,
            "gamma": self.gamma,
            "a_ratio": self.a_ratio,
            "keys": list(self.keys),
            "overrides": {
                k: {"c_end": c, "r_end": r}
                for k, c, r in zip(self.keys, self.c_end, self.r_end, strict=True)
            },
        }


def _number(
    value: object, where: str, low: float, high: float = math.inf, closed: bool = False
) -> float:
    """``value`` as a float in (low, high] (``closed``: [low, high]); TuneSettingsError else."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    v = float(value) if ok else math.nan  # type: ignore[arg-type]
    if not (math.isfinite(v) and (low <= v if closed else low < v) and v <= high):
        lower = f"{'>=' if closed else '>'} {low:g}"
        bounds = lower if high == math.inf else f"in {'[' if closed else '('}{low:g}, {high:g}]"
        raise TuneSettingsError(f"{where} = {value!r}: expected a number {bounds}")
    return v


def _count(value: object, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise TuneSettingsError(f"{where} = {value!r}: expected a whole number >= 1")
    return value


def _mapping(value: object, where: str, expected: str) -> Mapping[Any, Any]:
    if not isinstance(value, Mapping):
        raise TuneSettingsError(f"{where} = {value!r}: expected a mapping of {expected}")
    return value


def parse_settings(
    data: object,
    source: str = "<tune>",
    defaults: Mapping[str, Any] | None = None,
    space: Space = BUILTIN,
) -> SpsaSettings:
    """SpsaSettings from a tune file's mapping (None: all defaults; ``defaults``: settings the
    file may set, in place of the built-in defaults) for keys of ``space``; TuneSettingsError
    naming the first problem in one line."""
    data = {**(defaults or {}), **_mapping({} if data is None else data, source, "settings")}
    for name in data:
        if name not in _FIELDS:
            close = difflib.get_close_matches(str(name), _FIELDS, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise TuneSettingsError(
                f"{source}: unknown setting {name!r}; {hint}allowed: {', '.join(_FIELDS)}"
            )
    steps = _count(data.get("steps", DEFAULT_STEPS), f"{source}: steps")
    pairs = _count(data.get("pairs_per_batch", DEFAULT_PAIRS), f"{source}: pairs_per_batch")
    per_delta = _count(data.get("pairs_per_delta", 1), f"{source}: pairs_per_delta")
    c_end = _number(data.get("c_end", DEFAULT_C_END), f"{source}: c_end", 0.0, MAX_C_END)
    r_end = _number(data.get("r_end", DEFAULT_R_END), f"{source}: r_end", 0.0)
    alpha = _number(data.get("alpha", ALPHA), f"{source}: alpha", 0.0, 1.0)
    gamma = _number(data.get("gamma", GAMMA), f"{source}: gamma", 0.0, 1.0)
    a_ratio = _number(data.get("a_ratio", A_RATIO), f"{source}: a_ratio", 0.0, 10.0, True)
    keys = select_keys(data.get("keys"), f"{source}: keys", space)
    per_key = {k: {"c_end": c_end, "r_end": r_end} for k in keys}
    overrides = _mapping(data.get("overrides", {}), f"{source}: overrides", "key: {c_end, r_end}")
    for key, body in overrides.items():
        where = f"{source}: overrides.{key}"
        if key not in per_key:
            tuned = "it is not a parameter" if key not in space else "it is not a tuned key"
            raise TuneSettingsError(f"{where}: {tuned}; overrides name keys listed in keys")
        for name, value in _mapping(body, where, "c_end, r_end").items():
            if name not in ("c_end", "r_end"):
                raise TuneSettingsError(f"{where}: unknown setting {name!r}; allowed: c_end, r_end")
            high = MAX_C_END if name == "c_end" else math.inf
            per_key[key][name] = _number(value, f"{where}.{name}", 0.0, high)
    return SpsaSettings(
        keys,
        tuple(per_key[k]["c_end"] for k in keys),
        tuple(per_key[k]["r_end"] for k in keys),
        steps,
        pairs,
        alpha,
        gamma,
        a_ratio,
        per_delta,
        space,
    )


class _Loader(yaml.SafeLoader):
    """YAML as a tune file reads it: ``1e-3`` is a float (YAML 1.1 would read text)."""


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?[0-9]+(?:\.[0-9]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


def parse_tune_yaml(
    text: str,
    source: str = "<tune>",
    defaults: Mapping[str, Any] | None = None,
    space: Space = BUILTIN,
) -> SpsaSettings:
    """SpsaSettings from tune-file YAML; TuneSettingsError (with the line) if malformed."""
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 (_Loader is a SafeLoader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(e, "problem", None) or str(e).replace("\n", " ")
        raise TuneSettingsError(f"{source}: {where}malformed YAML: {problem}") from None
    return parse_settings(data, source, defaults, space)


def load_settings(
    path: str | Path, defaults: Mapping[str, Any] | None = None, space: Space = BUILTIN
) -> SpsaSettings:
    """Read and validate a tune file (``defaults``, ``space`` as ``parse_settings``);
    TuneSettingsError naming the file on any problem."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise TuneSettingsError(f"{path}: cannot read: {e}") from None
    return parse_tune_yaml(text, str(path), defaults, space)


def _in_units(key: str, start: float, dx: float, space: Space) -> str:
    """A normalised offset ``dx`` at ``start`` in the parameter's own units."""
    p = space[key]
    if p.log:
        return f"x{(float(p.high) / float(p.low)) ** dx:.3g}"
    return f"±{dx * (float(p.high) - float(p.low)):.4g}"


def _grouped(s: SpsaSettings) -> str:
    d = s.pairs_per_delta
    return "" if d == 1 else f", {d} pairs per perturbation ({-(-s.pairs_per_batch // d)} a step)"


def describe(settings: SpsaSettings, base: Config) -> str:
    """A text table of the effective per-key settings (shown when a run starts)."""
    s = settings
    pairs = s.steps * s.pairs_per_batch
    a1, c1 = s.gains(1)
    a_n, c_n = s.gains(s.steps)
    lines = [
        f"SPSA: {len(s.keys)} keys, {s.steps} steps x {s.pairs_per_batch} pairs = {pairs} pairs "
        f"({2 * pairs} games){_grouped(s)}; alpha {s.alpha:g}, gamma {s.gamma:g}, A {s.big_a:g}; "
        "c and moves in normalised units (share of the range, log units on a log scale)",
        f"{'key':34} {'start':>9} {'c_end':>7} {'in units':>10} {'r_end':>8} {'c_1':>7}"
        f" {'move_1':>8} {'move_end':>8}",
    ]
    for i, key in enumerate(s.keys):
        start = base[key]
        c_end, r_end = s.c_end[i], s.r_end[i]
        lines.append(
            f"{key:34} {start:>9g} {c_end:>7.4g} {_in_units(key, start, c_end, s.space):>10} "
            f"{r_end:>8.4g} {c1[i]:>7.4g} {a1[i] / c1[i]:>8.3g} {a_n[i] / c_n[i]:>8.3g}"
        )
    fixed = [k for k in s.space.keys if k not in s.keys]
    structural = [k for k in fixed if k in STRUCTURAL_KEYS and s.space.builtin]
    lines.append(
        "in units: c_end in the key's units at its start; move_1, move_end: the largest move "
        "of θ per pair (score ±1) at the first and the last step"
    )
    lines.append(f"fixed: {len(fixed)} keys ({len(structural)} structural: list them to tune)")
    return "\n".join(lines)
