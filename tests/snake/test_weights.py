"""Config values as the heuristic reads them: plain numbers for one config, per-row tensors
for many (bools as 0/1, choices as the index of their value)."""

from __future__ import annotations

import pytest
import torch

from snaketrain.snake.space import SPACE, default_config
from snaketrain.snake.weights import Weights, WeightTable, choice

KEYS = [p.key for p in SPACE]


def test_each_row_reads_its_own_configs_values() -> None:
    a = default_config()
    b = a.replace({"weights.food": 3.5, "hybrid.enabled": False, "search.reply_model": "average"})
    rows = WeightTable.of([a, b]).rows(torch.tensor([1, 0, 1]))
    assert rows["weights.food"].tolist() == [3.5, 12.0, 3.5]
    assert rows["hybrid.enabled"].tolist() == [0.0, 1.0, 0.0]
    assert rows["search.reply_model"].tolist() == [1.0, 0.0, 1.0]
    assert choice("search.reply_model", "average") == 1.0
    assert rows.take(torch.tensor([1]))["weights.food"].tolist() == [12.0]
    assert rows.repeat(2)["weights.food"].tolist() == [3.5, 3.5, 12.0, 12.0, 3.5, 3.5]


def test_one_config_reads_as_plain_numbers_equal_to_its_table_row() -> None:
    cfg = default_config()
    one, row = Weights.of(cfg), WeightTable.of([cfg]).rows(torch.tensor([0]))
    assert not one.per_row and row.per_row
    assert {k: one[k] for k in KEYS} == {k: float(row[k][0]) for k in KEYS}
    assert one.take(torch.tensor([0, 0])) is one


def test_a_table_needs_a_config() -> None:
    with pytest.raises(ValueError, match="at least one config"):
        WeightTable.of([])
