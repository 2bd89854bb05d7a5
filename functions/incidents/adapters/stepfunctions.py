"""Starting the Escalation state machine on what an escalation adds."""

import hashlib
from collections.abc import Callable
from typing import Any

from functions.common.errors import TransientPlatformError
from functions.common.executions import start_once
from functions.response.models import EscalationRun

_NAME_LIMIT = 80  # Step Functions execution names


class EscalationNotStarted(TransientPlatformError):
    """Step Functions refused or failed to start the execution: the escalation is recorded, its
    containment is not running."""


def execution_name(run: EscalationRun) -> str:
    """One name per escalation of an incident: starting it twice starts one execution."""
    name = f"{run.incident.incident_id}-escalation-{run.escalation}"
    if len(name) <= _NAME_LIMIT:
        return name
    return f"escalation-{run.escalation}-{hashlib.sha256(run.incident.incident_id.encode()).hexdigest()[:48]}"


class StepFunctionsEscalation:
    def __init__(self, sfn: Any, state_machine_arn: Callable[[], str]) -> None:
        self._sfn = sfn
        self._arn = state_machine_arn  # read when an escalation adds something to run, not before

    def start(self, run: EscalationRun) -> str:
        name = execution_name(run)
        started = start_once(self._sfn, self._arn(), name, run.model_dump_json(), EscalationNotStarted)
        return started or name  # None: the same escalation, started by an earlier attempt
