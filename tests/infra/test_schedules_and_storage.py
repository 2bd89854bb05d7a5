"""Recurring jobs, the clock reminder group, the notification bucket, access logs and SES feedback."""

from typing import Any

import pytest

from functions.common.config import parse_config
from functions.common.settings import Env
from infra import fabric
from infra.constructs.schedules import schedule_expression
from tests.infra.conftest import ROOT, Synthesized
from tests.infra.template_reading import (
    bucket_id,
    fabric_key_id,
    function_id,
    function_props,
    grants,
    logical_id,
    role_statements,
    single_id,
    topic_id,
)


def schedules(synth: Synthesized) -> dict[str, dict[str, Any]]:
    return {s["Properties"]["Name"]: s["Properties"] for s in synth.of_type("AWS::Scheduler::Schedule").values()}


@pytest.mark.parametrize("spec", fabric.SCHEDULES, ids=lambda s: s.name)
def test_every_schedule_spec_invokes_its_function_on_time(synthesized: Synthesized, spec: fabric.ScheduleSpec):
    schedule = schedules(synthesized)[f"bulkhead-{spec.name}"]
    assert schedule["ScheduleExpression"] == schedule_expression(spec)
    assert schedule["State"] == "ENABLED"
    target = schedule["Target"]
    assert logical_id(target["Arn"]) == function_id(synthesized, fabric.function(spec.function))
    assert target["Input"] == spec.input
    assert logical_id(target["DeadLetterConfig"]["Arn"]) == single_id(synthesized, "AWS::SQS::Queue")
    assert target["RetryPolicy"]["MaximumRetryAttempts"] > 0


def test_the_scheduler_role_invokes_exactly_the_scheduled_functions(synthesized: Synthesized):
    roles = {logical_id(s["Target"]["RoleArn"]) for s in schedules(synthesized).values()}
    if not fabric.SCHEDULES:
        pytest.skip("no ScheduleSpec in the fabric")
    (role,) = roles
    actual = grants(role_statements(synthesized, str(role)))
    invoked = {r for a, r in actual if a == "lambda:InvokeFunction"}
    assert invoked == {function_id(synthesized, fabric.function(s.function)) for s in fabric.SCHEDULES}
    assert {a for a, _ in actual} == {"lambda:InvokeFunction", "sqs:SendMessage", "kms:Decrypt", "kms:GenerateDataKey"}


def test_rate_expressions_read_naturally():
    assert schedule_expression(fabric.ScheduleSpec("a", "f", 1)) == "rate(1 minute)"
    assert schedule_expression(fabric.ScheduleSpec("a", "f", 5)) == "rate(5 minutes)"
    assert schedule_expression(fabric.ScheduleSpec("a", "f", 1440)) == "rate(1 day)"
    with pytest.raises(ValueError, match="rate_minutes"):
        schedule_expression(fabric.ScheduleSpec("a", "f", 0))


def test_clock_functions_are_told_the_reminder_group_and_role(synthesized: Synthesized):
    groups = {g["Properties"]["Name"] for g in synthesized.of_type("AWS::Scheduler::ScheduleGroup").values()}
    assert "bulkhead-reminders" in groups
    for spec in fabric.FUNCTIONS:
        if Env.REMINDER_GROUP not in spec.settings:
            continue
        variables = function_props(synthesized, spec)["Environment"]["Variables"]
        assert variables[Env.REMINDER_GROUP.value] == "bulkhead-reminders"
        role = logical_id(variables[Env.REMINDER_ROLE_ARN.value])
        assert role is not None and role.startswith("RemindersRole")


def test_containment_functions_are_told_the_prestate_key(synthesized: Synthesized):
    sealing = next(
        logical_id(a["Properties"]["TargetKeyId"])
        for a in synthesized.of_type("AWS::KMS::Alias").values()
        if a["Properties"]["AliasName"] == "alias/bulkhead-prestates"
    )
    for spec in fabric.FUNCTIONS:
        if Env.PRESTATE_KEY_ID in spec.settings:
            variables = function_props(synthesized, spec)["Environment"]["Variables"]
            assert logical_id(variables[Env.PRESTATE_KEY_ID.value]) == sealing, spec.name


def test_notification_bucket_is_private_encrypted_logged_and_expires_rosters(synthesized: Synthesized):
    bucket = synthesized.resources[bucket_id(synthesized, "Notifications")]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    rule = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert rule["SSEAlgorithm"] == "aws:kms" and logical_id(rule["KMSMasterKeyID"]) == fabric_key_id(synthesized)
    assert logical_id(bucket["LoggingConfiguration"]["DestinationBucketName"]) == bucket_id(synthesized, "AccessLogs")
    rosters = next(r for r in bucket["LifecycleConfiguration"]["Rules"] if r.get("Prefix") == "rosters/")
    assert rosters["ExpirationInDays"] == 7


def test_the_anchor_bucket_writes_server_access_logs(synthesized: Synthesized):
    bucket = synthesized.resources[bucket_id(synthesized, "LedgerEvidence")]["Properties"]
    assert logical_id(bucket["LoggingConfiguration"]["DestinationBucketName"]) == bucket_id(synthesized, "AccessLogs")


def test_ses_feedback_reaches_the_recorder(synthesized: Synthesized):
    config = parse_config((ROOT / "config" / "bulkhead.example.json").read_text())
    (configuration_set,) = synthesized.of_type("AWS::SES::ConfigurationSet").values()
    assert configuration_set["Properties"]["Name"] == config.notices.configuration_set
    (destination,) = synthesized.of_type("AWS::SES::ConfigurationSetEventDestination").values()
    event = destination["Properties"]["EventDestination"]
    assert logical_id(event["SnsDestination"]["TopicARN"]) == topic_id(synthesized, "NotificationFeedback")
    assert set(event["MatchingEventTypes"]) == {"bounce", "complaint", "delivery"}
    subscriptions = [
        s["Properties"]
        for s in synthesized.of_type("AWS::SNS::Subscription").values()
        if logical_id(s["Properties"]["TopicArn"]) == topic_id(synthesized, "NotificationFeedback")
    ]
    assert [logical_id(s["Endpoint"]) for s in subscriptions] == [
        function_id(synthesized, fabric.function("RecordNotificationFeedback"))
    ]
