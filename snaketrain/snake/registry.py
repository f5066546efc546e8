"""Built-in snakes by name: the names the CLI and configs accept, each a scalar policy
``(board, snake id, game seed) -> move`` for the reference engine.

Add a snake by adding one entry to ``SCALAR_POLICIES``.
"""

from __future__ import annotations

from snaketrain.rules.game import ScalarPolicy

from .random_safe import random_safe

SCALAR_POLICIES: dict[str, ScalarPolicy] = {
    "random-safe": random_safe,
}


class UnknownSnakeError(ValueError):
    """A snake name that no built-in snake has."""


def scalar_policy(name: str) -> ScalarPolicy:
    """The built-in snake called ``name``."""
    try:
        return SCALAR_POLICIES[name]
    except KeyError:
        raise UnknownSnakeError(
            f"unknown snake {name!r}; built-in snakes: {', '.join(sorted(SCALAR_POLICIES))}"
        ) from None
