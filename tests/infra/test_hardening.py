"""Every resource hardened or its exception justified: reserved concurrency, encrypted environments,
versioned and access-logged buckets."""

import pytest

from infra import fabric
from tests.infra.conftest import Synthesized
from tests.infra.template_reading import fabric_key_id, function_props, logical_id


@pytest.mark.parametrize("spec", fabric.FUNCTIONS, ids=lambda s: s.name)
def test_each_environment_is_encrypted_with_the_fabric_key(synthesized: Synthesized, spec: fabric.FunctionSpec):
    props = function_props(synthesized, spec)
    assert logical_id(props["KmsKeyArn"]) == fabric_key_id(synthesized)


@pytest.mark.parametrize("spec", fabric.FUNCTIONS, ids=lambda s: s.name)
def test_reserved_concurrency_is_the_one_the_fabric_declares(synthesized: Synthesized, spec: fabric.FunctionSpec):
    # Unbounded functions carry a NIST LambdaConcurrency acknowledgement; test_cdk_nag checks its reason.
    assert function_props(synthesized, spec).get("ReservedConcurrentExecutions") == spec.reserved_concurrency


def test_the_ingress_flood_and_the_schedules_are_bounded():
    bounded = {s.name for s in fabric.FUNCTIONS if s.reserved_concurrency is not None}
    assert {"ReceiveWebhook", "DecideApproval", "SweepClocks", "CheckControlHealth"} <= bounded


def test_every_bucket_is_versioned_and_all_but_the_log_bucket_are_access_logged(synthesized: Synthesized):
    buckets = synthesized.of_type("AWS::S3::Bucket")
    log_buckets = {
        logical_id(b["Properties"]["LoggingConfiguration"]["DestinationBucketName"])
        for b in buckets.values()
        if "LoggingConfiguration" in b["Properties"]
    }
    assert len(log_buckets) == 1
    for lid, bucket in buckets.items():
        assert bucket["Properties"]["VersioningConfiguration"] == {"Status": "Enabled"}, lid
        if lid not in log_buckets:
            assert "LoggingConfiguration" in bucket["Properties"], lid


def test_versioned_rosters_leave_no_old_version_behind(synthesized: Synthesized):
    rules = [
        rule
        for bucket in synthesized.of_type("AWS::S3::Bucket").values()
        for rule in bucket["Properties"].get("LifecycleConfiguration", {}).get("Rules", [])
        if rule.get("Id") == "ExpireRosters"
    ]
    assert rules and all("NoncurrentVersionExpiration" in r for r in rules)


# Written by the service integrations for the resource's own telemetry; the Service Authorization
# Reference lists no resource type for them (XRAY_REASON in infra/stacks/fabric_stack.py, and the
# state machines' vended-logging acknowledgement in infra/constructs/state_machines.py).
TELEMETRY_WRITES = {
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "logs:CreateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:PutResourcePolicy",
}
READS = ("Get", "List", "Describe", "Query", "Scan", "BatchGet", "Verify")


def test_no_policy_allows_a_write_on_star_without_a_condition(synthesized: Synthesized):
    unconditioned: set[tuple[str, str]] = set()
    for lid, resource in synthesized.resources.items():
        properties = resource.get("Properties", {})
        if resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            documents = [properties["PolicyDocument"]]
        elif resource["Type"] == "AWS::IAM::Role":
            documents = [p["PolicyDocument"] for p in properties.get("Policies", [])]
        else:
            continue
        for statement in (s for d in documents for s in d["Statement"]):
            resources = statement.get("Resource", [])
            if "*" not in (resources if isinstance(resources, list) else [resources]) or "Condition" in statement:
                continue
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            unconditioned |= {(lid, a) for a in actions if not a.split(":", 1)[1].startswith(READS)}
    assert {action for _, action in unconditioned} <= TELEMETRY_WRITES, sorted(unconditioned)
