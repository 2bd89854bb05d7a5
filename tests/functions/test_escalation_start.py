"""Starting the Escalation state machine (moto): one execution per escalation, the difference as input.

Given a deployed state machine, When `incident escalate` starts it on what an escalation adds, and
the same start is tried again, Then one execution runs with the difference as its input; without
the machine's ARN in the environment the start fails with the variable named.
"""

import json
from collections.abc import Iterator

import pytest
from moto import mock_aws

from functions.common import clients
from functions.common.config import Mode
from functions.common.errors import ConfigurationError
from functions.incidents.adapters.stepfunctions import StepFunctionsEscalation, execution_name
from functions.response.domain import plan_for
from functions.response.models import EscalationRun
from tests.fakes import builders

REGION = "eu-west-1"
PASS = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}})


@pytest.fixture
def machine(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        clients.reset()
        sfn = clients.client("stepfunctions")
        role = "arn:aws:iam::123456789012:role/bulkhead-escalation"
        created = sfn.create_state_machine(name="bulkhead-Escalation", definition=PASS, roleArn=role)
        yield str(created["stateMachineArn"])
        clients.reset()


def run_of(incident_id: str) -> EscalationRun:
    config = builders.firm(policy={"severity_components": {"high": ["webhook_subscriptions"]}})
    incident = builders.incident(incident_id=incident_id, scope={"components": ["webhook_subscriptions"]})
    return EscalationRun(incident=incident, mode=Mode.LIVE, plan=plan_for(incident, Mode.LIVE, config), escalation=1)


def test_an_escalation_starts_one_execution_with_the_difference_as_input(machine: str) -> None:
    sfn = clients.client("stepfunctions")
    runner = StepFunctionsEscalation(sfn, lambda: machine)
    run = run_of("inc-20261201-started1")

    first = runner.start(run)
    again = runner.start(run)

    executions = sfn.list_executions(stateMachineArn=machine)["executions"]
    assert [e["name"] for e in executions] == ["inc-20261201-started1-escalation-1"]
    assert again in {first, "inc-20261201-started1-escalation-1"}
    given = json.loads(sfn.describe_execution(executionArn=first)["input"])
    assert EscalationRun.model_validate(given) == run


def test_a_long_incident_id_still_names_one_execution_within_the_limit() -> None:
    name = execution_name(run_of("inc-" + "a" * 80))
    assert len(name) <= 80 and name.startswith("escalation-1-")
    assert name == execution_name(run_of("inc-" + "a" * 80))


def test_without_the_machine_in_the_environment_the_start_names_the_variable(
    machine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from functions.incidents.wiring import escalation_runner

    monkeypatch.delenv("ESCALATION_STATE_MACHINE_ARN", raising=False)
    with pytest.raises(ConfigurationError, match="ESCALATION_STATE_MACHINE_ARN"):
        escalation_runner().start(run_of("inc-20261201-started2"))
