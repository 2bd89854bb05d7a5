"""`bulkhead drill --target aws`: the deployed state machine started by hand with a drill input (moto)."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from bulkhead.drills.aws import (
    LEDGER_TABLE_OUTPUT,
    STATE_MACHINE_OUTPUT,
    declaration_for_aws,
    stack_output,
    start_aws_drill,
    wait_and_score,
)
from bulkhead.local.runtime import create_table
from functions.common.config import parse_config
from functions.common.errors import ConfigurationError
from functions.drills.adapters.catalogue import find_scenario
from functions.drills.adapters.ledger import StoredLedgerEvidence
from functions.drills.domain import drills_index
from functions.ledger.adapters.dynamodb import DynamoLedgerStore
from functions.ledger.domain import ChainedLedger
from functions.ledger.models import EntryType
from infra.fabric import table

CONFIG = parse_config((Path(__file__).parents[2] / "config" / "bulkhead.local.json").read_text())
REGION = "eu-west-1"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    for name, value in {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(name, value)
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):  # type: ignore[arg-type]
        sfn = boto3.client("stepfunctions", region_name=REGION)
        role = boto3.client("iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        definition = {"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}
        arn = sfn.create_state_machine(name="bulkhead-Response", definition=json.dumps(definition), roleArn=role)[
            "stateMachineArn"
        ]
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        create_table(dynamodb, table("Ledger"), "ledger")
        s3, kms = boto3.client("s3", region_name=REGION), boto3.client("kms", region_name=REGION)
        s3.create_bucket(Bucket="anchors", CreateBucketConfiguration={"LocationConstraint": REGION})
        key = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["Arn"]
        evidence = StoredLedgerEvidence(dynamodb, "ledger", s3, "anchors", kms, key)
        # The stack's outputs, as CloudFormation answers describe_stacks (moto's CloudFormation needs extras).
        cloudformation = boto3.client("cloudformation", region_name=REGION)
        stubber = Stubber(cloudformation)
        outputs = [
            {"OutputKey": STATE_MACHINE_OUTPUT, "OutputValue": arn},
            {"OutputKey": LEDGER_TABLE_OUTPUT, "OutputValue": "ledger"},
        ]
        stack = {"StackName": "Bulkhead", "CreationTime": "2026-11-01T00:00:00Z", "StackStatus": "CREATE_COMPLETE"}
        for _ in range(3):
            stubber.add_response(
                "describe_stacks", {"Stacks": [{**stack, "Outputs": outputs}]}, {"StackName": "Bulkhead"}
            )
        stubber.add_client_error("describe_stacks", "ValidationError", "Stack with id Elsewhere does not exist")
        stubber.activate()
        yield {"sfn": sfn, "arn": arn, "cloudformation": cloudformation, "dynamodb": dynamodb, "evidence": evidence}


def test_a_drill_starts_the_state_machine_found_in_the_stack_outputs_in_drill_mode(aws: dict[str, Any]) -> None:
    scenario = find_scenario("macie-customer-exports")
    arn = stack_output(aws["cloudformation"], "Bulkhead", STATE_MACHINE_OUTPUT)

    started = start_aws_drill(aws["sfn"], arn, scenario, CONFIG)

    execution = aws["sfn"].describe_execution(executionArn=started.execution_arn)
    given = json.loads(execution["input"])
    assert arn == aws["arn"]
    assert given["mode"] == "drill"
    assert given["incident"]["incident_id"] == started.incident_id
    assert given["incident"]["rule_id"] == scenario.expected.rule_id
    assert given["incident"]["signal_ids"][0].startswith("drill:macie-customer-exports:")
    assert execution["name"].startswith("drill-macie-customer-exports-")


def test_a_webhook_scenario_starts_with_its_declaration(aws: dict[str, Any]) -> None:
    scenario = find_scenario("bulk-export-unknown-app")
    assert declaration_for_aws(scenario).rule_id == "shopify-bulk-customer-export"
    started = start_aws_drill(aws["sfn"], aws["arn"], scenario, CONFIG)
    given = json.loads(aws["sfn"].describe_execution(executionArn=started.execution_arn)["input"])
    assert given["incident"]["scope"]["subject_ids"] == [
        "customer:7001",
        "customer:7002",
        "customer:7003",
        "customer:7004",
    ]


def test_a_missing_stack_output_is_named(aws: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError, match="has no output NopeArn"):
        stack_output(aws["cloudformation"], "Bulkhead", "NopeArn")
    with pytest.raises(ConfigurationError, match="stack 'Elsewhere'"):
        stack_output(aws["cloudformation"], "Elsewhere", STATE_MACHINE_OUTPUT)


def test_waiting_scores_the_execution_from_the_ledger_and_records_the_scorecard(aws: dict[str, Any]) -> None:
    started = start_aws_drill(aws["sfn"], aws["arn"], find_scenario("credential-stuffing-login"), CONFIG)

    ledger = ChainedLedger(DynamoLedgerStore(aws["dynamodb"], "ledger"))

    card = wait_and_score(started, aws["sfn"], aws["evidence"], ledger, CONFIG, timeout_seconds=30, poll_seconds=0.05)

    # The stand-in state machine wrote nothing: every expected step is reported missing, by name
    assert not card.passed
    assert next(c for c in card.steps if c.step == "response planned").actual == "no response.planned"
    # ...and a chain with no signed head is not a verified ledger
    assert next(c for c in card.steps if c.step == "ledger verified").status == "failed"
    assert card.ledger_fully_verified and card.anchors_verified == 0
    entries = list(DynamoLedgerStore(aws["dynamodb"], "ledger").entries(started.incident_id))
    assert [e.type for e in entries] == [EntryType.DRILL_SCORED]
    assert entries[0].data["passed"] is False
    # ...and the year's drills index lists it, which the on-call view reads for the last drill
    index = list(DynamoLedgerStore(aws["dynamodb"], "ledger").entries(drills_index(card.scored_at.year)))
    assert [(e.data["incident_id"], e.data["passed"]) for e in index] == [(started.incident_id, False)]
