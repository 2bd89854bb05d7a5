"""Starting the Response state machine for a drill."""

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from functions.common.errors import TransientPlatformError
from functions.detection.models import IncidentDeclared


class ResponseUnavailable(TransientPlatformError):
    """Step Functions refused or failed to start the execution; the Scheduler's retry tries again."""


class StepFunctionsResponse:
    def __init__(self, sfn: Any, state_machine_arn: str) -> None:
        self._sfn = sfn
        self._arn = state_machine_arn

    def start(self, declared: IncidentDeclared, name: str) -> str | None:
        try:
            started = self._sfn.start_execution(stateMachineArn=self._arn, name=name, input=declared.model_dump_json())
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ExecutionAlreadyExists":
                return None  # the same run, started by an earlier attempt
            raise ResponseUnavailable(f"Step Functions did not start {name}: {exc}") from exc
        except BotoCoreError as exc:
            raise ResponseUnavailable(f"Step Functions unreachable: {exc}") from exc
        return str(started["executionArn"])
