"""The heuristic snake on the compiled CPU path: the moves of ``HeuristicPolicy``, from numba.

``CompiledHeuristic`` is a ``PolicyFamily`` like ``HeuristicPolicy.from_configs`` (one config
per variant; ``member(k)``), called with the same ``BatchState`` on the CPU: the kernels of
``snaketrain.fast`` read the state's tensors in place (numpy views, no copy) and decide the
games in parallel across cores. ``fast_policy`` maps a policy to its compiled form where one
exists; ``fast_step_`` is ``batched.step_`` by the compiled engine, on the same tensors.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from snaketrain.fast.decide import decide_all
from snaketrain.fast.games import random_safe_moves
from snaketrain.fast.score import weight_table
from snaketrain.fast.state import PARALLEL, FastState, step_
from snaketrain.rules.batched import BatchState
from snaketrain.rules.types import Settings

from .config import Config
from .heuristic import HeuristicPolicy
from .policy import BatchedPolicy, Member
from .random_safe import RandomSafe


def as_fast(state: BatchState) -> FastState:
    """The arrays of a CPU ``BatchState`` as a ``FastState`` sharing their memory."""
    if state.device.type != "cpu":
        raise ValueError(f"the compiled path runs on the CPU; this state is on {state.device}")
    arrays = {}
    for name in FastState.__dataclass_fields__:
        if name == "geo":
            continue
        t = getattr(state, name)
        if not t.is_contiguous():
            t = t.contiguous()
            setattr(state, name, t)
        arrays[name] = t.numpy()
    return FastState(geo=state.geo, **arrays)


def fast_step_(state: BatchState, moves: torch.Tensor, settings: Settings) -> None:
    """``batched.step_`` on the compiled engine, in place on ``state``'s tensors."""
    step_(as_fast(state), moves.numpy(), settings)


class CompiledHeuristic:
    """The batched heuristic snake of one config, or of several at once (``from_configs``)."""

    def __init__(self, configs: Sequence[Config], name: str = "heuristic") -> None:
        if not configs:
            raise ValueError("CompiledHeuristic needs at least one config")
        self.configs = tuple(configs)
        self.name = name
        self.table = weight_table(self.configs)

    @classmethod
    def of(cls, policy: HeuristicPolicy) -> CompiledHeuristic:
        return cls(policy.configs, policy.name)

    @property
    def size(self) -> int:
        return len(self.configs)

    def member(self, k: int, name: str | None = None) -> Member:
        if not 0 <= k < self.size:
            raise ValueError(f"member {k} of a policy of {self.size} configs")
        return Member(self, k, name if name is not None else f"{self.name}/{k}")

    def __call__(
        self, state: BatchState, mask: torch.Tensor, variant: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Moves ``[B, S]`` for the seats in ``mask``; ``variant: [B, S]``: each seat's config."""
        if variant is None:
            if self.size > 1:
                raise ValueError(f"a policy of {self.size} configs needs each seat's variant")
            variant = torch.zeros_like(state.length)
        fs = as_fast(state)
        moves = np.zeros((fs.batch, fs.snakes), np.int64)
        with PARALLEL:
            decide_all(
                fs.seed,
                fs.turn,
                fs.body,
                fs.head_ptr,
                fs.length,
                fs.health,
                fs.alive,
                fs.cause,
                fs.killer,
                fs.elim_turn,
                fs.food,
                fs.hazard,
                fs.cnt,
                fs.done,
                np.ascontiguousarray(mask.numpy()),
                np.ascontiguousarray(variant.numpy()),
                self.table,
                fs.geo.width,
                fs.geo.height,
                moves,
            )
        return torch.from_numpy(moves)


class CompiledRandomSafe:
    name = "random-safe"

    def __call__(self, state: BatchState, mask: torch.Tensor) -> torch.Tensor:
        return torch.from_numpy(random_safe_moves(as_fast(state)))


def fast_policies(policies: Sequence[BatchedPolicy]) -> list[BatchedPolicy]:
    """``policies`` with each heuristic (or member of one) and random-safe snake replaced by
    its compiled form; members of one family stay members of one compiled family."""
    families: dict[int, CompiledHeuristic] = {}
    out: list[BatchedPolicy] = []
    for p in policies:
        if isinstance(p, HeuristicPolicy):
            out.append(CompiledHeuristic.of(p))
        elif isinstance(p, Member) and isinstance(p.family, HeuristicPolicy):
            fam = families.setdefault(id(p.family), CompiledHeuristic.of(p.family))
            out.append(Member(fam, p.index, p.name))
        elif isinstance(p, RandomSafe):
            out.append(CompiledRandomSafe())
        else:
            out.append(p)
    return out
