"""What "--max-iterations N" means across restarts: one run of N iterations in total.

A run starts at the iteration after the last logged one and ends after N iterations. Its plan
(``run.json`` in the results folder: first iteration, N, finished or not) is written when it
starts; a run that was stopped or crashed is resumed by the same request and still ends at
its planned last iteration, so ``--max-iterations 3`` killed after one iteration runs two
more, not three (and none when it was killed after its last iteration but before it could
say it finished). Once a run finishes, the same request starts a new run of N. A request with
another N (or none: run forever) starts a new run from the next iteration.

The plan also holds the run's parameters (the resolved settings and git target, as plain
dicts, kept beside it in ``run_parameters.json``): a deployed run started again with no
parameters at all (``continued``) goes on with the unfinished run's own, never with the
deployment's defaults.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from snaketrain.configio import write_text_atomic

RUN_FILE = "run.json"
PARAMETERS_FILE = "run_parameters.json"  # {"first": n, "parameters": {...}} of that run


@dataclass(frozen=True)
class RunPlan:
    first: int  # first iteration of the run
    max_iterations: int | None  # None: forever
    finished: bool = False
    parameters: dict[str, Any] | None = None  # {"settings": {...}, "target": {...}}

    @property
    def last(self) -> int | None:
        """The run's last iteration (None: no end)."""
        return None if self.max_iterations is None else self.first + self.max_iterations - 1


def _read(path: Path) -> RunPlan | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        plan = RunPlan(int(data["first"]), data["max_iterations"], bool(data["finished"]))
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError):  # unreadable: a new run, as if there were none
        return None
    try:
        kept = json.loads((path.parent / PARAMETERS_FILE).read_text(encoding="utf-8"))
        if int(kept["first"]) == plan.first and isinstance(kept["parameters"], dict):
            return replace(plan, parameters=kept["parameters"])
    except (OSError, ValueError, KeyError, TypeError):  # none, or another run's: not known
        pass
    return plan


def plan_run(
    results_dir: str | Path,
    next_iteration: int,
    max_iterations: int | None,
    parameters: dict[str, Any] | None = None,
) -> RunPlan:
    """The run this request continues or starts (written to ``run.json`` with the request's
    ``parameters``)."""
    path = Path(results_dir) / RUN_FILE
    old = _read(path)
    if old is not None and not old.finished and old.max_iterations == max_iterations:
        plan = RunPlan(old.first, max_iterations, False, parameters)
        if plan != old:
            _write(path, plan)
        return plan  # resumed; complete already when next_iteration > old.last (stopped late)
    plan = RunPlan(next_iteration, max_iterations, False, parameters)
    _write(path, plan)
    return plan


def continued(results_dir: str | Path) -> RunPlan | None:
    """The unfinished run of ``results_dir`` with the parameters it was started with (None
    when there is none, or it has no parameters recorded)."""
    old = _read(Path(results_dir) / RUN_FILE)
    if old is None or old.finished or old.parameters is None:
        return None
    return old


def finish_run(results_dir: str | Path, plan: RunPlan) -> None:
    _write(
        Path(results_dir) / RUN_FILE,
        RunPlan(plan.first, plan.max_iterations, True, plan.parameters),
    )


def _write(path: Path, plan: RunPlan) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if plan.parameters is not None:  # first: a plan is never read with another run's
        write_text_atomic(
            path.parent / PARAMETERS_FILE,
            json.dumps({"first": plan.first, "parameters": plan.parameters}) + "\n",
        )
    else:
        (path.parent / PARAMETERS_FILE).unlink(missing_ok=True)
    data = {"first": plan.first, "max_iterations": plan.max_iterations, "finished": plan.finished}
    write_text_atomic(path, json.dumps(data) + "\n")
