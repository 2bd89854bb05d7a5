"""Each `Access` a function declares in `infra/fabric.py`, as the narrowest IAM statements.

Every statement names one resource of this fabric and only the API calls the adapters make: the
ledger is append-only (PutItem with a condition, Query), so no role can update or delete an
entry; the approvals table is the only one a role may delete from.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_ssm as ssm
from constructs import IConstruct

from infra.constructs.encryption import DECRYPT, ENCRYPT_DECRYPT
from infra.constructs.nag import acknowledge
from infra.fabric import Access

# Every secret Bulkhead reads lives under this prefix (store secrets named in the configuration).
SECRETS_PREFIX = "bulkhead/"

# Table accesses: access -> (fabric table, DynamoDB actions, actions on the fabric key they imply).
# Only the calls the adapters make; the ledger and the clocks are never updated or deleted.
TABLE_ACCESS: dict[Access, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    Access.LEDGER_APPEND: ("Ledger", ("dynamodb:PutItem", "dynamodb:Query"), ENCRYPT_DECRYPT),
    Access.LEDGER_READ: ("Ledger", ("dynamodb:GetItem", "dynamodb:Query"), DECRYPT),
    Access.CONTROLS_WRITE: ("Controls", ("dynamodb:PutItem",), ENCRYPT_DECRYPT),
    Access.CONTROLS_READ: ("Controls", ("dynamodb:GetItem",), DECRYPT),
    Access.APPROVALS_WRITE: (
        "Approvals",
        ("dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:DeleteItem"),
        ENCRYPT_DECRYPT,
    ),
    Access.CLOCKS_WRITE: ("Clocks", ("dynamodb:PutItem", "dynamodb:Query", "dynamodb:Scan"), ENCRYPT_DECRYPT),
    # Powertools idempotency: claim (conditional Put), complete (Update), read, release on failure (Delete).
    Access.IDEMPOTENCY: (
        "Idempotency",
        ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"),
        ENCRYPT_DECRYPT,
    ),
    Access.DISPOSITIONS_WRITE: ("Dispositions", ("dynamodb:UpdateItem",), ENCRYPT_DECRYPT),
    Access.DISPOSITIONS_READ: ("Dispositions", ("dynamodb:Query",), DECRYPT),
    # Containment pre-states: written once (conditional Put), read back; sealed with data keys of the fabric key.
    Access.PRESTATES_WRITE: ("PreStates", ("dynamodb:PutItem", "dynamodb:GetItem"), ENCRYPT_DECRYPT),
    Access.PRESTATES_READ: ("PreStates", ("dynamodb:GetItem",), DECRYPT),
    # Exactly-once notices: claim (conditional Put), confirm/fail (Update), release (conditional Delete), read.
    Access.DELIVERIES_WRITE: (
        "NotificationDeliveries",
        ("dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"),
        ENCRYPT_DECRYPT,
    ),
}
# SES's GetSendQuota and SNS's Publish to a phone number accept no narrower resource than "*".
SEND_FINDING = "IAM5[Resource::*]"
EMAIL_SEND_ACTIONS = ("ses:CreateTemplate", "ses:GetSendQuota", "ses:SendBulkTemplatedEmail", "ses:UpdateTemplate")
SMS_SEND_ACTIONS = ("sns:GetSMSAttributes", "sns:Publish")


# How cdk-nag prints the secrets pattern (secrets_arn below) in its IAM5 finding.
SECRETS_FINDING = (
    f"IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:{SECRETS_PREFIX}*]"
)


# How cdk-nag prints the anchors prefix (LEDGER_ANCHOR below) in its IAM5 finding.
ANCHORS_FINDING = "IAM5[Resource::<LedgerEvidenceLedgerAnchors7B32943A.Arn>/anchors/*]"


@dataclass(frozen=True)
class FabricResources:
    """The resources an `Access` can name."""

    key: kms.IKey
    tables: Mapping[str, dynamodb.ITable]  # fabric table name -> table
    topics: Mapping[str, sns.ITopic]  # fabric topic name -> topic
    bus: events.IEventBus
    config: ssm.IStringParameter
    buckets: Mapping[str, s3.IBucket] = field(default_factory=dict)  # fabric bucket name -> bucket
    signing_keys: Mapping[str, kms.IKey] = field(default_factory=dict)  # fabric signing key name -> key


def secrets_arn(stack: Stack) -> str:
    """The ARN pattern of Bulkhead's secrets; Secrets Manager appends a random suffix to each."""
    return stack.format_arn(
        service="secretsmanager",
        resource="secret",
        resource_name=f"{SECRETS_PREFIX}*",
        arn_format=ArnFormat.COLON_RESOURCE_NAME,
    )


def statements(stack: Stack, access: Iterable[Access], resources: FabricResources) -> list[iam.PolicyStatement]:
    """The statements for a set of accesses, merged per resource so each role reads plainly."""
    # access -> (statement id, resource, actions on it, actions on the fabric key it implies)
    rules: dict[Access, tuple[str, str, tuple[str, ...], tuple[str, ...]]] = {
        Access.CONFIG_READ: ("ReadConfiguration", resources.config.parameter_arn, ("ssm:GetParameter",), ()),
        Access.SECRETS_READ: ("ReadStoreSecrets", secrets_arn(stack), ("secretsmanager:GetSecretValue",), ()),
        Access.BUS_PUT: ("PutOnBus", resources.bus.event_bus_arn, ("events:PutEvents",), ()),
        # The topic is encrypted with the fabric key, so publishing needs the key too.
        Access.ONCALL_PUBLISH: (
            "PageOnCall",
            resources.topics["OnCall"].topic_arn,
            ("sns:Publish",),
            ENCRYPT_DECRYPT,
        ),
    }
    # Ledger anchors: sign a head with the ledger key; write it once under anchors/ (bucket uses the fabric key).
    if "LedgerSigning" in resources.signing_keys:
        signing = resources.signing_keys["LedgerSigning"].key_arn
        rules[Access.LEDGER_SIGN] = ("SignLedgerHeads", signing, ("kms:GetPublicKey", "kms:Sign"), ())
    if "LedgerAnchors" in resources.buckets:
        anchors = resources.buckets["LedgerAnchors"].arn_for_objects("anchors/*")
        rules[Access.LEDGER_ANCHOR] = ("WriteLedgerAnchors", anchors, ("s3:PutObject",), ENCRYPT_DECRYPT)
    if "Notifications" in resources.buckets:  # rosters and regulator drafts, encrypted with the fabric key
        notices = resources.buckets["Notifications"].arn_for_objects("*")
        rules[Access.NOTICES_WRITE] = ("NotificationObjects", notices, ("s3:PutObject",), ENCRYPT_DECRYPT)
        rules[Access.NOTICES_READ] = ("NotificationObjects", notices, ("s3:GetObject",), DECRYPT)
    rules[Access.EMAIL_SEND] = ("SendNotices", "*", EMAIL_SEND_ACTIONS, ())
    rules[Access.SMS_SEND] = ("SendNotices", "*", SMS_SEND_ACTIONS, ())
    for item, (table, actions, on_key) in TABLE_ACCESS.items():
        if table in resources.tables:
            rules[item] = (f"{table}Table", resources.tables[table].table_arn, actions, on_key)
    by_resource: dict[str, tuple[str, list[str]]] = {}
    key_actions: set[str] = set()
    for item in access:
        if item not in rules:
            raise ValueError(f"no IAM mapping for access {item!r}: add one to infra/constructs/access.py")
        sid, resource, actions, on_key = rules[item]
        known = by_resource.setdefault(resource, (sid, []))[1]
        known.extend(a for a in actions if a not in known)
        key_actions.update(on_key)
    result = [
        iam.PolicyStatement(sid=sid, actions=sorted(actions), resources=[resource])
        for resource, (sid, actions) in by_resource.items()
    ]
    if key_actions:
        result.append(
            iam.PolicyStatement(sid="UseFabricKey", actions=sorted(key_actions), resources=[resources.key.key_arn])
        )
    return result


def acknowledge_patterns(role: IConstruct, access: Iterable[Access]) -> None:
    """Acknowledge the one resource pattern an access needs by nature, on the role that holds it."""
    if Access.LEDGER_ANCHOR in access:
        acknowledge(
            role,
            ANCHORS_FINDING,
            "Each signed chain head is a new object named by incident and sequence number, so the grant is "
            "PutObject under the anchors/ prefix of the one Object Lock bucket; objects there can be neither "
            "deleted nor overwritten (compliance mode), and no read or delete is granted.",
        )
    if Access.EMAIL_SEND in access or Access.SMS_SEND in access:
        acknowledge(
            role,
            SEND_FINDING,
            "Customer breach notices: SES GetSendQuota and bulk templated sends to customer addresses, and SNS "
            "Publish to customer phone numbers, take no resource narrower than *; the role holds only these "
            "send actions, and the exactly-once table and drill sink bound what is sent.",
        )
    if Access.SECRETS_READ in access:
        acknowledge(
            role,
            SECRETS_FINDING,
            "Store secrets are named in the firm configuration (bulkhead/<store>/...) and Secrets Manager "
            "appends a random suffix to every secret ARN, so the grant is GetSecretValue on the bulkhead/ "
            "prefix of this account and region only; no other secret is readable.",
        )
