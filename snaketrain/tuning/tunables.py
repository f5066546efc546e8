"""The keys SPSA and CMA-ES tune, as one normalised vector, and the way back to a Config.

Coordinates are ``Param.to_unit``: 0..1 of each range, in log units for a log-scale parameter
(``Param.log``), so one step size fits every key. The vector holds the tuned keys in the
order of the config's space (``Config.space``); every other key keeps the value of a base
config.

Which keys are tuned: every float and int key except :data:`STRUCTURAL_KEYS` (of the built-in
space; a space of the user's own has none) unless the user lists keys. A structural key
changes the shape or the node budget of the search; tuning it would buy strength with compute
(deeper or wider search is stronger and slower), which a comparison at equal settings cannot
see. Listed explicitly they are tuned (an int key steps by rounding); bool and choice keys have
no gradient or continuous coordinate and are refused.

From a vector to a Config: floats round to ``FLOAT_DECIMALS`` (``Param.from_unit``), ints
round to the nearest value or, given uniform draws, probabilistically (:func:`stochastic_round`:
``floor(v + u)``, whose mean is ``v``), everything clipped to the bounds.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from snaketrain.snake.space import BUILTIN, Config, Param, Space

STRUCTURAL_KEYS: tuple[str, ...] = (
    "hybrid.enabled",  # bool: whether critical turns search deeper at all
    "hybrid.critical_health",  # the three thresholds decide how often a turn is critical,
    "hybrid.critical_nearby_enemies",  # i.e. how often the deeper lookahead runs
    "hybrid.critical_space_ratio",
    "hybrid.lookahead_depth",  # depth of a critical turn's search
    "search.depth",  # depth of a normal turn's search
    "search.max_nodes",  # leaf budget per decision
    "search.reply_model",  # choice: how enemy replies combine in the tree
)
"""Keys whose change alters the search's shape or node budget: fixed unless listed."""


class TuneSettingsError(ValueError):
    """Tuning settings a user wrote that are not valid; the message is one line naming the
    setting, what was wrong and what is allowed."""


def default_keys(space: Space = BUILTIN) -> tuple[str, ...]:
    """The keys tuned when none are listed: float and int keys of ``space``, in its order,
    not structural (the built-in space's :data:`STRUCTURAL_KEYS`)."""
    fixed = STRUCTURAL_KEYS if space.builtin else ()
    return tuple(p.key for p in space if p.kind in ("float", "int") and p.key not in fixed)


def select_keys(
    keys: Sequence[str] | None = None, source: str = "keys", space: Space = BUILTIN
) -> tuple[str, ...]:
    """The tuned keys in the order of ``space``: ``keys`` validated, or :func:`default_keys`
    for None.

    TuneSettingsError (``source`` first) for an empty list, a key given twice, an unknown key
    or a bool/choice key.
    """
    if keys is None:
        return default_keys(space)
    if isinstance(keys, str) or not isinstance(keys, Sequence):
        raise TuneSettingsError(f"{source}: expected a list of parameter keys, got {keys!r}")
    if not keys:
        raise TuneSettingsError(f"{source}: empty; list at least one float or int key")
    seen: set[str] = set()
    for key in keys:
        if not isinstance(key, str) or key not in space:
            close = difflib.get_close_matches(str(key), space.keys, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            where = "config.yaml" if space.builtin else space.source
            raise TuneSettingsError(
                f"{source}: {key!r} is not a parameter; {hint}keys are section.name as in {where}"
            )
        if key in seen:
            raise TuneSettingsError(f"{source}: {key} is listed twice")
        seen.add(key)
        kind = space[key].kind
        if kind not in ("float", "int"):
            raise TuneSettingsError(
                f"{source}: {key} is a {kind} key; only float and int keys can be tuned"
            )
    return tuple(p.key for p in space if p.key in seen)


def unit_vector(config: Config, keys: Sequence[str]) -> np.ndarray:
    """``[n]`` float64: the normalised coordinates of ``keys`` in ``config`` (its space)."""
    space = config.space
    return np.array([space[k].to_unit(config[k]) for k in keys], dtype=np.float64)


def stochastic_round(value: float, u: float) -> int:
    """``floor(value + u)`` for ``u`` uniform in [0, 1): ``value`` rounded up with probability
    its fractional part, so the mean over draws is ``value`` (3.3 -> 4 three times in ten)."""
    return math.floor(value + u)


def int_step(key: str, space: Space = BUILTIN) -> float:
    """Normalised size of one integer step of int key ``key`` of ``space`` (at the bottom of
    a log range, where it is largest)."""
    p = space[key]
    lo, hi = float(p.low), float(p.high)
    return math.log((lo + 1) / lo) / math.log(hi / lo) if p.log else 1.0 / (hi - lo)


def unit_value(key: str, x: float, space: Space = BUILTIN) -> float:
    """The continuous value of float/int key ``key`` of ``space`` at position ``x`` in
    [0, 1], unrounded."""
    return _unit_value(space[key], x)


def _unit_value(p: Param, x: float) -> float:
    lo, hi = float(p.low), float(p.high)
    return lo * (hi / lo) ** x if p.log else lo + x * (hi - lo)


def to_config(
    base: Config,
    keys: Sequence[str],
    x: Sequence[float] | np.ndarray,
    u: Sequence[float] | np.ndarray | None = None,
) -> Config:
    """``base`` with ``keys`` set from ``x: [n]`` (clipped to [0, 1]), in ``base``'s space.

    Floats round to FLOAT_DECIMALS; ints to the nearest value, or with ``u: [n]`` (uniform
    in [0, 1), entries of float keys unused) by :func:`stochastic_round`.
    """
    vec = np.asarray(x, dtype=np.float64)
    if vec.shape != (len(keys),) or not np.isfinite(vec).all():
        raise ValueError(f"expected {len(keys)} finite coordinates, got {vec!r}")
    if u is not None and len(u) != len(keys):
        raise ValueError(f"expected {len(keys)} uniform draws, got {len(u)}")
    changes: dict[str, object] = {}
    for i, key in enumerate(keys):
        p, xi = base.space[key], min(max(float(vec[i]), 0.0), 1.0)
        if p.kind == "int" and u is not None:
            v = stochastic_round(_unit_value(p, xi), float(u[i]))
            changes[key] = int(min(max(v, math.ceil(p.low)), math.floor(p.high)))
        else:
            changes[key] = p.from_unit(xi)
    return base.replace(changes)


def space_json(space: Space) -> dict[str, Any]:
    """``{"space": [...]}`` for a state file, empty for the built-in space."""
    return {} if space.builtin else {"space": space.to_list(), "space_source": space.source}


def space_of(d: Mapping[str, Any]) -> Space:
    """The space a state file names (:func:`space_json`): the built-in one unless given."""
    if "space" not in d:
        return BUILTIN
    return Space.from_list(d["space"], str(d.get("space_source", "<space>")))
