"""run-inputs: a saved block as the base, given fields over it, run.json for a bare restart."""

from __future__ import annotations

from pathlib import Path

import pytest
from prefect.logging import disable_run_logger

from blocks.training import GitTarget, TrainingSettings
from snaketrain import training
from tasks.inputs import run_inputs


def test_a_saved_block_is_the_base_and_given_fields_override_it(
    prefect_api: None, tmp_path: Path
) -> None:
    TrainingSettings(size=7, max_turns=90, seed=3).save("inputs-tiny", overwrite=True)
    given = TrainingSettings.model_validate({"seed": 5})  # as a deployment parameter arrives
    with disable_run_logger():
        inputs = run_inputs.fn(str(tmp_path), 2, given, None, "inputs-tiny", None)
    assert (inputs.settings.size, inputs.settings.max_turns, inputs.settings.seed) == (7, 90, 5)
    assert inputs.parameters["settings"]["size"] == 7 and not inputs.continued
    assert inputs.target == GitTarget()


def test_an_unknown_block_is_one_clear_error(prefect_api: None, tmp_path: Path) -> None:
    with disable_run_logger(), pytest.raises(ValueError, match="no saved TrainingSettings"):
        run_inputs.fn(str(tmp_path), None, None, None, "no-such-block", None)


def test_a_run_without_parameters_continues_the_unfinished_run(tmp_path: Path) -> None:
    params = {
        "settings": TrainingSettings(size=7).model_dump(
            mode="json", include=set(TrainingSettings.model_fields)
        ),
        "target": {"repo_path": "/somewhere", "config_path": "c.yaml"},
    }
    training.plan_run(tmp_path, 1, 2, params)
    with disable_run_logger():
        inputs = run_inputs.fn(str(tmp_path), None, None, None, None, None)
    assert inputs.continued and inputs.max_iterations == 2
    assert inputs.settings.size == 7 and inputs.target.repo_path == "/somewhere"


def test_without_a_run_to_continue_the_defaults_are_used(tmp_path: Path) -> None:
    with disable_run_logger():
        inputs = run_inputs.fn(str(tmp_path), None, None, None, None, None)
    assert not inputs.continued and inputs.settings == TrainingSettings()
