"""advise: an iteration's start -> k proposals, reproducible from its seed."""

from __future__ import annotations

from pathlib import Path

from taskkit import weak_config, write_log

from snaketrain import training
from snaketrain.snake.space import default_config, diff
from tasks.advise import advise


def key(begin: training.IterationStart, k: int = 2, stagnation_limit: int = 100) -> str:
    params = {"begin": begin, "k": k, "stagnation_limit": stagnation_limit}
    return advise.cache_key_fn(None, params)  # type: ignore[misc]


def test_k_distinct_proposals_each_a_change_of_the_best() -> None:
    start = training.start(1, 0, default_config(), [])
    proposals = advise.fn(start, 3, 100)
    assert len(proposals) == 3
    assert len({p.config for p in proposals}) == 3
    for p in proposals:
        assert p.config != start.best and p.advisor == "random"
        assert list(p.changes) == diff(start.best, p.config)
        assert 3 <= len(p.changes) <= 5


def test_the_same_start_gives_the_same_proposals() -> None:
    start = training.start(5, 0, default_config(), [])
    assert advise.fn(start, 2, 100) == advise.fn(start, 2, 100)
    other = training.start(6, 0, default_config(), [])
    assert advise.fn(other, 2, 100) != advise.fn(start, 2, 100)


def test_the_step_grows_on_stagnation(tmp_path: Path) -> None:
    idle = write_log(tmp_path, [True, False])  # one iteration since the last improvement
    start = training.start(3, 0, default_config(), idle)
    [normal] = advise.fn(start, 1, 100)
    [grown] = advise.fn(start, 1, 2)  # limit 2: x1.5 after every idle iteration
    assert normal.reason.startswith("random ±15% of range")
    assert grown.reason.startswith(f"random ±{0.15 * 1.5:.0%} of range")


def test_key_changes_with_what_the_proposals_depend_on(tmp_path: Path) -> None:
    start = training.start(1, 0, default_config(), [])
    first = key(start)
    assert key(training.start(1, 0, default_config(), [])) == first
    assert key(training.start(1, 0, weak_config(), [])) != first  # another best config
    assert key(training.start(2, 0, default_config(), [])) != first  # another seed
    assert key(start, k=3) != first
    assert key(start, stagnation_limit=50) != first
    idle = training.start(1, 0, default_config(), write_log(tmp_path, [False]))
    assert key(idle) != first  # the step depends on the iterations since an improvement
