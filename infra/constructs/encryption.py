"""The fabric's one customer-managed KMS key, and the log groups it encrypts.

Tables, topics, dead-letter queues and log groups share one key (rotation on) so an operator can
revoke or audit the fabric's data at rest in one place. Services that encrypt on their own
behalf (CloudWatch Logs, EventBridge delivering to an encrypted queue) are allowed in the key
policy, scoped by encryption context or source ARN; roles that read or write encrypted data get
their `kms:` actions from `infra/constructs/access.py`, never from the key policy.
"""

from aws_cdk import Aws, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

# What CloudWatch Logs needs to encrypt and read back a log group's events.
_LOGS_ACTIONS = (
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:DescribeKey",
)
# Data-plane actions a role needs to use data that this key encrypts.
DECRYPT = ("kms:Decrypt",)
ENCRYPT_DECRYPT = ("kms:Decrypt", "kms:GenerateDataKey")


class FabricKey(Construct):
    """One CMK for the fabric's data at rest, with log groups created already encrypted by it."""

    def __init__(self, scope: Construct, construct_id: str, *, log_retention: logs.RetentionDays) -> None:
        super().__init__(scope, construct_id)
        self.log_retention = log_retention
        self.key = kms.Key(
            self,
            "Key",
            alias="alias/bulkhead",
            description="Bulkhead: tables, topics, dead letters and logs",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        log_groups_arn = f"arn:{Aws.PARTITION}:logs:{Aws.REGION}:{Aws.ACCOUNT_ID}:log-group:*"
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchLogsEncryptsThisAccountsLogGroups",
                principals=[iam.ServicePrincipal(f"logs.{Aws.REGION}.amazonaws.com")],
                actions=list(_LOGS_ACTIONS),
                resources=["*"],  # in a key policy, "*" means this key
                conditions={"ArnLike": {"kms:EncryptionContext:aws:logs:arn": log_groups_arn}},
            )
        )

    def allow_event_rules(self) -> None:
        """Let this account's EventBridge rules put undeliverable events into an encrypted queue.

        Scoped to rules of this account and region, on any bus: the fabric's routes also listen on
        the default bus (AWS findings) and the Shopify partner bus, whose rule ARNs differ.
        """
        rules_arn = f"arn:{Aws.PARTITION}:events:{Aws.REGION}:{Aws.ACCOUNT_ID}:rule/*"
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="EventBridgeRulesWriteDeadLetters",
                principals=[iam.ServicePrincipal("events.amazonaws.com")],
                actions=list(ENCRYPT_DECRYPT),
                resources=["*"],
                conditions={"ArnLike": {"aws:SourceArn": rules_arn}},
            )
        )

    def allow_service_publishers(self) -> None:
        """Let CloudWatch alarms (to OnCall) and SES event publishing (to NotificationFeedback) use the key.

        Both publish to topics this key encrypts, as services, so the key policy must allow them;
        scoped to this account's alarms and configuration sets.
        """
        for sid, service, source in (
            (
                "CloudWatchAlarmsPublishToTopics",
                "cloudwatch.amazonaws.com",
                f"cloudwatch:{Aws.REGION}:{Aws.ACCOUNT_ID}:alarm:*",
            ),
            ("SesEventsPublishToTopics", "ses.amazonaws.com", f"ses:{Aws.REGION}:{Aws.ACCOUNT_ID}:configuration-set/*"),
        ):
            self.key.add_to_resource_policy(
                iam.PolicyStatement(
                    sid=sid,
                    principals=[iam.ServicePrincipal(service)],
                    actions=list(ENCRYPT_DECRYPT),
                    resources=["*"],
                    conditions={
                        "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
                        "ArnLike": {"aws:SourceArn": f"arn:{Aws.PARTITION}:{source}"},
                    },
                )
            )

    def log_group(self, scope: Construct, construct_id: str) -> logs.LogGroup:
        """A log group encrypted by the fabric key, with the fabric's retention."""
        return logs.LogGroup(
            scope,
            construct_id,
            encryption_key=self.key,
            retention=self.log_retention,
            removal_policy=RemovalPolicy.RETAIN,
        )
