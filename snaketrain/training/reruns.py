"""How often a results folder's runs crashed in a row, so that re-running crashed runs ends.

The deployment's automation runs it again whenever a run crashes (``snaketrain.runtime.
automations``), naming the crashed run (``rerun_of``). Each such re-run counts that crash in
``reruns.json`` in the results folder: the crashed runs since the last iteration that
finished. A run that crashes every time before it finishes an iteration is re-run until
``MAX_CRASHES`` crashes are counted; the next re-run refuses (``TooManyCrashes``). An
iteration finished in between starts the count again, and so does a run started by hand
(``forget``). The same re-run started again (a flow retry, a worker restart) counts once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from snaketrain.configio import write_text_atomic

RERUNS_FILE = "reruns.json"
#: Crashes in a row, with no iteration finished between them, after which re-runs refuse.
MAX_CRASHES = 3


class TooManyCrashes(RuntimeError):
    """The results folder's runs crashed MAX_CRASHES times in a row: no more re-runs."""


@dataclass(frozen=True)
class Crashes:
    after: int  # the last iteration logged when the first of them crashed (0: none)
    runs: tuple[str, ...]  # the crashed flow runs, oldest first


def counted(previous: Crashes | None, crashed: str, last_iteration: int) -> Crashes:
    """``previous`` with the crash of ``crashed`` counted, ``last_iteration`` being the last
    iteration logged now: a new count when an iteration finished since, the same when that
    crash is counted already."""
    if previous is None or previous.after != last_iteration:
        return Crashes(last_iteration, (crashed,))
    if crashed in previous.runs:
        return previous
    return Crashes(last_iteration, (*previous.runs, crashed))


def refusal(crashes: Crashes, results_dir: str | Path, limit: int = MAX_CRASHES) -> str | None:
    """Why a re-run must not train (None: it may)."""
    if len(crashes.runs) < limit:
        return None
    return (
        f"not re-running: the runs on {results_dir} crashed {len(crashes.runs)} times in a row "
        f"without finishing an iteration (last finished: {crashes.after or 'none'}; crashed "
        f"runs {', '.join(crashes.runs)}); find the cause in their logs, then start the "
        "deployment by hand (that starts the count again)"
    )


def _read(path: Path) -> Crashes | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Crashes(int(data["after"]), tuple(str(r) for r in data["runs"]))
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError):  # unreadable: counted from scratch
        return None


def note_rerun(
    results_dir: str | Path, crashed: str, last_iteration: int, limit: int = MAX_CRASHES
) -> Crashes:
    """Count the crash of ``crashed`` in the folder's ``reruns.json``; raises TooManyCrashes
    (the file kept, so every later re-run refuses too) when ``limit`` are counted."""
    path = Path(results_dir) / RERUNS_FILE
    old = _read(path)
    now = counted(old, crashed, last_iteration)
    if now != old:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, json.dumps({"after": now.after, "runs": list(now.runs)}) + "\n")
    why = refusal(now, results_dir, limit)
    if why is not None:
        raise TooManyCrashes(why)
    return now


def forget(results_dir: str | Path) -> None:
    """A run started by hand: the count starts again."""
    (Path(results_dir) / RERUNS_FILE).unlink(missing_ok=True)
