"""What "--max-iterations N" means across restarts: one run of N iterations in total.

A run starts at the iteration after the last logged one and ends after N iterations. Its plan
(``run.json`` in the results folder: first iteration, N, finished or not) is written when it
starts; a run that was stopped or crashed is resumed by the same request and still ends at
its planned last iteration, so ``--max-iterations 3`` killed after one iteration runs two
more, not three (and none when it was killed after its last iteration but before it could
say it finished). Once a run finishes, the same request starts a new run of N. A request with
another N (or none: run forever) starts a new run from the next iteration.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from snaketrain.configio import write_text_atomic

RUN_FILE = "run.json"


@dataclass(frozen=True)
class RunPlan:
    first: int  # first iteration of the run
    max_iterations: int | None  # None: forever
    finished: bool = False

    @property
    def last(self) -> int | None:
        """The run's last iteration (None: no end)."""
        return None if self.max_iterations is None else self.first + self.max_iterations - 1


def _read(path: Path) -> RunPlan | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return RunPlan(int(data["first"]), data["max_iterations"], bool(data["finished"]))
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError):  # unreadable: a new run, as if there were none
        return None


def plan_run(results_dir: str | Path, next_iteration: int, max_iterations: int | None) -> RunPlan:
    """The run this request continues or starts (written to ``run.json``)."""
    path = Path(results_dir) / RUN_FILE
    old = _read(path)
    if old is not None and not old.finished and old.max_iterations == max_iterations:
        return old  # resumed; complete already when next_iteration > old.last (stopped late)
    plan = RunPlan(next_iteration, max_iterations)
    _write(path, plan)
    return plan


def finish_run(results_dir: str | Path, plan: RunPlan) -> None:
    _write(Path(results_dir) / RUN_FILE, RunPlan(plan.first, plan.max_iterations, True))


def _write(path: Path, plan: RunPlan) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, json.dumps(asdict(plan)) + "\n")
