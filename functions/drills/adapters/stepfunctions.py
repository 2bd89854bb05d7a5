"""Starting the Response state machine for a drill."""

from typing import Any

from functions.common.errors import TransientPlatformError
from functions.common.executions import start_once
from functions.detection.models import IncidentDeclared


class ResponseUnavailable(TransientPlatformError):
    """Step Functions refused or failed to start the execution; the Scheduler's retry tries again."""


class StepFunctionsResponse:
    def __init__(self, sfn: Any, state_machine_arn: str) -> None:
        self._sfn = sfn
        self._arn = state_machine_arn

    def start(self, declared: IncidentDeclared, name: str) -> str | None:
        """The execution's ARN; None when an earlier attempt started the same run."""
        return start_once(self._sfn, self._arn, name, declared.model_dump_json(), ResponseUnavailable)
