"""Learning advisors: the change history every advisor obeys, the neural pattern learner
(an ensemble of MLP surrogates that screens cheap proposals, and the patterns it reports),
and the LLM advisor (``llm``, its prompt ``llm_prompt`` and its answer's parser
``llm_parse``; not imported here: transformers loads only when a model is asked for).
No Prefect here: ``tasks/learn.py`` and ``tasks/llm.py`` wrap these functions."""

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
