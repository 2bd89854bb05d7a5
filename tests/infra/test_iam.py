"""Least privilege, read from the template: each role holds exactly what its spec declares.

The expectations are written out here, independently of `infra/constructs/access.py`, so a
widened grant in the stack fails a test instead of passing through the same mapping twice.
"""

from typing import Any

import pytest

from functions.common.bus import ROUTES
from functions.common.config import parse_config
from infra import fabric
from infra.fabric import Access
from tests.infra.conftest import ROOT, Synthesized
from tests.infra.template_reading import (
    as_list,
    bucket_id,
    fabric_key_id,
    function_id,
    function_props,
    grants,
    key_by_alias,
    logical_id,
    resource_label,
    role_id_of_function,
    role_of,
    role_statements,
    single_id,
    table_id,
    topic_id,
)

SECRETS = "arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:bulkhead/*"
ANY_SECRET = "arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:*"
IP_SETS = (
    "arn:<AWS::Partition>:wafv2:<AWS::Region>:<AWS::AccountId>:regional/ipset/bulkhead-*/*",
    "arn:<AWS::Partition>:wafv2:us-east-1:<AWS::AccountId>:global/ipset/bulkhead-*/*",
)
RESPONSE_MACHINE = "arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:stateMachine:bulkhead-Response"
ESCALATION_MACHINE = "arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:stateMachine:bulkhead-Escalation"
REMINDER_SCHEDULES = "arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/bulkhead-reminders/*"
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
    # Task-token callbacks: no resource type in the Service Authorization Reference.
    "states:SendTaskSuccess",
    "states:SendTaskFailure",
    # Customer notices: GetSendQuota and sends to customer addresses; SMS to phone numbers (not topics).
    "ses:GetSendQuota",
    "ses:GetIdentityVerificationAttributes",
    "ses:SendBulkTemplatedEmail",
    "ses:CreateTemplate",
    "ses:UpdateTemplate",
    "sns:GetSMSAttributes",
    "sns:Publish",
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
# Accesses that write data the fabric key encrypts (Decrypt + GenerateDataKey), and ones that only read it.
WRITES = {
    Access.LEDGER_APPEND,
    Access.LEDGER_ANCHOR,
    Access.CONTROLS_WRITE,
    Access.APPROVALS_WRITE,
    Access.ONCALL_PUBLISH,
    Access.CLOCKS_WRITE,
    Access.IDEMPOTENCY,
    Access.DISPOSITIONS_WRITE,
    Access.PRESTATES_WRITE,
    Access.NOTICES_WRITE,
    Access.DELIVERIES_WRITE,
}
ENCRYPTED_READS = {
    Access.LEDGER_READ,
    Access.CONTROLS_READ,
    Access.DISPOSITIONS_READ,
    Access.PRESTATES_READ,
    Access.NOTICES_READ,
}
ASYNC_TARGETS = {route.target for route in ROUTES if route.target_kind == "function"} | {"RecordNotificationFeedback"}


def customer_data_buckets() -> set[str]:
    config = parse_config((ROOT / "config" / "bulkhead.example.json").read_text())
    return {f"arn:<AWS::Partition>:s3:::{b}" for store in config.stores for b in store.customer_data_buckets}


def expected_per_access(synth: Synthesized) -> dict[Access, set[tuple[str, str]]]:
    """Each access as (action, resource) pairs, written out independently of infra/constructs/access.py."""

    def on(resource: str, *actions: str) -> set[tuple[str, str]]:
        return {(a, resource) for a in actions}

    table = {t.name: table_id(synth, t.name) for t in fabric.TABLES}
    signing = key_by_alias(synth, "alias/bulkhead-ledger-signing")
    sealing = key_by_alias(synth, "alias/bulkhead-prestates")
    anchors, notices = bucket_id(synth, "LedgerEvidence"), bucket_id(synth, "Notifications")
    contain = {(a, r) for r in IP_SETS for a in ("wafv2:GetIPSet", "wafv2:UpdateIPSet")}
    contain |= on(
        ANY_SECRET,
        "secretsmanager:DescribeSecret",
        "secretsmanager:ListSecretVersionIds",
        "secretsmanager:PutSecretValue",
        "secretsmanager:RotateSecret",
        "secretsmanager:UpdateSecretVersionStage",
    )
    for bucket in customer_data_buckets():
        contain |= on(bucket, "s3:GetBucketPublicAccessBlock", "s3:PutBucketPublicAccessBlock")
    per_access: dict[Access, set[tuple[str, str]]] = {
        Access.CONFIG_READ: on(single_id(synth, "AWS::SSM::Parameter"), "ssm:GetParameter"),
        Access.SECRETS_READ: on(SECRETS, "secretsmanager:GetSecretValue"),
        Access.BUS_PUT: on(single_id(synth, "AWS::Events::EventBus"), "events:PutEvents"),
        Access.LEDGER_APPEND: on(table["Ledger"], "dynamodb:PutItem", "dynamodb:Query"),
        Access.LEDGER_READ: on(table["Ledger"], "dynamodb:Query"),
        Access.CONTROLS_WRITE: on(table["Controls"], "dynamodb:PutItem"),
        Access.CONTROLS_READ: on(table["Controls"], "dynamodb:GetItem"),
        Access.APPROVALS_WRITE: on(table["Approvals"], "dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:DeleteItem"),
        Access.ONCALL_PUBLISH: on(topic_id(synth, "OnCall"), "sns:Publish"),
        Access.PRESTATES_WRITE: on(table["PreStates"], "dynamodb:PutItem", "dynamodb:GetItem")
        | on(sealing, "kms:GenerateDataKey", "kms:Decrypt"),
        Access.PRESTATES_READ: on(table["PreStates"], "dynamodb:GetItem") | on(sealing, "kms:Decrypt"),
        Access.CONTAIN_AWS: contain,
        Access.CLOCKS_WRITE: on(table["Clocks"], "dynamodb:PutItem", "dynamodb:Query", "dynamodb:Scan"),
        Access.REMINDERS_SCHEDULE: on(REMINDER_SCHEDULES, "scheduler:CreateSchedule", "scheduler:DeleteSchedule")
        | on(role_of(synth, "RemindersRole"), "iam:PassRole"),
        Access.APPROVALS_DECIDE: on("*", "states:SendTaskSuccess", "states:SendTaskFailure"),
        Access.IDEMPOTENCY: on(
            table["Idempotency"], "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"
        ),
        Access.DISPOSITIONS_WRITE: on(table["Dispositions"], "dynamodb:UpdateItem"),
        Access.DISPOSITIONS_READ: on(table["Dispositions"], "dynamodb:Query"),
        Access.NOTICES_WRITE: on(notices, "s3:PutObject"),
        Access.NOTICES_READ: on(notices, "s3:GetObject"),
        Access.DELIVERIES_WRITE: on(
            table["NotificationDeliveries"],
            "dynamodb:PutItem",
            "dynamodb:GetItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
        ),
        Access.EMAIL_SEND: on(
            "*", "ses:CreateTemplate", "ses:GetSendQuota", "ses:SendBulkTemplatedEmail", "ses:UpdateTemplate"
        ),
        Access.SMS_SEND: on("*", "sns:GetSMSAttributes", "sns:Publish"),
        Access.HEALTH_READ: on("*", "ses:GetIdentityVerificationAttributes", "ses:GetSendQuota")
        | on(topic_id(synth, "OnCall"), "sns:ListSubscriptionsByTopic"),
        Access.LEDGER_SIGN: on(signing, "kms:GetPublicKey", "kms:Sign"),
        Access.LEDGER_VERIFY: on(signing, "kms:GetPublicKey"),
        Access.LEDGER_ANCHOR: on(anchors, "s3:PutObject"),
        Access.LEDGER_ANCHORS_READ: on(anchors, "s3:GetObject", "s3:GetObjectVersion")
        | on(anchors, "s3:ListBucketVersions"),
        Access.RESPONSE_START: on(RESPONSE_MACHINE, "states:StartExecution"),
        Access.ESCALATION_START: on(ESCALATION_MACHINE, "states:StartExecution"),
    }
    assert set(per_access) == set(Access), "a new Access needs its expected grant written here"
    return per_access


def expected_grants(synth: Synthesized, spec: fabric.FunctionSpec) -> set[tuple[str, str]]:
    per_access = expected_per_access(synth)
    props = function_props(synth, spec)
    log_group = logical_id(props["LoggingConfig"]["LogGroup"])
    assert log_group is not None
    expected = {("logs:CreateLogStream", log_group), ("logs:PutLogEvents", log_group)}
    expected |= {("xray:PutTraceSegments", "*"), ("xray:PutTelemetryRecords", "*")}
    for access in spec.access:
        expected |= per_access[access]
    key = fabric_key_id(synth)
    expected.add(("kms:Decrypt", key))  # every environment is encrypted with the fabric key
    dead_letters = spec.name in ASYNC_TARGETS
    if dead_letters:
        expected.add(("sqs:SendMessage", single_id(synth, "AWS::SQS::Queue")))
    if dead_letters or WRITES & set(spec.access):
        expected |= {("kms:Decrypt", key), ("kms:GenerateDataKey", key)}
    elif ENCRYPTED_READS & set(spec.access):
        expected.add(("kms:Decrypt", key))
    return expected


def statements_with(synth: Synthesized, spec: fabric.FunctionSpec, action: str) -> list[dict[str, Any]]:
    found = role_statements(synth, role_id_of_function(synth, spec))
    return [s for s in found if action in as_list(s["Action"])]


def holders(access: Access) -> list[fabric.FunctionSpec]:
    return [spec for spec in fabric.FUNCTIONS if access in spec.access]


def all_statements(synth: Synthesized) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = []
    for policy in [*synth.of_type("AWS::IAM::Policy").values(), *synth.of_type("AWS::IAM::ManagedPolicy").values()]:
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
    key = fabric_key_id(synthesized)
    assert {(a, r) for a, r in actual if a.startswith("kms:")} == {("kms:Decrypt", key), ("kms:GenerateDataKey", key)}
    others = {(a, r) for a, r in actual if not a.startswith(("lambda:", "sns:", "kms:"))}
    if machine.name == "Response":  # Distributed Map over the roster manifest
        name = f"bulkhead-{machine.name}"
        own = {
            (
                "states:StartExecution",
                f"arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:stateMachine:{name}",
            ),
            *{
                (a, f"arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{name}/*")
                for a in ("states:DescribeExecution", "states:StopExecution")
            },
            ("s3:GetObject", bucket_id(synthesized, "Notifications")),
        }
        assert own <= others
        others -= own
    assert {a for a, _ in others} <= STAR_ONLY


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


def test_prestate_key_opens_only_with_the_vaults_encryption_context(synthesized: Synthesized):
    # Given every role that may use the pre-state key
    sealing = key_by_alias(synthesized, "alias/bulkhead-prestates")
    users = {*holders(Access.PRESTATES_WRITE), *holders(Access.PRESTATES_READ)}
    assert {s.name for s in users} == {"ApplyContainmentAction", "RevertContainmentAction"}
    for spec in users:
        on_key = [
            s
            for s in role_statements(synthesized, role_id_of_function(synthesized, spec))
            if logical_id(s["Resource"]) == sealing
        ]
        # Then each use is bound to the {incident_id, action_id} context the vault seals with
        assert on_key, spec.name
        for statement in on_key:
            assert statement["Condition"] == {
                "ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["action_id", "incident_id"]},
                "Null": {"kms:EncryptionContextKeys": "false"},
            }
    # And no other role can touch the key
    others = [s for s in fabric.FUNCTIONS if s not in users]
    for spec in others:
        resources = {r for _, r in grants(role_statements(synthesized, role_id_of_function(synthesized, spec)))}
        assert sealing not in resources, spec.name


def test_containment_rotates_only_secrets_tagged_for_it(synthesized: Synthesized):
    assert {s.name for s in holders(Access.CONTAIN_AWS)} == {"ApplyContainmentAction", "RevertContainmentAction"}
    for spec in holders(Access.CONTAIN_AWS):
        (rotation,) = statements_with(synthesized, spec, "secretsmanager:RotateSecret")
        assert rotation["Condition"] == {"StringEquals": {"aws:ResourceTag/bulkhead:containment": "rotate"}}
        assert "secretsmanager:GetSecretValue" not in as_list(rotation["Action"])


def test_containment_blocks_public_access_only_on_the_configured_customer_data_buckets(synthesized: Synthesized):
    for spec in holders(Access.CONTAIN_AWS):
        on_buckets = {
            r
            for a, r in grants(role_statements(synthesized, role_id_of_function(synthesized, spec)))
            if a.startswith("s3:") and "PublicAccessBlock" in a
        }
        assert on_buckets == customer_data_buckets()


def test_reminder_role_is_passed_only_to_scheduler(synthesized: Synthesized):
    reminders = role_of(synthesized, "RemindersRole")
    for spec in holders(Access.REMINDERS_SCHEDULE):
        (passing,) = statements_with(synthesized, spec, "iam:PassRole")
        assert logical_id(passing["Resource"]) == reminders
        assert passing["Condition"] == {"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}}


def test_reminder_role_only_pages_on_call_and_only_scheduler_of_this_group_assumes_it(synthesized: Synthesized):
    role = role_of(synthesized, "RemindersRole")
    key = fabric_key_id(synthesized)
    assert grants(role_statements(synthesized, role)) == {
        ("sns:Publish", topic_id(synthesized, "OnCall")),
        ("kms:Decrypt", key),
        ("kms:GenerateDataKey", key),
    }
    (trust,) = synthesized.resources[role]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert "aws:SourceAccount" in trust["Condition"]["StringEquals"]
    assert str(trust["Condition"]["ArnLike"]["aws:SourceArn"]).count("schedule-group/bulkhead-reminders") == 1


def test_ledger_verifiers_may_read_and_verify_but_never_sign_or_write(synthesized: Synthesized):
    (policy,) = [
        p
        for p in synthesized.of_type("AWS::IAM::ManagedPolicy").values()
        if "verify incident ledgers" in p["Properties"]["Description"]
    ]
    actual = grants(policy["Properties"]["PolicyDocument"]["Statement"])
    signing = key_by_alias(synthesized, "alias/bulkhead-ledger-signing")
    anchors, ledger = bucket_id(synthesized, "LedgerEvidence"), table_id(synthesized, "Ledger")
    assert actual == {
        ("dynamodb:GetItem", ledger),
        ("dynamodb:Query", ledger),
        ("s3:ListBucketVersions", anchors),
        ("s3:GetObject", anchors),
        ("s3:GetObjectVersion", anchors),
        ("kms:GetPublicKey", signing),
        ("kms:Verify", signing),
        ("kms:Decrypt", fabric_key_id(synthesized)),
    }
