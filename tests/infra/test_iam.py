"""Least privilege, read from the template: each role holds exactly what its spec declares.

The expectations are written out here, independently of `infra/constructs/access.py`, so a
widened grant in the stack fails a test instead of passing through the same mapping twice.
"""

from typing import Any

import pytest

from functions.common.bus import ROUTES
from infra import fabric
from infra.fabric import Access
from tests.infra.conftest import Synthesized
from tests.infra.template_reading import (
    as_list,
    function_id,
    function_props,
    grants,
    logical_id,
    resource_label,
    role_id_of_function,
    role_statements,
    single_id,
    table_id,
    topic_id,
)

SECRETS = "arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:bulkhead/*"
# Actions AWS authorises on no resource narrower than "*".
STAR_ONLY = {
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
}
LEDGER_ALLOWED = {"dynamodb:PutItem", "dynamodb:Query", "dynamodb:GetItem"}
LEDGER_FORBIDDEN = {
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:PartiQLUpdate",
    "dynamodb:PartiQLDelete",
    "dynamodb:TransactWriteItems",
    "dynamodb:DeleteTable",
    "dynamodb:UpdateTable",
}
WRITES = {
    Access.LEDGER_APPEND,
    Access.CONTROLS_WRITE,
    Access.APPROVALS_WRITE,
    Access.ONCALL_PUBLISH,
    *(getattr(Access, n) for n in ("CLOCKS_WRITE", "IDEMPOTENCY", "DISPOSITIONS_WRITE") if hasattr(Access, n)),
}
ENCRYPTED_READS = {
    Access.LEDGER_READ,
    Access.CONTROLS_READ,
    *(getattr(Access, n) for n in ("DISPOSITIONS_READ",) if hasattr(Access, n)),
}
ASYNC_TARGETS = {route.target for route in ROUTES if route.target_kind == "function"}


def expected_grants(synth: Synthesized, spec: fabric.FunctionSpec) -> set[tuple[str, str]]:
    ledger, controls = table_id(synth, "Ledger"), table_id(synth, "Controls")
    approvals, oncall = table_id(synth, "Approvals"), topic_id(synth, "OnCall")
    per_access: dict[Access, set[tuple[str, str]]] = {
        Access.CONFIG_READ: {("ssm:GetParameter", single_id(synth, "AWS::SSM::Parameter"))},
        Access.SECRETS_READ: {("secretsmanager:GetSecretValue", SECRETS)},
        Access.BUS_PUT: {("events:PutEvents", single_id(synth, "AWS::Events::EventBus"))},
        Access.LEDGER_APPEND: {("dynamodb:PutItem", ledger), ("dynamodb:Query", ledger)},
        Access.LEDGER_READ: {("dynamodb:GetItem", ledger), ("dynamodb:Query", ledger)},
        Access.CONTROLS_WRITE: {("dynamodb:PutItem", controls)},
        Access.CONTROLS_READ: {("dynamodb:GetItem", controls)},
        Access.APPROVALS_WRITE: {(f"dynamodb:{a}", approvals) for a in ("PutItem", "GetItem", "DeleteItem")},
        Access.ONCALL_PUBLISH: {("sns:Publish", oncall)},
    }
    signing = [k for k, r in synth.of_type("AWS::KMS::Key").items() if r["Properties"].get("KeyUsage") == "SIGN_VERIFY"]
    anchors = [b for b in synth.of_type("AWS::S3::Bucket") if b.startswith("LedgerEvidence")]
    if signing and anchors:
        per_access[Access.LEDGER_SIGN] = {("kms:GetPublicKey", signing[0]), ("kms:Sign", signing[0])}
        per_access[Access.LEDGER_ANCHOR] = {("s3:PutObject", anchors[0])}
    tables = {t.name for t in fabric.TABLES}
    if "Clocks" in tables:
        clocks = table_id(synth, "Clocks")
        per_access[Access.CLOCKS_WRITE] = {(f"dynamodb:{a}", clocks) for a in ("PutItem", "Query", "Scan")}
    if "Idempotency" in tables:
        idempotency = table_id(synth, "Idempotency")
        per_access[Access.IDEMPOTENCY] = {
            (f"dynamodb:{a}", idempotency) for a in ("GetItem", "PutItem", "UpdateItem", "DeleteItem")
        }
    if "Dispositions" in tables:
        dispositions = table_id(synth, "Dispositions")
        per_access[Access.DISPOSITIONS_WRITE] = {("dynamodb:UpdateItem", dispositions)}
        per_access[Access.DISPOSITIONS_READ] = {("dynamodb:Query", dispositions)}
    assert set(per_access) == set(Access), "a new Access needs its expected grant written here"
    props = function_props(synth, spec)
    log_group = logical_id(props["LoggingConfig"]["LogGroup"])
    assert log_group is not None
    expected = {("logs:CreateLogStream", log_group), ("logs:PutLogEvents", log_group)}
    expected |= {("xray:PutTraceSegments", "*"), ("xray:PutTelemetryRecords", "*")}
    for access in spec.access:
        expected |= per_access[access]
    # the fabric key (the ledger signing key is SIGN_VERIFY)
    key = next(k for k, r in synth.of_type("AWS::KMS::Key").items() if "KeyUsage" not in r["Properties"])
    dead_letters = spec.name in ASYNC_TARGETS
    if dead_letters:
        expected.add(("sqs:SendMessage", single_id(synth, "AWS::SQS::Queue")))
    if dead_letters or WRITES & set(spec.access):
        expected |= {("kms:Decrypt", key), ("kms:GenerateDataKey", key)}
    elif ENCRYPTED_READS & set(spec.access):
        expected.add(("kms:Decrypt", key))
    return expected


def all_statements(synth: Synthesized) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = []
    for policy in synth.of_type("AWS::IAM::Policy").values():
        statements.extend(policy["Properties"]["PolicyDocument"]["Statement"])
    for role in synth.of_type("AWS::IAM::Role").values():
        for policy in role["Properties"].get("Policies", []):
            statements.extend(policy["PolicyDocument"]["Statement"])
    return statements


@pytest.mark.parametrize("spec", fabric.FUNCTIONS, ids=lambda s: s.name)
def test_each_function_role_holds_exactly_what_its_spec_declares(synthesized: Synthesized, spec: fabric.FunctionSpec):
    # Given the function's spec; When its role's statements are read from the template
    actual = grants(role_statements(synthesized, role_id_of_function(synthesized, spec)))
    # Then they are the declared accesses, its own logs, tracing and (if needed) the key and dead letters
    assert actual == expected_grants(synthesized, spec)


def test_each_function_has_a_role_of_its_own(synthesized: Synthesized):
    roles = [role_id_of_function(synthesized, spec) for spec in fabric.FUNCTIONS]
    assert len(set(roles)) == len(roles)


def test_no_statement_uses_a_wildcard_action(synthesized: Synthesized):
    actions = {a for s in all_statements(synthesized) for a in as_list(s["Action"])}
    assert not [a for a in actions if "*" in a]


def test_only_actions_without_resource_level_permissions_use_resource_star(synthesized: Synthesized):
    for statement in all_statements(synthesized):
        if "*" in as_list(statement["Resource"]):
            assert set(as_list(statement["Action"])) <= STAR_ONLY, statement


def test_no_role_can_update_or_delete_the_ledger(synthesized: Synthesized):
    # Given every statement of every role in the stack
    ledger = table_id(synthesized, "Ledger")
    on_ledger: set[str] = set()
    for statement in all_statements(synthesized):
        resources = [resource_label(r) for r in as_list(statement["Resource"])]
        if ledger in resources or any(ledger in str(r) for r in as_list(statement["Resource"])):
            on_ledger |= set(as_list(statement["Action"]))
    # Then the ledger can be appended to and read, never changed
    assert on_ledger, "no role can write the ledger at all"
    assert on_ledger <= LEDGER_ALLOWED
    assert not on_ledger & LEDGER_FORBIDDEN


def test_ledger_writers_are_exactly_the_ledger_append_functions(synthesized: Synthesized):
    ledger = table_id(synthesized, "Ledger")
    writers = {
        spec.name
        for spec in fabric.FUNCTIONS
        if ("dynamodb:PutItem", ledger) in grants(role_statements(synthesized, role_id_of_function(synthesized, spec)))
    }
    assert writers == {spec.name for spec in fabric.FUNCTIONS if Access.LEDGER_APPEND in spec.access}


def test_the_webhook_receiver_cannot_touch_the_ledger_or_the_stores_controls(synthesized: Synthesized):
    # The public entry point verifies, deduplicates and puts events: no ledger, controls or approvals.
    spec = fabric.function("ReceiveWebhook")
    touched = {r for _, r in grants(role_statements(synthesized, role_id_of_function(synthesized, spec)))}
    for table in ("Ledger", "Controls", "Approvals"):
        assert table_id(synthesized, table) not in touched


@pytest.mark.parametrize("machine", fabric.STATE_MACHINES, ids=lambda m: m.name)
def test_state_machine_role_invokes_exactly_its_functions_and_publishes_to_its_topics(
    synthesized: Synthesized, machine: fabric.StateMachineSpec
):
    sm = next(
        r["Properties"]
        for lid, r in synthesized.of_type("AWS::StepFunctions::StateMachine").items()
        if r["Properties"].get("StateMachineName") == f"bulkhead-{machine.name}"
    )
    role = logical_id(sm["RoleArn"])
    assert role is not None
    actual = grants(role_statements(synthesized, role))
    functions = {function_id(synthesized, fabric.function(n)) for n in machine.functions.values()}
    topics = {topic_id(synthesized, t) for t in machine.topics.values()}
    assert {r for a, r in actual if a == "lambda:InvokeFunction"} == functions
    assert {r for a, r in actual if a == "sns:Publish"} == topics
    key = single_id(synthesized, "AWS::KMS::Key")
    assert {(a, r) for a, r in actual if a.startswith("kms:")} == {("kms:Decrypt", key), ("kms:GenerateDataKey", key)}
    others = {a for a, r in actual if not a.startswith(("lambda:", "sns:", "kms:"))}
    assert others <= STAR_ONLY


def test_event_rules_may_only_start_the_response_state_machine(synthesized: Synthesized):
    machines = set(synthesized.of_type("AWS::StepFunctions::StateMachine"))
    for rule in synthesized.of_type("AWS::Events::Rule").values():
        for target in rule["Properties"]["Targets"]:
            if "RoleArn" not in target:
                continue
            role = logical_id(target["RoleArn"])
            assert role is not None
            actual = grants(role_statements(synthesized, role))
            assert {a for a, _ in actual} == {"states:StartExecution"}
            assert {r for _, r in actual} <= machines
