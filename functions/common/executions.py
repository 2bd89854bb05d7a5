"""Starting a state machine execution once, whoever retries: Step Functions refuses a second
execution of one name (ExecutionAlreadyExists), so a step retried after a lost answer starts
nothing new."""

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError


def start_once(sfn: Any, state_machine_arn: str, name: str, payload: str, unavailable: type[Exception]) -> str | None:
    """The new execution's ARN; None when an earlier attempt started `name` already. Any other
    refusal, or Step Functions out of reach, raises `unavailable` naming the execution."""
    try:
        started = sfn.start_execution(stateMachineArn=state_machine_arn, name=name, input=payload)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ExecutionAlreadyExists":
            return None
        raise unavailable(f"Step Functions did not start {name}: {exc}") from exc
    except BotoCoreError as exc:
        raise unavailable(f"Step Functions unreachable: {exc}") from exc
    return str(started["executionArn"])
