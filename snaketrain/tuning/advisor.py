"""The advisor interface: what to try next, given the best config and the history.

An advisor is one small class with one method, :meth:`Advisor.propose` (the shape of
Optuna's samplers). Random perturbation is the first (``tuning/perturb.py``); NN patterns,
an LLM, SPSA and CMA-ES implement the same method later. Advisors are pure: the same best
config, history and generator state give the same proposals, and nothing is read or written.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from snaketrain.snake.space import Config, Value, diff
from snaketrain.trainlog import LogEntry

Change = tuple[str, Value, Value]
"""``(key, old, new)``: one parameter moved from the best config's value to the candidate's."""


@dataclass(frozen=True)
class Proposal:
    """One candidate: the full config, what changed against the best, who proposed it, why."""

    config: Config
    changes: tuple[Change, ...]
    advisor: str
    reason: str
    tuning_games: int = 0  # games an optimizer (SPSA, CMA-ES) played to find it

    @staticmethod
    def between(
        best: Config, candidate: Config, advisor: str, reason: str, tuning_games: int = 0
    ) -> Proposal:
        """The proposal of ``candidate`` with its changes derived from ``best``."""
        return Proposal(candidate, tuple(diff(best, candidate)), advisor, reason, tuning_games)

    def changes_as_dicts(self) -> list[dict[str, Value]]:
        """``[{"key", "old", "new"}]``, the form of ``LogEntry.changes``."""
        return [{"key": k, "old": old, "new": new} for k, old, new in self.changes]


class Advisor(abc.ABC):
    """Proposes candidate configs to test against the best one."""

    #: Name recorded in the log's ``advisor`` field and in proposals.
    name: str = "advisor"

    @abc.abstractmethod
    def propose(
        self,
        best: Config,
        history: Sequence[LogEntry],
        k: int,
        rng: np.random.Generator,
    ) -> list[Proposal]:
        """``k`` proposals, each different from ``best`` (deterministic given ``rng``).

        ``history`` is the training log so far, oldest first (advisors may ignore it).
        """
