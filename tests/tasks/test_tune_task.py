"""tune: the ``tuning`` artifact, θ per tuned key after the tuning loop (tuning-report)."""

from __future__ import annotations

from pathlib import Path

from prefect import flow
from taskkit import artifacts, flow_run_id, tiny_settings
from tunekit import spsa_run

from snaketrain import training
from snaketrain.snake.space import default_config
from snaketrain.training.trajectory import moves, theta_markdown, trajectory
from snaketrain.training.tune import read_tuner
from tasks.tune import tune, tuning_report


@flow
def report_tuning(steps: int) -> None:
    tuning_report.fn(spsa_run(steps))


@flow
def tune_iteration(results_dir: str, tune_file: str) -> int:
    begin = training.start(1, 0, default_config().replace({"search.depth": 0}), [])
    settings = tiny_settings(advisor="spsa", tune_pairs=4, tune_file=tune_file)
    return len(tune(begin, settings, results_dir))


def test_the_artifact_is_the_theta_table(prefect_storage: Path) -> None:
    state = report_tuning(3, return_state=True)
    text = artifacts(flow_run_id(state))["tuning"]
    assert text == theta_markdown(trajectory(spsa_run(3)))
    lines = text.splitlines()
    assert lines[0] == "# Tuning: spsa" and lines[2].startswith("step 3/10, 12 pairs (24 games)")
    assert len(lines) == 6 + 28 and lines[6].startswith("| weights.space | 20 | ")


def test_tune_publishes_the_table_of_the_state_it_ends_with(
    prefect_storage: Path, tmp_path: Path
) -> None:
    tune_file = tmp_path / "tune.yaml"
    tune_file.write_text("steps: 5\npairs_per_batch: 2\nkeys: [weights.space, weights.food]\n")
    results = tmp_path / "results"
    results.mkdir()
    state = tune_iteration(str(results), str(tune_file), return_state=True)
    saved = read_tuner(results / "tuner.json", "spsa")
    assert saved is not None and saved.k == 2  # 4 pairs: two batches of 2
    text = artifacts(flow_run_id(state))["tuning"]
    assert text == theta_markdown(trajectory(saved))
    assert [row.split(" | ")[0].lstrip("| ") for row in text.splitlines()[6:]] == [
        m.key for m in moves(trajectory(saved))
    ]
