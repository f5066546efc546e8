"""run-inputs: the settings and git target a training run uses, resolved once per run.

A saved block named by ``settings_block`` / ``git_block`` is the base and the fields given in
``settings`` / ``target`` override it (only those set explicitly: a deployment parameter
``{"size": 7}`` changes the board and nothing else). A run started with no parameters at all
continues the unfinished run of its results folder with that run's own parameters (kept in
``run.json``), so a deployment restarted by hand never falls back to its defaults.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from prefect import get_run_logger, task
from prefect.blocks.core import Block
from prefect.cache_policies import NO_CACHE

from blocks.training import GitTarget, TrainingSettings
from snaketrain import training


@dataclass(frozen=True)
class RunInputs:
    settings: TrainingSettings
    target: GitTarget
    max_iterations: int | None
    parameters: dict[str, Any]  # what run.json keeps: {"settings": {...}, "target": {...}}
    continued: bool  # True: the unfinished run's own parameters were taken from run.json


def fields_of(block: Block) -> dict[str, Any]:
    """The block's field values (what a saved block holds), JSON-ready."""
    return block.model_dump(mode="json", include=set(type(block).model_fields))


def _merged(kind: type[Block], given: Block | None, name: str | None) -> Any:
    base: dict[str, Any] = {}
    if name is not None:
        try:
            base = fields_of(kind.load(name))
        except ValueError as err:
            raise ValueError(
                f"no saved {kind.__name__} block named {name!r} "
                f"(save one with {kind.__name__}(...).save({name!r})): {err}"
            ) from None
    over = {} if given is None else given.model_dump(mode="json", include=given.model_fields_set)
    return kind(**(base | over))


@task(name="run-inputs", cache_policy=NO_CACHE, persist_result=False)
def run_inputs(
    results_dir: str,
    max_iterations: int | None,
    settings: TrainingSettings | None,
    target: GitTarget | None,
    settings_block: str | None,
    git_block: str | None,
) -> RunInputs:
    """The run's settings, target and length (see the module docstring)."""
    asked = (settings, target, settings_block, git_block, max_iterations)
    if all(x is None for x in asked):
        old = training.continued(results_dir)
        if old is not None and old.parameters is not None:
            get_run_logger().info(
                "no parameters: continuing the unfinished run of %s (from iteration %d) "
                "with its own parameters",
                results_dir,
                old.first,
            )
            return RunInputs(
                TrainingSettings(**old.parameters["settings"]),
                GitTarget(**old.parameters["target"]),
                old.max_iterations,
                old.parameters,
                True,
            )
    s = _merged(TrainingSettings, settings, settings_block)
    t = _merged(GitTarget, target, git_block)
    return RunInputs(
        s, t, max_iterations, {"settings": fields_of(s), "target": fields_of(t)}, False
    )
