"""llm: the LLM advisor's proposal for one slot of the iteration ([] when nothing it said was
valid: the slot falls back to the main advisor, and the log says so).

Cached per iteration like ``advise`` (key: the iteration's start and every prompt input), so a
resumed iteration takes the answer from the cache and does not call the model again. The
model loads once per process (``snaketrain.learn.llm.load_model``); the load and each call's
seconds are logged.
"""

from __future__ import annotations

from typing import Any

from prefect import get_run_logger, task

from snaketrain import training
from snaketrain.learn import llm
from snaketrain.learn.history import ChangeHistory
from snaketrain.learn.llm import with_llm_slot
from snaketrain.learn.llm_prompt import history_lines, trend_line
from snaketrain.learn.patterns import pattern_lines
from snaketrain.tuning.advisor import Proposal

__all__ = ["llm_advise", "llm_slot", "with_llm_slot"]


def _key(_ctx: Any, p: dict[str, Any]) -> str:
    b: training.IterationStart = p["begin"]
    inputs = (p["history"], p["patterns"], sorted(p["causes"].items()), p["model"], p["device"])
    return "llm-" + training.digest(b.best_hash, b.seed, b.iteration, inputs)


@task(name="llm-advise", persist_result=True, cache_key_fn=_key)
def llm_advise(
    begin: training.IterationStart,
    history: list[str],
    patterns: list[str],
    causes: dict[str, int],
    model: str | None,
    device: str,
    fallback: str,
) -> list[Proposal]:
    """One LLM proposal for the best config of ``begin`` ([] when none is valid), given the
    change-history lines ``history`` and the NN's pattern lines ``patterns``; ``fallback``
    names the advisor that takes the slot then (for the log line)."""
    logger = get_run_logger()
    loaded = llm.load_model(model, device)
    logger.info("llm: %s on %s (loaded in %.1f s)", loaded.source.label, device, loaded.load_s)
    advice = llm.llm_advice(
        begin.best,
        history,
        patterns,
        trend_line(begin.history),
        causes,
        begin.seed,
        model,
        device,
    )
    logger.info("%s", advice.summary())
    if advice.proposal is None:
        logger.warning(
            "llm: no valid suggestion (answer %r); the slot falls back to %s",
            advice.answer[:200],
            fallback,
        )
        return []
    return [advice.proposal]


def llm_slot(
    begin: training.IterationStart, settings: Any, causes: dict[str, int], results_dir: str
) -> list[Proposal]:
    """The LLM's proposal for this iteration when ``settings.use_llm`` and it is due
    (``settings.llm_every``), else []. ``causes``: how the best config's snake ended in its
    last strength measurement. The prompt gets the change history's lines
    (``learn.history``) and the NN's pattern lines (``learn.patterns``); a proposal that
    repeats a recently rejected change is dropped like any advisor's (the log says so)."""
    if not (settings.use_llm and llm.llm_due(begin.iteration, settings.llm_every)):
        return []
    history = ChangeHistory(begin.attempts, settings.history_window, settings.history_tolerance)
    lines = history.lines(begin.iteration) or history_lines(begin.history)
    proposals = llm_advise(
        begin,
        lines,
        pattern_lines(results_dir, space=begin.best.space),
        causes,
        settings.llm_model,
        settings.device,
        settings.advisor,
    )
    kept = []
    for p in proposals:
        blocked = history.blocks(p, begin.iteration)
        if blocked:
            get_run_logger().warning(
                "llm: proposal skipped (%s); the slot falls back to %s", blocked, settings.advisor
            )
        else:
            kept.append(p)
    return kept
