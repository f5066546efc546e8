"""--max-iterations N is one run of N iterations, resumed across stops."""

from __future__ import annotations

from pathlib import Path

from snaketrain.training import RunPlan, continued, finish_run, plan_run


def test_a_stopped_run_resumes_and_ends_where_it_was_planned(tmp_path: Path) -> None:
    plan = plan_run(tmp_path, 1, 3)
    assert (plan.first, plan.last) == (1, 3)
    assert plan_run(tmp_path, 2, 3) == plan  # killed after iteration 1: same run, ends at 3
    assert plan_run(tmp_path, 4, 3) == plan  # killed after its last iteration: nothing left
    finish_run(tmp_path, plan)
    again = plan_run(tmp_path, 4, 3)  # the same request after a finished run: a new run
    assert (again.first, again.last) == (4, 6)


def test_another_request_starts_a_new_run(tmp_path: Path) -> None:
    plan_run(tmp_path, 1, 3)
    assert plan_run(tmp_path, 2, 1) == RunPlan(2, 1)
    assert plan_run(tmp_path, 3, None).last is None


def test_an_unreadable_plan_is_a_new_run(tmp_path: Path) -> None:
    (tmp_path / "run.json").write_text("{torn")
    assert plan_run(tmp_path, 5, 2) == RunPlan(5, 2)


def test_the_plan_keeps_the_run_parameters_until_it_finishes(tmp_path: Path) -> None:
    params = {"settings": {"size": 7}, "target": {"repo_path": "/x"}}
    plan = plan_run(tmp_path, 1, 2, params)
    assert continued(tmp_path) == plan and plan.parameters == params
    resumed = plan_run(tmp_path, 2, 2, params)  # after a crash: the same run, same parameters
    assert (resumed.first, resumed.parameters) == (1, params)
    finish_run(tmp_path, resumed)
    assert continued(tmp_path) is None  # a finished run is not continued


def test_a_plan_without_parameters_is_not_continued(tmp_path: Path) -> None:
    plan_run(tmp_path, 1, None)
    assert continued(tmp_path) is None
