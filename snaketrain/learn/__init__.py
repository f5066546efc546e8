"""Learning advisors: the change history every advisor obeys, and the neural pattern learner
(an ensemble of MLP surrogates that screens cheap proposals, and the patterns it reports).
No Prefect here: ``tasks/learn.py`` wraps these functions."""

from snaketrain.learn.history import (
    ATTEMPTS_NAME,
    DEFAULT_TOLERANCE,
    DEFAULT_WINDOW,
    Attempt,
    AttemptFile,
    ChangeHistory,
    attempts_of,
    history_lines,
    read_history,
    unblocked,
)
from snaketrain.learn.patterns import pattern_lines

__all__ = [
    "ATTEMPTS_NAME",
    "DEFAULT_TOLERANCE",
    "DEFAULT_WINDOW",
    "Attempt",
    "AttemptFile",
    "ChangeHistory",
    "attempts_of",
    "history_lines",
    "pattern_lines",
    "read_history",
    "unblocked",
]
