"""The Bulkhead fabric as one stack, composed from `infra/fabric.py` and the bus routes.

One stack keeps every reference inside one template (no exports to untangle on change) and is
environment-agnostic: no lookups, no account or region baked in, so `cdk synth` needs no AWS
account and the same template deploys to any account and region.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_logs as logs
from constructs import Construct

from functions.common.bus import ROUTES
from functions.common.settings import Env
from infra import fabric
from infra.constructs.access import FabricResources, acknowledge_patterns, statements
from infra.constructs.config_parameter import ConfigParameter
from infra.constructs.encryption import FabricKey
from infra.constructs.event_bus import FabricBus
from infra.constructs.functions import POWERTOOLS_LAYER_VERSION, FunctionFactory
from infra.constructs.http_api import WebhookApi
from infra.constructs.ledger_evidence import LedgerEvidence
from infra.constructs.messaging import DeadLetters, FabricTopics
from infra.constructs.nag import acknowledge
from infra.constructs.state_machines import ResponseStateMachine
from infra.constructs.tables import FabricTables

# Set by the Lambda runtime itself (and reserved: a function may not set it).
RUNTIME_PROVIDED = frozenset({Env.REGION})


class UnmappedSetting(KeyError):
    pass


@dataclass(frozen=True)
class StackSettings:
    code_path: Path
    layer_path: Path
    config_file: Path
    log_retention: logs.RetentionDays = logs.RetentionDays.ONE_YEAR
    powertools_layer_version: int = POWERTOOLS_LAYER_VERSION
    # The Shopify partner event bus (aws.partner/shopify.com/<app id>/<name>); without it, routes
    # that listen there are left out and Shopify EventBridge deliveries are not received.
    partner_event_bus_name: str | None = None


def setting_values(resources: FabricResources, tables: Mapping[str, str], config_parameter_name: str) -> dict[Env, str]:
    """Every setting a function can ask for, resolved to the deployed resource (as the local runtime does)."""
    values: dict[Env, str] = {
        Env.CONFIG_PARAMETER: config_parameter_name,
        Env.EVENT_BUS: resources.bus.event_bus_name,
        Env.ONCALL_TOPIC: resources.topics["OnCall"].topic_arn,
    }
    values |= {spec.setting: tables[spec.name] for spec in fabric.TABLES if spec.setting}
    values |= {b.setting: resources.buckets[b.name].bucket_name for b in fabric.BUCKETS if b.name in resources.buckets}
    keys = resources.signing_keys
    values |= {k.setting: keys[k.name].key_arn for k in fabric.SIGNING_KEYS if k.name in keys}
    return values


def environment_for(spec: fabric.FunctionSpec, values: Mapping[Env, str]) -> dict[str, str]:
    environment: dict[str, str] = {}
    for setting in spec.settings:
        if setting in RUNTIME_PROVIDED:
            continue
        if setting not in values:
            raise UnmappedSetting(f"{spec.name} reads {setting.value}, which the stack does not provide")
        environment[setting.value] = values[setting]
    return environment


class BulkheadStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, settings: StackSettings, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        key = FabricKey(self, "Encryption", log_retention=settings.log_retention)
        key.allow_event_rules()
        tables = FabricTables(self, "Tables", specs=fabric.TABLES, key=key.key)
        topics = FabricTopics(self, "Topics", names=fabric.TOPICS, key=key.key)
        dead_letters = DeadLetters(self, "DeadLetters", key=key.key)
        bus = FabricBus(
            self, "Events", bus_name=fabric.EVENT_BUS_NAME, partner_bus_name=settings.partner_event_bus_name
        )
        config = ConfigParameter(
            self, "Config", parameter_name=fabric.CONFIG_PARAMETER_NAME, config_file=settings.config_file
        )
        evidence = LedgerEvidence(
            self,
            "LedgerEvidence",
            bucket_spec=next(b for b in fabric.BUCKETS if b.name == "LedgerAnchors"),
            key_spec=next(k for k in fabric.SIGNING_KEYS if k.name == "LedgerSigning"),
            fabric_key=key.key,
        )
        resources = FabricResources(
            key=key.key,
            tables=tables.tables,
            topics=topics.topics,
            bus=bus.bus,
            config=config.parameter,
            buckets={"LedgerAnchors": evidence.bucket},
            signing_keys={"LedgerSigning": evidence.signing_key},
        )
        values = setting_values(
            resources, {n: t.table_name for n, t in tables.tables.items()}, config.parameter.parameter_name
        )

        factory = FunctionFactory(
            self,
            "Functions",
            code_path=settings.code_path,
            layer_path=settings.layer_path,
            fabric_key=key,
            powertools_layer_version=settings.powertools_layer_version,
        )
        # Functions that EventBridge invokes asynchronously get the dead-letter queue.
        invoked_async = {route.target for route in ROUTES if route.target_kind == "function"}
        for spec in fabric.FUNCTIONS:
            factory.build(
                spec,
                environment=environment_for(spec, values),
                statements=statements(self, spec.access, resources),
                async_dead_letters=dead_letters.queue if spec.name in invoked_async else None,
            )
            acknowledge_patterns(factory.roles[spec.name], spec.access)
            acknowledge(
                factory.roles[spec.name],
                "IAM5[Resource::*]",
                "X-Ray tracing (Tracing.ACTIVE): xray:PutTraceSegments and xray:PutTelemetryRecords "
                "support no resource-level permissions, so their only possible resource is '*'.",
            )

        machines = {
            spec.name: ResponseStateMachine(
                self, spec.name, spec=spec, functions=factory.functions, topics=topics.topics, fabric_key=key
            )
            for spec in fabric.STATE_MACHINES
        }
        for machine in machines.values():
            acknowledge(
                machine.role,
                "IAM5[Resource::*]",
                "Step Functions vended logging (logs:CreateLogDelivery and friends) and X-Ray "
                "(xray:PutTraceSegments, GetSamplingRules) accept no resource narrower than '*'.",
            )

        for route in ROUTES:
            bus.route(
                route,
                functions=factory.functions,
                state_machines={n: m.state_machine for n, m in machines.items()},
                dead_letters=dead_letters.queue,
            )

        api = WebhookApi(self, "Webhooks", routes=fabric.HTTP_ROUTES, functions=factory.functions, fabric_key=key)

        CfnOutput(self, "WebhookUrl", value=api.url, description="Base URL of the webhook API")
        CfnOutput(self, "EventBusName", value=bus.bus.event_bus_name)
        CfnOutput(self, "ConfigParameterName", value=config.parameter.parameter_name)
        CfnOutput(self, "DeadLetterQueueUrl", value=dead_letters.queue.queue_url)
        for name, table in tables.tables.items():
            CfnOutput(self, f"{name}TableName", value=table.table_name)
        for name, topic in topics.topics.items():
            CfnOutput(self, f"{name}TopicArn", value=topic.topic_arn)
        for name, machine in machines.items():
            CfnOutput(self, f"{name}StateMachineArn", value=machine.state_machine.state_machine_arn)
