"""The moto seam: a Lambda invoke runs the function's own Handler string in-process."""

import io
import json
import time
import zipfile
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from bulkhead.local.lambda_seam import in_process_lambda
from tests.fakes import handlers


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("x", "x")
    return buffer.getvalue()


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    handlers.calls.clear()
    config = {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}
    with mock_aws(config=config):  # type: ignore[arg-type]
        yield


def _function(name: str, handler: str) -> str:
    role = boto3.client("iam").create_role(RoleName=f"r-{name}", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    return str(
        boto3.client("lambda").create_function(
            FunctionName=name, Runtime="python3.13", Role=role, Handler=handler, Code={"ZipFile": _zip()}
        )["FunctionArn"]
    )


def test_an_invoke_calls_the_named_handler(aws: None) -> None:
    _function("echo", "tests.fakes.handlers.echo")
    with in_process_lambda() as log:
        response = boto3.client("lambda").invoke(FunctionName="echo", Payload=json.dumps({"a": 1}))
    assert json.loads(response["Payload"].read()) == {"echo": {"a": 1}, "function": "echo"}
    assert handlers.calls == [{"a": 1}]
    assert [(i.function_name, i.error) for i in log.items()] == [("echo", None)]


def test_an_exception_comes_back_as_a_lambda_function_error(aws: None) -> None:
    _function("flaky", "tests.fakes.handlers.flaky_once")
    with in_process_lambda():
        response = boto3.client("lambda").invoke(FunctionName="flaky", Payload="{}")
    assert response["FunctionError"] == "Unhandled"
    payload = json.loads(response["Payload"].read())
    assert (payload["errorType"], payload["errorMessage"]) == ("FlakyError", "first attempt fails")


def test_retry_in_the_state_machine_sees_the_error_name(aws: None) -> None:
    arn = _function("flaky", "tests.fakes.handlers.flaky_once")
    definition = {
        "StartAt": "Call",
        "States": {
            "Call": {
                "Type": "Task",
                "Resource": arn,
                "Retry": [{"ErrorEquals": ["FlakyError"], "IntervalSeconds": 1, "MaxAttempts": 2}],
                "End": True,
            }
        },
    }
    sfn = boto3.client("stepfunctions")
    machine = sfn.create_state_machine(
        name="m", definition=json.dumps(definition), roleArn="arn:aws:iam::123456789012:role/r-flaky"
    )
    with in_process_lambda():
        execution = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input="{}")["executionArn"]
        for _ in range(400):
            described = sfn.describe_execution(executionArn=execution)
            if described["status"] != "RUNNING":
                break
            time.sleep(0.01)
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"attempts": 2}


def test_the_original_invoke_is_restored(aws: None) -> None:
    _function("echo", "tests.fakes.handlers.echo")
    with in_process_lambda():
        pass
    response = boto3.client("lambda").invoke(FunctionName="echo", Payload=json.dumps({"a": 1}))
    assert json.loads(response["Payload"].read()) == {"a": 1}  # moto's own echo
    assert handlers.calls == []
