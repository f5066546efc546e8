"""snaketrain: makes a Battlesnake stronger, continuously, with improvements the games prove."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["ContinuousTrainer", "__version__"]


def __getattr__(name: str) -> Any:  # lazy: `import snaketrain` stays light
    if name == "ContinuousTrainer":
        from snaketrain.runtime import ContinuousTrainer

        return ContinuousTrainer
    raise AttributeError(f"module 'snaketrain' has no attribute {name!r}")
