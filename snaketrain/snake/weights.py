"""A config's values as the heuristic reads them: one number per key, or one per row.

``Weights.of(config)`` holds one config as plain floats. ``WeightTable.of(configs)`` holds C
configs as a ``[C, K]`` float64 tensor, and ``table.rows(variant)`` the ``Weights`` of rows
whose configs are ``variant: [N]``: every key then reads as an ``[N]`` float64 tensor, so one
batch of rows can score many configs at once. Every key is a number here: a bool is 0 or 1, a
choice the index of its value in ``Param.choices``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import torch

from .config import Config
from .params import SPACE

Value = float | torch.Tensor
"""A key's value: a float for every row, or an ``[N]`` float64 tensor, one per row."""

CHOICES = {p.key: p.choices for p in SPACE if p.kind == "choice"}
KEYS = tuple(p.key for p in SPACE)


def _number(key: str, value: object) -> float:
    return float(CHOICES[key].index(value)) if key in CHOICES else float(value)  # type: ignore[arg-type]


def choice(key: str, name: str) -> float:
    """The number a choice key reads as when its value is ``name``."""
    return float(CHOICES[key].index(name))


def column(x: Value) -> Value:
    """``x`` shaped to combine with ``[N, K]`` tensors (``[N, 1]`` per row)."""
    return x[:, None] if isinstance(x, torch.Tensor) else x


def per_row(x: Value, like: torch.Tensor) -> torch.Tensor:
    """``x`` as an ``[N]`` tensor with ``like``'s length and device (float64)."""
    if isinstance(x, torch.Tensor):
        return x
    return torch.full((len(like),), x, dtype=torch.float64, device=like.device)


def any_true(x: Value) -> bool:
    return bool(x.any()) if isinstance(x, torch.Tensor) else bool(x)


@dataclass(frozen=True)
class Weights:
    """Every key's value for a set of rows (all the same: floats; else ``[N]`` tensors)."""

    c: Mapping[str, Value]

    @staticmethod
    def of(config: Config) -> Weights:
        return Weights({k: _number(k, v) for k, v in config.items()})

    def __getitem__(self, key: str) -> Value:
        return self.c[key]

    def take(self, idx: torch.Tensor) -> Weights:
        """The weights of rows ``idx: [M]`` (indices into these rows)."""
        if not self.per_row:
            return self
        return Weights({k: v[idx] for k, v in self.c.items()})  # type: ignore[index]

    def repeat(self, n: int) -> Weights:
        """Each row ``n`` times in a row (as ``repeat_interleave``)."""
        if not self.per_row:
            return self
        return Weights({k: v.repeat_interleave(n) for k, v in self.c.items()})  # type: ignore[union-attr]

    @property
    def per_row(self) -> bool:
        return isinstance(next(iter(self.c.values())), torch.Tensor)


@dataclass
class WeightTable:
    """C configs' values: ``table: [C, K]`` float64, column k for ``KEYS[k]``."""

    table: torch.Tensor
    _on: dict[torch.device, torch.Tensor] = field(default_factory=dict, repr=False)

    @staticmethod
    def of(configs: Sequence[Config]) -> WeightTable:
        if not configs:
            raise ValueError("a weight table needs at least one config")
        rows = [[_number(k, c[k]) for k in KEYS] for c in configs]
        return WeightTable(torch.tensor(rows, dtype=torch.float64))

    def __len__(self) -> int:
        return self.table.shape[0]

    def rows(self, variant: torch.Tensor) -> Weights:
        """The weights of rows playing configs ``variant: [N]`` (long, on any device)."""
        dev = variant.device
        if dev not in self._on:
            self._on[dev] = self.table.to(dev).t().contiguous()  # [K, C]
        picked = self._on[dev][:, variant]  # [K, N]
        return Weights(dict(zip(KEYS, picked.unbind(0), strict=True)))
