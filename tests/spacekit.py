"""A small parameter space of a user's own, shared by the tests of every advisor in it."""

from __future__ import annotations

from snaketrain.snake.space import Param, Space

OWN = Space(
    (
        Param("greed", "apple", "float", 2.0, "apple weight", 0.0, 10.0),
        Param("greed", "hunger", "int", 40, "health below which it eats", 0, 100),
        Param("caution", "room", "float", 1.0, "room weight", 0.1, 100.0, log=True),
        Param("style", "straight", "bool", False, "keep going straight on ties"),
    ),
    source="space.yaml",
)
"""Four keys: a float, an int, a log-scale float and a bool (not tuned by SPSA/CMA-ES)."""
