"""Built-in snakes by name: the names the CLI and configs accept.

``BATCHED_POLICIES`` maps each ladder name to a factory of its batched policy (for the arena);
``SCALAR_POLICIES`` holds the same snakes as scalar policies ``(board, snake id, game seed) ->
move`` for the reference engine (each a batch of one through the batched code, except the
hand-written scalar ``random-safe``, which plays identically).

Add a snake by adding one entry to ``BATCHED_POLICIES``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

from snaketrain.rules.game import ScalarPolicy

from .config import Config
from .configfile import load_config
from .heuristic import HeuristicPolicy
from .opponents import GreedyFood, HungryHunter, SpaceAware
from .policy import BatchedPolicy, as_scalar
from .random_safe import RandomSafe, random_safe

BASELINE_FILE = Path(__file__).with_name("baseline.yaml")
"""The frozen weights of ``baseline``, the reference that win rates are quoted against."""

LADDER: tuple[str, ...] = ("random-safe", "greedy-food", "hungry-hunter", "space-aware", "baseline")
"""The built-in opponents, weakest first."""

@functools.cache
def baseline_config() -> Config:
    """``baseline.yaml``, read once per process (a packaged file that never changes)."""
    return load_config(BASELINE_FILE)


BATCHED_POLICIES: dict[str, Callable[[], BatchedPolicy]] = {
    "random-safe": RandomSafe,
    "greedy-food": GreedyFood,
    "hungry-hunter": HungryHunter,
    "space-aware": SpaceAware,
    "baseline": lambda: HeuristicPolicy(baseline_config(), name="baseline"),
}

SCALAR_POLICIES: dict[str, ScalarPolicy] = {
    name: random_safe if name == "random-safe" else as_scalar(make())
    for name, make in BATCHED_POLICIES.items()
}


class UnknownSnakeError(ValueError):
    """A snake name that no built-in snake has."""


def _unknown(name: str) -> UnknownSnakeError:
    return UnknownSnakeError(
        f"unknown snake {name!r}; built-in snakes: {', '.join(BATCHED_POLICIES)}, "
        "or the path of a config .yaml file"
    )


def scalar_policy(name: str) -> ScalarPolicy:
    """The built-in snake called ``name``."""
    try:
        return SCALAR_POLICIES[name]
    except KeyError:
        raise _unknown(name) from None


def batched_policy(name: str | Path) -> BatchedPolicy:
    """The built-in snake called ``name``, or the heuristic snake of the config file ``name``
    (a path ending in .yaml or .yml; ConfigError if the file is not a valid config)."""
    text = str(name)
    if text in BATCHED_POLICIES:
        return BATCHED_POLICIES[text]()
    if text.endswith((".yaml", ".yml")):
        path = Path(text)
        if not path.is_file():
            raise UnknownSnakeError(f"no config file {text!r} (for a snake given by its config)")
        return HeuristicPolicy(load_config(path), name=path.stem)
    raise _unknown(text)
