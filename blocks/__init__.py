"""Prefect Block types of snaketrain: training settings and the git target.

Register them with the Prefect server: ``prefect block register --module blocks``.
"""

from blocks.training import GitTarget, TrainingSettings

__all__ = ["GitTarget", "TrainingSettings"]
