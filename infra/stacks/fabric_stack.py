"""The Bulkhead fabric as one stack, composed from `infra/fabric.py` and the bus routes.

One stack keeps every reference inside one template (no exports to untangle on change) and is
environment-agnostic: no lookups, no account or region baked in, so `cdk synth` needs no AWS
account and the same template deploys to any account and region.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk import ArnFormat, CfnOutput, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_ses as ses
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from functions.common.bus import ROUTES
from functions.common.config import Platform
from functions.common.settings import Env
from infra import fabric
from infra.constructs.access import (
    RESPONSE_STATE_MACHINE_NAME,
    FabricResources,
    acknowledgements,
    objects_finding,
    statements,
)
from infra.constructs.config_parameter import ConfigParameter
from infra.constructs.encryption import FabricKey
from infra.constructs.event_bus import FabricBus
from infra.constructs.functions import POWERTOOLS_LAYER_VERSION, FunctionFactory
from infra.constructs.http_api import WebhookApi
from infra.constructs.ledger_evidence import LedgerEvidence
from infra.constructs.messaging import DeadLetters, FabricTopics
from infra.constructs.nag import NIST_800_53_R5, PCI_DSS_321, SERVERLESS, acknowledge
from infra.constructs.observability import OnCallView
from infra.constructs.operators import OperatorPolicies
from infra.constructs.prestates import PreStateKey
from infra.constructs.schedules import FabricSchedules, ReminderSchedules
from infra.constructs.state_machines import ResponseStateMachine
from infra.constructs.storage import AccessLogs, NotificationStore
from infra.constructs.tables import FabricTables

# Set by the Lambda runtime itself (and reserved: a function may not set it).
RUNTIME_PROVIDED = frozenset({Env.REGION})
# Why every function role holds xray:PutTraceSegments/PutTelemetryRecords on "*".
XRAY_REASON = (
    "X-Ray tracing (Tracing.ACTIVE): xray:PutTraceSegments and xray:PutTelemetryRecords "
    "support no resource-level permissions, so their only possible resource is '*'."
)
# SES feedback the NotificationFeedback topic carries (what RecordNotificationFeedback counts).
FEEDBACK_SUBSCRIBERS = ("RecordNotificationFeedback",)
FEEDBACK_EVENTS = (ses.EmailSendingEvent.BOUNCE, ses.EmailSendingEvent.COMPLAINT, ses.EmailSendingEvent.DELIVERY)


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


def setting_values(
    resources: FabricResources, tables: Mapping[str, str], config_parameter_name: str, pseudonym_secret_id: str
) -> dict[Env, str]:
    """Every setting a function can ask for, resolved to the deployed resource (as the local runtime does)."""
    values: dict[Env, str] = {
        Env.CONFIG_PARAMETER: config_parameter_name,
        Env.EVENT_BUS: resources.bus.event_bus_name,
        Env.ONCALL_TOPIC: resources.topics["OnCall"].topic_arn,
        # The operator creates this secret (docs/deploy.md); its id comes from the firm configuration.
        Env.PSEUDONYM_KEY_SECRET: pseudonym_secret_id,
    }
    if resources.prestate_key is not None:
        values[Env.PRESTATE_KEY_ID] = resources.prestate_key.key_arn
    if resources.reminder_group is not None and resources.reminder_role is not None:
        values[Env.REMINDER_GROUP] = resources.reminder_group
        values[Env.REMINDER_ROLE_ARN] = resources.reminder_role.role_arn
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
        acknowledge(
            self,
            "IAMNoInlinePolicy",
            "Every role's policy is its own: generated for that one role from the accesses its function or "
            "state machine declares (infra/fabric.py), never shared, created and deleted with the role. A "
            "customer managed policy per role would be the same document as a second, detachable resource. "
            "Policies meant for people are managed policies (OperatorPolicies, LedgerVerifier).",
            packs=(NIST_800_53_R5, PCI_DSS_321),
        )
        key = FabricKey(self, "Encryption", log_retention=settings.log_retention)
        key.allow_event_rules()
        key.allow_service_publishers()
        tables = FabricTables(self, "Tables", specs=fabric.TABLES, key=key.key)
        topics = FabricTopics(self, "Topics", names=fabric.TOPICS, key=key.key)
        dead_letters = DeadLetters(self, "DeadLetters", key=key.key)
        bus = FabricBus(
            self, "Events", bus_name=fabric.EVENT_BUS_NAME, partner_bus_name=settings.partner_event_bus_name
        )
        config = ConfigParameter(
            self, "Config", parameter_name=fabric.CONFIG_PARAMETER_NAME, config_file=settings.config_file
        )
        access_logs = AccessLogs(self, "AccessLogs")
        evidence = LedgerEvidence(
            self,
            "LedgerEvidence",
            bucket_spec=next(b for b in fabric.BUCKETS if b.name == "LedgerAnchors"),
            key_spec=next(k for k in fabric.SIGNING_KEYS if k.name == "LedgerSigning"),
            fabric_key=key.key,
            access_logs=access_logs,
        )
        buckets = {"LedgerAnchors": evidence.bucket}
        for bucket_spec in fabric.BUCKETS:
            if bucket_spec.name in buckets:
                continue
            if bucket_spec.object_lock_days is not None:
                raise ValueError(f"bucket {bucket_spec.name}: only the ledger anchors may use Object Lock")
            buckets[bucket_spec.name] = NotificationStore(
                self, bucket_spec.name, spec=bucket_spec, fabric_key=key.key, access_logs=access_logs
            ).bucket
        prestates = PreStateKey(self, "PreStateSealing")
        reminders = ReminderSchedules(self, "Reminders", topic=topics.topics["OnCall"], fabric_key=key)
        resources = FabricResources(
            key=key.key,
            tables=tables.tables,
            topics=topics.topics,
            bus=bus.bus,
            config=config.parameter,
            buckets=buckets,
            signing_keys={"LedgerSigning": evidence.signing_key},
            prestate_key=prestates.key,
            reminder_group=reminders.group_name,
            reminder_role=reminders.role,
            customer_data_buckets=tuple(
                sorted({b for store in config.config.stores for b in store.customer_data_buckets})
            ),
        )
        values = setting_values(
            resources,
            {n: t.table_name for n, t in tables.tables.items()},
            config.parameter.parameter_name,
            config.config.notices.pseudonym_key_secret_id,
        )
        # Scheduled drills start the Response machine by its fixed name (the machines are built after the functions).
        values[Env.RESPONSE_STATE_MACHINE] = self.format_arn(
            service="states",
            resource="stateMachine",
            resource_name=RESPONSE_STATE_MACHINE_NAME,
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )

        factory = FunctionFactory(
            self,
            "Functions",
            code_path=settings.code_path,
            layer_path=settings.layer_path,
            fabric_key=key,
            powertools_layer_version=settings.powertools_layer_version,
        )
        # Functions invoked asynchronously (EventBridge rules, SNS) get the dead-letter queue.
        invoked_async = {route.target for route in ROUTES if route.target_kind == "function"}
        invoked_async |= {name for name in FEEDBACK_SUBSCRIBERS if any(f.name == name for f in fabric.FUNCTIONS)}
        for spec in fabric.FUNCTIONS:
            factory.build(
                spec,
                environment=environment_for(spec, values),
                statements=statements(self, spec.access, resources),
                async_dead_letters=dead_letters.queue if spec.name in invoked_async else None,
            )
            role = factory.roles[spec.name]
            reasons = acknowledgements(spec.access, resources)
            reasons.setdefault("IAM5[Resource::*]", []).insert(0, XRAY_REASON)
            for finding, why in reasons.items():
                acknowledge(role, finding, " ".join(why))

        machines = {
            spec.name: ResponseStateMachine(
                self,
                spec.name,
                spec=spec,
                functions=factory.functions,
                topics=topics.topics,
                fabric_key=key,
                buckets=buckets,
            )
            for spec in fabric.STATE_MACHINES
        }

        for route in ROUTES:
            bus.route(
                route,
                functions=factory.functions,
                state_machines={n: m.state_machine for n, m in machines.items()},
                dead_letters=dead_letters.queue,
            )

        api = WebhookApi(self, "Webhooks", routes=fabric.HTTP_ROUTES, functions=factory.functions, fabric_key=key)
        schedules = FabricSchedules(
            self,
            "Schedules",
            specs=fabric.SCHEDULES,
            functions=factory.functions,
            dead_letters=dead_letters.queue,
            fabric_key=key,
        )
        feedback = self._notification_feedback(
            topics.topics, factory.functions, config.config.notices.configuration_set
        )
        verifier = evidence.verifier_policy(self, ledger=tables.tables["Ledger"], fabric_key=key.key)
        acknowledge(
            verifier,
            objects_finding(evidence.bucket, "anchors/*"),
            "Verifying an incident reads every anchor object under anchors/<incident>/, named by milestone "
            "and sequence number as they are written, so reads are granted on the anchors/ prefix of the one "
            "Object Lock bucket; the policy holds no write, delete or kms:Sign.",
        )
        operators = OperatorPolicies(self, "OperatorPolicies", specs=fabric.OPERATORS, resources=resources)
        view = OnCallView(
            self,
            "OnCall",
            topic=topics.topics["OnCall"],
            state_machines={n: m.state_machine for n, m in machines.items()},
            api=api.api,
            dead_letters=dead_letters.queue,
            store_ids=[store.store_id for store in config.config.stores],
            alarm_specs=fabric.ALARMS,
            functions=factory.functions,
            schedules=fabric.SCHEDULES,
            gate_store_ids=[s.store_id for s in config.config.stores if s.platform is Platform.ADOBE_COMMERCE],
            figures_log_group=factory.functions["SweepClocks"].log_group.log_group_name,
        )

        self._outputs(
            api=api,
            bus=bus,
            config=config,
            dead_letters=dead_letters,
            tables=tables,
            topics=topics,
            machines=machines,
            buckets=buckets,
            extra={
                "AccessLogsBucketName": access_logs.bucket.bucket_name,
                "LedgerSigningKeyArn": evidence.signing_key.key_arn,
                "PreStateKeyArn": prestates.key.key_arn,
                "ReminderScheduleGroup": reminders.group_name,
                "OperationsScheduleGroup": str(schedules.group.name),
                "LedgerVerifierPolicyArn": verifier.managed_policy_arn,
                **{f"{n}OperatorPolicyArn": p.managed_policy_arn for n, p in operators.policies.items()},
                "NotificationConfigurationSet": feedback,
                "DashboardName": view.dashboard.dashboard_name,
            },
        )

    def _outputs(
        self,
        *,
        api: WebhookApi,
        bus: FabricBus,
        config: ConfigParameter,
        dead_letters: DeadLetters,
        tables: FabricTables,
        topics: FabricTopics,
        machines: Mapping[str, ResponseStateMachine],
        buckets: Mapping[str, Any],
        extra: Mapping[str, str],
    ) -> None:
        """What an operator needs after `cdk deploy` (docs/deploy.md names each one)."""
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
        for name, bucket in buckets.items():
            CfnOutput(self, f"{name}BucketName", value=bucket.bucket_name)
        for name, value in extra.items():
            CfnOutput(self, name, value=value)

    def _notification_feedback(
        self, topics: Mapping[str, Any], functions: Mapping[str, Any], configuration_set_name: str
    ) -> str:
        """SES's configuration set publishes bounces, complaints and deliveries to NotificationFeedback."""
        topic = topics["NotificationFeedback"]
        configuration_set = ses.ConfigurationSet(
            self, "NoticesConfigurationSet", configuration_set_name=configuration_set_name
        )
        configuration_set.add_event_destination(
            "Feedback", destination=ses.EventDestination.sns_topic(topic), events=list(FEEDBACK_EVENTS)
        )
        topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="SesPublishesFeedback",
                principals=[iam.ServicePrincipal("ses.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[topic.topic_arn],
                conditions={"StringEquals": {"aws:SourceAccount": self.account}},
            )
        )
        topics["OnCall"].add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchAlarmsPage",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[topics["OnCall"].topic_arn],
                conditions={"StringEquals": {"aws:SourceAccount": self.account}},
            )
        )
        for name in FEEDBACK_SUBSCRIBERS:
            if name in functions:
                subscription = topic.add_subscription(subscriptions.LambdaSubscription(functions[name]))
                acknowledge(
                    subscription,
                    "SNSRedrivePolicy",
                    "SNS hands the feedback to Lambda asynchronously; Lambda accepts it and its own async "
                    "retries and dead-letter queue (DeadLetterConfig on the subscriber) keep what fails. SNS "
                    "retries a delivery Lambda refuses (throttling) for up to 23 days by its default policy.",
                    packs=(SERVERLESS,),
                )
        return configuration_set_name
