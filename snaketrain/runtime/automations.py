"""The two automations that bring a deployed training run back after a hard kill.

Prefect's documented zombie-run detection (docs: "How to detect and respond to zombie flows"):
the deployment's runs send a heartbeat event every ``PREFECT_FLOWS_HEARTBEAT_FREQUENCY``
seconds (prefect.yaml sets it); when a run of the deployment stops sending them (kill -9,
power loss, a lost machine) for ``crash_after`` seconds without having finished, the first
automation marks it Crashed. The second one, on any run of the deployment entering Crashed,
runs the deployment again with only the crashed run's ``results_dir`` (and its id as
``rerun_of``): a run without other parameters continues the results folder's unfinished run
with that run's own stored parameters (tasks/inputs.py), never with the deployment's
defaults. The re-run waits while the crashed run still holds the folder (marked Crashed but
alive), and counts the crash there: after 3 in a row with no iteration finished it refuses
(tasks/guard.py), so a run that crashes at once is not re-run forever.

``python -m snaketrain.runtime.automations [--deployment NAME] [--crash-after SECONDS]``
creates both, or updates them in place when they exist (by name) and differ, against
``PREFECT_API_URL``; ``snaketrain deploy`` runs it after ``prefect deploy``.
"""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from typing import Any
from uuid import UUID

from prefect.client.schemas.objects import StateType
from prefect.events.actions import ChangeFlowRunState, RunDeployment
from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture
from prefect.events.schemas.events import ResourceSpecification

DEPLOYMENT = "continuous-training/continuous-training"
HEARTBEAT_S = 30  # Prefect's minimum; prefect.yaml's PREFECT_FLOWS_HEARTBEAT_FREQUENCY
CRASH_AFTER_S = 90  # three heartbeats missed
# states after which silence is no zombie: the run ended, or went back to the queue (a SIGTERM
# under `prefect flow-run execute` proposes AwaitingRetry; the next worker runs it again)
QUIET = ("Completed", "Failed", "Cancelled", "Crashed", "AwaitingRetry", "Scheduled")
# the crashed run's results folder and id, rendered by the server from the triggering run
RESULTS_DIR = {"__prefect_kind": "jinja", "template": "{{ flow_run.parameters.results_dir }}"}
CRASHED_RUN = {"__prefect_kind": "jinja", "template": "{{ flow_run.id }}"}


def _runs_of(deployment_id: UUID) -> dict[str, Any]:
    """Trigger scope: events about a flow run of this deployment."""
    return {
        "match": ResourceSpecification({"prefect.resource.id": "prefect.flow-run.*"}),
        "match_related": ResourceSpecification(
            {
                "prefect.resource.id": f"prefect.deployment.{deployment_id}",
                "prefect.resource.role": "deployment",
            }
        ),
    }


def crash_silent_runs(
    name: str, deployment_id: UUID, crash_after_s: int = CRASH_AFTER_S
) -> AutomationCore:
    """Mark a run of the deployment Crashed once, after a heartbeat, it has sent neither a
    heartbeat nor a ``QUIET`` state for ``crash_after_s`` seconds (one count per run)."""
    return AutomationCore(
        name=f"{name}: crash silent runs",
        description=(
            f"A run of {name} whose heartbeats stopped for {crash_after_s} s "
            "(process killed, machine lost) is marked Crashed."
        ),
        trigger=EventTrigger(
            after={"prefect.flow-run.heartbeat"},
            expect={"prefect.flow-run.heartbeat", *(f"prefect.flow-run.{s}" for s in QUIET)},
            for_each={"prefect.resource.id"},
            posture=Posture.Proactive,
            threshold=1,
            within=timedelta(seconds=crash_after_s),
            **_runs_of(deployment_id),
        ),
        actions=[
            ChangeFlowRunState(
                state=StateType.CRASHED,
                message=f"No heartbeat for {crash_after_s} s: the run's process is gone.",
            )
        ],
    )


def rerun_crashed_runs(name: str, deployment_id: UUID) -> AutomationCore:
    """Run the deployment again, on its results folder only, when one of its runs crashes
    (``rerun_of``: the crashed run, for the re-run's crash count)."""
    return AutomationCore(
        name=f"{name}: rerun crashed runs",
        description=(
            f"A crashed run of {name} is followed by a new run on the same results folder, "
            "which continues the unfinished run with that run's own parameters."
        ),
        trigger=EventTrigger(
            expect={"prefect.flow-run.Crashed"},
            posture=Posture.Reactive,
            threshold=1,
            within=timedelta(0),
            **_runs_of(deployment_id),
        ),
        actions=[
            RunDeployment(
                source="selected",
                deployment_id=deployment_id,
                parameters={"results_dir": RESULTS_DIR, "rerun_of": CRASHED_RUN},
            )
        ],
    )


def _canon(value: Any) -> Any:
    """JSON with every list sorted (sets come out of pydantic in any order), for comparing."""
    if isinstance(value, dict):
        return {k: _canon(v) for k, v in value.items() if k != "id"}
    if isinstance(value, list):
        return sorted((_canon(v) for v in value), key=repr)
    return value


def same(a: AutomationCore, b: AutomationCore) -> bool:
    """The same automation, ids aside."""
    fields = set(AutomationCore.model_fields)
    return _canon(a.model_dump(mode="json", include=fields)) == _canon(
        b.model_dump(mode="json", include=fields)
    )


def ensure(automation: AutomationCore) -> str:
    """Create the automation, update the one of the same name when it differs, or leave it:
    "created", "updated" or "unchanged". An update gives its trigger a new id, and the server
    keeps a run's heartbeat window under the trigger's id: a run killed before its next
    heartbeat after an update would go unnoticed, so an unchanged automation is not touched."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        found = client.read_automations_by_name(automation.name)
        for extra in found[1:]:
            client.delete_automation(extra.id)
        if not found:
            client.create_automation(automation)
            return "created"
        if same(AutomationCore.model_validate(found[0].model_dump()), automation):
            return "unchanged"
        client.update_automation(found[0].id, automation)
        return "updated"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m snaketrain.runtime.automations")
    p.add_argument("--deployment", default=DEPLOYMENT, help=f"default {DEPLOYMENT}")
    p.add_argument(
        "--crash-after",
        type=int,
        default=CRASH_AFTER_S,
        help=f"seconds without a heartbeat before a run is Crashed (default {CRASH_AFTER_S})",
    )
    args = p.parse_args(argv)
    if args.crash_after <= HEARTBEAT_S:
        p.error(f"--crash-after must be more than the {HEARTBEAT_S} s heartbeat")
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        try:
            deployment_id = client.read_deployment_by_name(args.deployment).id
        except Exception as err:  # ObjectNotFound, or the server unreachable
            print(f"no deployment {args.deployment!r} on the server: {err}", file=sys.stderr)
            return 1
    for automation in (
        crash_silent_runs(args.deployment, deployment_id, args.crash_after),
        rerun_crashed_runs(args.deployment, deployment_id),
    ):
        print(f"automation {automation.name!r}: {ensure(automation)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
