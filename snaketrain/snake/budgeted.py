"""The served snake searching by the clock: ``snaketrain serve --move-budget-ms N``.

``BudgetedHeuristic`` plays a config as ``HeuristicPolicy`` scores it, but searches as deep as
``budget_ms`` allows (``fast.timed``: iterative deepening on the compiled engine) instead of
the config's fixed depth and node budget. Only the server uses it: training, the arena and
``config.yaml``'s search keys (depth, node budget, reply model: the reply model is kept here)
are unchanged, since a search that depends on the clock does not replay.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable

import numpy as np
import torch

from snaketrain.fast.score import weight_table
from snaketrain.fast.state import from_boards
from snaketrain.fast.timed import MAX_DEPTH, Searched, timed_move
from snaketrain.rules.batched import BatchState
from snaketrain.rules.start import standard_start
from snaketrain.rules.types import MOVES, Board

from .config import Config

DEFAULT_BUDGET_MS = 300
"""Of the platform's 500 ms a turn: the rest covers the request's way there and back."""

TAIL_WINDOW = 64
"""Recent /move tails (see ``Tail``) the margin is taken from."""
TAIL_QUANTILE = 0.95
"""The margin: this quantile of the recent tails."""
FIRST_TAIL_S = 0.005
"""The margin until a tail has been measured."""

_warm = threading.Lock()
_warmed = False


def warm_up(row: np.ndarray) -> None:
    """Compile (or load from numba's cache) the search kernels once per process, so that the
    first /move is not the one that pays for it."""
    global _warmed
    with _warm:
        if not _warmed:
            fs = from_boards([standard_start(7, ["a", "b"], 1)], [1])
            timed_move(fs, 0, row, 0.0, max_depth=2)
            _warmed = True


class Tail:
    """What a /move costs after its search: from the search's end (or its deadline, if the
    search ran past it) to the answer written, as measured by the server. The search stops
    ``margin()`` before the budget ends: a high quantile of the recent tails, at most a quarter
    of the budget. Thread-safe (the server computes two moves at once)."""

    def __init__(self, budget_s: float, window: int = TAIL_WINDOW) -> None:
        self.cap = budget_s / 4
        self._seen: deque[float] = deque(maxlen=window)
        self._lock = threading.Lock()

    def observe(self, seconds: float) -> None:
        with self._lock:
            self._seen.append(max(0.0, seconds))

    def __len__(self) -> int:
        with self._lock:
            return len(self._seen)

    def margin(self) -> float:
        with self._lock:
            seen = sorted(self._seen)
        if not seen:
            return min(FIRST_TAIL_S, self.cap)
        return min(seen[min(len(seen) - 1, int(TAIL_QUANTILE * len(seen)))], self.cap)


def tail_start(began: float, ended: float, deadline: float) -> float:
    """When a search from ``began`` to ``ended`` with ``deadline`` stopped owing nothing to
    the margin: its deadline if it ran past it (the kernel's last children before a clock read
    are the margin's too), else its end; a search that began past its deadline (the request
    waited for a worker) ran depth 1 regardless, so only what follows its end counts."""
    return ended if began >= deadline else min(ended, deadline)


class BudgetedHeuristic:
    """The heuristic snake of ``config``, searching ``budget_ms`` per move."""

    def __init__(
        self, config: Config, budget_ms: int, name: str = "heuristic", max_depth: int = MAX_DEPTH
    ) -> None:
        if budget_ms <= 0:
            raise ValueError(f"budget_ms must be > 0, got {budget_ms}")
        self.config, self.budget_ms, self.name, self.max_depth = config, budget_ms, name, max_depth
        self.row = weight_table([config])[0]
        self.tail = Tail(budget_ms / 1000)

    def search(
        self, board: Board, snake_id: str, seed: int, started: float | None = None
    ) -> tuple[str, Searched]:
        """The move for ``snake_id`` on ``board`` and how deep the search got, within
        ``budget_ms`` of ``started`` (``time.monotonic()`` when the request came; default now)
        less the measured tail's margin."""
        seat = [s.id for s in board.snakes].index(snake_id)
        fs = from_boards([board], [seed])
        budget_s = self.budget_ms / 1000 - self.tail.margin()
        found = timed_move(fs, seat, self.row, budget_s, self.max_depth, started=started)
        return MOVES[found.move], found

    def __call__(self, state: BatchState, mask: torch.Tensor) -> torch.Tensor:
        """``BatchedPolicy``: each masked seat searched in turn, ``budget_ms`` each."""
        from snaketrain.snake.compiled_policy import as_fast

        fs = as_fast(state)
        moves = np.zeros((fs.batch, fs.snakes), np.int64)
        for g, s in torch.nonzero(mask).tolist():
            found = timed_move(fs, s, self.row, self.budget_ms / 1000, self.max_depth, game=g)
            moves[g, s] = found.move
        return torch.from_numpy(moves)


def budgeted_factory(budget_ms: int) -> Callable[[Config], BudgetedHeuristic]:
    """The server's policy factory for ``--move-budget-ms budget_ms`` (> 0)."""

    def make(config: Config) -> BudgetedHeuristic:
        policy = BudgetedHeuristic(config, budget_ms)
        warm_up(policy.row)
        return policy

    return make
