"""The zombie-run automations: which events they watch (only the deployment's runs), what they
do (mark Crashed; rerun the deployment on the crashed run's results folder)."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID, uuid4

import pytest
from prefect.client.schemas.objects import StateType
from prefect.events.schemas.automations import AutomationCore
from prefect.events.schemas.automations import TriggerTypes as ClientTrigger
from prefect.server.events.schemas.automations import EventTrigger as ServerTrigger
from prefect.server.events.schemas.events import ReceivedEvent
from prefect.types._datetime import now

from snaketrain.runtime.automations import (
    CRASH_AFTER_S,
    CRASHED_RUN,
    RESULTS_DIR,
    crash_silent_runs,
    main,
    rerun_crashed_runs,
    same,
)

NAME = "continuous-training/continuous-training"


def event(name: str, deployment: UUID, run: UUID) -> ReceivedEvent:
    return ReceivedEvent(
        occurred=now("UTC"),
        event=name,
        resource={"prefect.resource.id": f"prefect.flow-run.{run}"},
        related=[
            {"prefect.resource.id": f"prefect.flow.{uuid4()}", "prefect.resource.role": "flow"},
            {
                "prefect.resource.id": f"prefect.deployment.{deployment}",
                "prefect.resource.role": "deployment",
            },
        ],
        id=uuid4(),
    )


def on_server(trigger: ClientTrigger) -> ServerTrigger:
    """The trigger as the server evaluates it."""
    return ServerTrigger.model_validate(trigger.model_dump(mode="json"))


def test_a_run_of_the_deployment_silent_for_the_window_is_marked_crashed() -> None:
    ours = uuid4()
    automation = crash_silent_runs(NAME, ours, 60)
    trigger = on_server(automation.trigger)
    assert trigger.posture == "Proactive"
    assert trigger.within == timedelta(seconds=60)
    assert trigger.for_each == {"prefect.resource.id"}  # one count per flow run
    assert trigger.starts_after("prefect.flow-run.heartbeat")
    for name in ("heartbeat", "Completed", "Failed", "Cancelled", "Crashed"):
        assert trigger.expects(f"prefect.flow-run.{name}")  # any of these keeps it quiet
    assert trigger.expects("prefect.flow-run.AwaitingRetry")  # SIGTERM: back in the queue
    assert not trigger.expects("prefect.flow-run.Running")
    run = uuid4()
    assert trigger.covers(event("prefect.flow-run.heartbeat", ours, run))
    assert not trigger.covers(event("prefect.flow-run.heartbeat", uuid4(), run))  # other runs
    (action,) = automation.actions
    assert action.type == "change-flow-run-state"
    assert action.state == StateType.CRASHED
    assert crash_silent_runs(NAME, ours).trigger.within == timedelta(seconds=CRASH_AFTER_S)


def test_a_crashed_run_of_the_deployment_runs_it_again_on_its_results_folder() -> None:
    ours = uuid4()
    automation = rerun_crashed_runs(NAME, ours)
    trigger = on_server(automation.trigger)
    assert trigger.posture == "Reactive"
    assert trigger.threshold == 1
    assert trigger.expects("prefect.flow-run.Crashed")
    assert not trigger.expects("prefect.flow-run.Failed")  # flow retries handle failures
    run = uuid4()
    assert trigger.covers(event("prefect.flow-run.Crashed", ours, run))
    assert not trigger.covers(event("prefect.flow-run.Crashed", uuid4(), run))
    (action,) = automation.actions
    assert action.type == "run-deployment"
    assert (action.source, action.deployment_id) == ("selected", ours)
    # only the folder: the new run continues its unfinished run with that run's parameters
    assert action.parameters == {"results_dir": RESULTS_DIR, "rerun_of": CRASHED_RUN}
    assert "flow_run.parameters.results_dir" in RESULTS_DIR["template"]
    assert "flow_run.id" in CRASHED_RUN["template"]  # the re-run counts the crash it follows


def test_a_window_not_longer_than_the_heartbeat_is_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["--crash-after", "30"])
    assert stop.value.code == 2
    assert "--crash-after must be more than the 30 s heartbeat" in capsys.readouterr().err


def test_an_automation_read_back_is_the_same_and_a_new_window_is_not() -> None:
    ours = uuid4()
    made = crash_silent_runs(NAME, ours, 60)
    back = AutomationCore.model_validate(made.model_dump(mode="json") | {"id": str(uuid4())})
    back.trigger.expect = set(sorted(back.trigger.expect, reverse=True))
    assert same(made, back)  # ids and set order aside: left alone, its heartbeat windows kept
    assert not same(made, crash_silent_runs(NAME, ours, 61))
    assert not same(made, crash_silent_runs(NAME, uuid4(), 60))
