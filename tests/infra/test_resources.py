"""Data at rest, messaging, the API and the event routes, read from the template."""

import json

import pytest
from aws_cdk.assertions import Match, Template

from functions.common.bus import ROUTES
from infra import fabric
from tests.infra.conftest import PARTNER_BUS, Synthesized
from tests.infra.template_reading import (
    fabric_key_id,
    function_id,
    key_by_alias,
    logical_id,
    single_id,
    table_id,
    topic_id,
)


@pytest.fixture(scope="module")
def template(synthesized: Synthesized) -> Template:
    return Template.from_json(synthesized.template)


def test_the_symmetric_keys_rotate(synthesized: Synthesized):
    for alias in ("alias/bulkhead", "alias/bulkhead-prestates"):
        assert synthesized.resources[key_by_alias(synthesized, alias)]["Properties"]["EnableKeyRotation"] is True


@pytest.mark.parametrize("spec", fabric.TABLES, ids=lambda t: t.name)
def test_tables_are_recoverable_protected_and_encrypted_with_the_fabric_key(
    synthesized: Synthesized, spec: fabric.TableSpec
):
    props = synthesized.resources[table_id(synthesized, spec.name)]["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["DeletionProtectionEnabled"] is True
    assert props["SSESpecification"]["SSEEnabled"] is True
    assert props["SSESpecification"]["SSEType"] == "KMS"
    assert logical_id(props["SSESpecification"]["KMSMasterKeyId"]) == fabric_key_id(synthesized)
    keys = {k["KeyType"]: k["AttributeName"] for k in props["KeySchema"]}
    assert keys["HASH"] == spec.partition_key
    assert keys.get("RANGE") == (spec.sort_key[0] if spec.sort_key else None)
    if spec.ttl_attribute:
        assert props["TimeToLiveSpecification"] == {"AttributeName": spec.ttl_attribute, "Enabled": True}
    assert synthesized.resources[table_id(synthesized, spec.name)]["DeletionPolicy"] == "Retain"


@pytest.mark.parametrize("name", fabric.TOPICS)
def test_topics_are_encrypted_and_refuse_plain_http(synthesized: Synthesized, template: Template, name: str):
    topic = topic_id(synthesized, name)
    props = synthesized.resources[topic]["Properties"]
    assert logical_id(props["KmsMasterKeyId"]) == fabric_key_id(synthesized)
    template.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "Topics": [{"Ref": topic}],
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})]
                )
            },
        },
    )


def test_dead_letter_queue_is_encrypted_and_tls_only(synthesized: Synthesized, template: Template):
    queue = single_id(synthesized, "AWS::SQS::Queue")
    assert logical_id(synthesized.resources[queue]["Properties"]["KmsMasterKeyId"]) == fabric_key_id(synthesized)
    template.has_resource_properties(
        "AWS::SQS::QueuePolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})]
                )
            }
        },
    )


def test_every_log_group_is_encrypted_and_expires(synthesized: Synthesized):
    key = fabric_key_id(synthesized)
    groups = synthesized.of_type("AWS::Logs::LogGroup")
    assert groups
    for props in (g["Properties"] for g in groups.values()):
        assert logical_id(props["KmsKeyId"]) == key
        assert props["RetentionInDays"] > 0


def test_config_parameter_holds_the_validated_example(synthesized: Synthesized):
    from functions.common.config import parse_config

    props = synthesized.resources[single_id(synthesized, "AWS::SSM::Parameter")]["Properties"]
    assert props["Name"] == fabric.CONFIG_PARAMETER_NAME
    assert props["Type"] == "String"
    config = parse_config(props["Value"])
    assert not any(store.sandbox for store in config.stores)


def test_the_bus_has_the_fabric_name(template: Template):
    template.has_resource_properties("AWS::Events::EventBus", {"Name": fabric.EVENT_BUS_NAME})


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_each_route_is_a_rule_on_the_bus_with_its_pattern_target_and_dead_letters(synthesized: Synthesized, route):
    buses = {"fabric": single_id(synthesized, "AWS::Events::EventBus"), "default": "default", "partner": PARTNER_BUS}
    rules = [
        r["Properties"]
        for r in synthesized.of_type("AWS::Events::Rule").values()
        if r["Properties"]["EventPattern"] == route.pattern
    ]
    assert len(rules) == 1, f"expected one rule for {route.name}"
    rule = rules[0]
    bus = rule["EventBusName"]
    assert (logical_id(bus) if isinstance(bus, dict) else bus) == buses[route.source_bus]
    (target,) = rule["Targets"]
    if route.target_kind == "function":
        assert logical_id(target["Arn"]) == function_id(synthesized, fabric.function(route.target))
        assert "InputPath" not in target and "Input" not in target  # the whole event
    else:
        machine = next(
            lid
            for lid, r in synthesized.of_type("AWS::StepFunctions::StateMachine").items()
            if r["Properties"]["StateMachineName"] == f"bulkhead-{route.target}"
        )
        assert logical_id(target["Arn"]) == machine
    if route.input_path:
        assert target["InputPath"] == route.input_path
    assert logical_id(target["DeadLetterConfig"]["Arn"]) == single_id(synthesized, "AWS::SQS::Queue")
    assert target["RetryPolicy"]["MaximumRetryAttempts"] > 0


@pytest.mark.parametrize(("method", "path", "function"), fabric.HTTP_ROUTES)
def test_each_http_route_proxies_to_its_function(synthesized: Synthesized, method: str, path: str, function: str):
    routes = [r["Properties"] for r in synthesized.of_type("AWS::ApiGatewayV2::Route").values()]
    route = next(r for r in routes if r["RouteKey"] == f"{method} {path}")
    integration_id = str(route["Target"]["Fn::Join"][1][1]["Ref"])
    integration = synthesized.resources[integration_id]["Properties"]
    assert integration["IntegrationType"] == "AWS_PROXY"
    assert integration["PayloadFormatVersion"] == "2.0"
    assert logical_id(integration["IntegrationUri"]) == function_id(synthesized, fabric.function(function))


def test_api_stage_logs_access_without_personal_data_and_throttles(synthesized: Synthesized):
    stage = synthesized.resources[single_id(synthesized, "AWS::ApiGatewayV2::Stage")]["Properties"]
    assert stage["StageName"] == "$default"
    log_format = json.loads(stage["AccessLogSettings"]["Format"])
    assert "requestId" in log_format
    assert not [v for v in log_format.values() if "header" in v.lower() or "body" in v.lower()]
    assert stage["DefaultRouteSettings"]["ThrottlingRateLimit"] > 0
    assert stage["DefaultRouteSettings"]["ThrottlingBurstLimit"] > 0
