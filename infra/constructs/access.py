"""Each `Access` a function declares in `infra/fabric.py`, as the narrowest IAM statements.

An access becomes one or more grants: a resource (or a few), only the API calls the adapters make,
the fabric-key actions the encrypted resource implies, and a condition where IAM offers one that
narrows further (the pre-state key's encryption context, the secrets a firm tagged for rotation,
the service a role may be passed to). The ledger is append-only (PutItem with a condition, Query),
so no role can update or delete an entry; the approvals table is the only one a role may delete
from. Where a pattern or `*` is the narrowest IAM allows, `acknowledgements` says why, once, on
the role that holds it.
"""

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aws_cdk import ArnFormat, Aws, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_ssm as ssm

from infra.constructs.encryption import DECRYPT, ENCRYPT_DECRYPT
from infra.fabric import Access

# Every secret Bulkhead reads lives under this prefix (store secrets named in the configuration).
SECRETS_PREFIX = "bulkhead/"
# Containment may rotate only secrets the firm tagged for it (any name: a leaked secret is rarely Bulkhead's).
ROTATION_TAG = ("bulkhead:containment", "rotate")
# Containment may add addresses only to the firm's WAF IP sets named with this prefix.
IP_SET_PREFIX = "bulkhead-"

# Table accesses: access -> (fabric table, DynamoDB actions, actions on the fabric key they imply).
# Only the calls the adapters make; the ledger and the clocks are never updated or deleted.
TABLE_ACCESS: dict[Access, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    Access.LEDGER_APPEND: ("Ledger", ("dynamodb:PutItem", "dynamodb:Query"), ENCRYPT_DECRYPT),
    # The chain is read by incident (Query); no code reads a single entry by key.
    Access.LEDGER_READ: ("Ledger", ("dynamodb:Query",), DECRYPT),
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
    # Containment pre-states: written once (conditional Put), read back; sealed with the pre-state key.
    Access.PRESTATES_WRITE: ("PreStates", ("dynamodb:PutItem", "dynamodb:GetItem"), ENCRYPT_DECRYPT),
    Access.PRESTATES_READ: ("PreStates", ("dynamodb:GetItem",), DECRYPT),
    # Exactly-once notices: claim (conditional Put), confirm/fail (Update), release (conditional Delete), read.
    Access.DELIVERIES_WRITE: (
        "NotificationDeliveries",
        ("dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"),
        ENCRYPT_DECRYPT,
    ),
}
EMAIL_SEND_ACTIONS = ("ses:CreateTemplate", "ses:GetSendQuota", "ses:SendBulkTemplatedEmail", "ses:UpdateTemplate")
SMS_SEND_ACTIONS = ("sns:GetSMSAttributes", "sns:Publish")
# Task-token callbacks: the Service Authorization Reference lists no resource type for these.
DECIDE_ACTIONS = ("states:SendTaskFailure", "states:SendTaskSuccess")
WAF_ACTIONS = ("wafv2:GetIPSet", "wafv2:UpdateIPSet")
ROTATION_ACTIONS = (
    "secretsmanager:DescribeSecret",
    "secretsmanager:ListSecretVersionIds",
    "secretsmanager:PutSecretValue",
    "secretsmanager:RotateSecret",
    "secretsmanager:UpdateSecretVersionStage",
)
# S3's IAM actions for Get/Put/DeletePublicAccessBlock (Delete is authorised as Put).
BUCKET_BLOCK_ACTIONS = ("s3:GetBucketPublicAccessBlock", "s3:PutBucketPublicAccessBlock")
SCHEDULE_ACTIONS = ("scheduler:CreateSchedule", "scheduler:DeleteSchedule")
ANCHOR_READ_ACTIONS = ("s3:GetObject", "s3:GetObjectVersion")
RESPONSE_STATE_MACHINE_NAME = "bulkhead-Response"  # infra/constructs/state_machines.py names it so
ESCALATION_STATE_MACHINE_NAME = "bulkhead-Escalation"
# The pre-state vault binds every data key to its row: {"incident_id", "action_id"} is the whole context.
PRESTATE_CONTEXT: dict[str, Mapping[str, Any]] = {
    "ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["action_id", "incident_id"]},
    "Null": {"kms:EncryptionContextKeys": "false"},
}

# How cdk-nag prints each pattern below in its IAM5 finding.
SECRETS_FINDING = (
    f"IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:{SECRETS_PREFIX}*]"
)
ROTATION_FINDING = "IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:*]"
WAF_REGIONAL_FINDING = (
    f"IAM5[Resource::arn:<AWS::Partition>:wafv2:<AWS::Region>:<AWS::AccountId>:regional/ipset/{IP_SET_PREFIX}*/*]"
)
WAF_GLOBAL_FINDING = (
    f"IAM5[Resource::arn:<AWS::Partition>:wafv2:us-east-1:<AWS::AccountId>:global/ipset/{IP_SET_PREFIX}*/*]"
)
STAR_FINDING = "IAM5[Resource::*]"
# Writes that take no resource narrower than `*` are held to this stack's region at least.
IN_THIS_REGION: dict[str, Mapping[str, Any]] = {"StringEquals": {"aws:RequestedRegion": Aws.REGION}}


@dataclass(frozen=True)
class Grant:
    """Actions on resources (optionally under a condition), and the fabric-key actions they imply."""

    sid: str
    resources: tuple[str, ...]
    actions: tuple[str, ...]
    on_fabric_key: tuple[str, ...] = ()
    conditions: Mapping[str, Mapping[str, Any]] | None = None


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
    prestate_key: kms.IKey | None = None  # seals containment pre-states (data keys, AES-256-GCM)
    reminder_group: str | None = None  # the Scheduler group clock reminders are created in
    reminder_role: iam.IRole | None = None  # the role those schedules publish with
    customer_data_buckets: tuple[str, ...] = ()  # from the firm configuration: what containment may block


def objects_finding(bucket: s3.IBucket, pattern: str) -> str:
    """How cdk-nag prints `bucket.arn_for_objects(pattern)`: by the bucket's logical id."""
    logical_id = Stack.of(bucket).get_logical_id(bucket.node.default_child)  # type: ignore[arg-type]
    return f"IAM5[Resource::<{logical_id}.Arn>/{pattern}]"


def secrets_arn(stack: Stack, name: str = f"{SECRETS_PREFIX}*") -> str:
    """The ARN pattern of secrets; Secrets Manager appends a random suffix to each secret's ARN."""
    return stack.format_arn(
        service="secretsmanager", resource="secret", resource_name=name, arn_format=ArnFormat.COLON_RESOURCE_NAME
    )


def ip_set_arns() -> tuple[str, ...]:
    """The firm's IP sets: regional ones in this region, CloudFront ones (WAF scope global) in us-east-1."""
    return (
        f"arn:{Aws.PARTITION}:wafv2:{Aws.REGION}:{Aws.ACCOUNT_ID}:regional/ipset/{IP_SET_PREFIX}*/*",
        f"arn:{Aws.PARTITION}:wafv2:us-east-1:{Aws.ACCOUNT_ID}:global/ipset/{IP_SET_PREFIX}*/*",
    )


def grants_by_access(stack: Stack, resources: FabricResources) -> dict[Access, list[Grant]]:
    """Every access this fabric can grant; an access whose resource is not in the stack is absent."""
    oncall = resources.topics["OnCall"].topic_arn
    rules: dict[Access, list[Grant]] = {
        Access.CONFIG_READ: [Grant("ReadConfiguration", (resources.config.parameter_arn,), ("ssm:GetParameter",))],
        Access.SECRETS_READ: [Grant("ReadStoreSecrets", (secrets_arn(stack),), ("secretsmanager:GetSecretValue",))],
        Access.BUS_PUT: [Grant("PutOnBus", (resources.bus.event_bus_arn,), ("events:PutEvents",))],
        # The topic is encrypted with the fabric key, so publishing needs the key too.
        Access.ONCALL_PUBLISH: [Grant("PageOnCall", (oncall,), ("sns:Publish",), ENCRYPT_DECRYPT)],
        Access.EMAIL_SEND: [Grant("SendNotices", ("*",), EMAIL_SEND_ACTIONS, conditions=IN_THIS_REGION)],
        Access.HEALTH_READ: [
            Grant("ReadSesAccount", ("*",), ("ses:GetIdentityVerificationAttributes", "ses:GetSendQuota")),
            Grant("ReadOnCallSubscriptions", (oncall,), ("sns:ListSubscriptionsByTopic",)),
        ],
        Access.SMS_SEND: [Grant("SendNotices", ("*",), SMS_SEND_ACTIONS, conditions=IN_THIS_REGION)],
        Access.APPROVALS_DECIDE: [Grant("ResumeWaitingResponse", ("*",), DECIDE_ACTIONS, conditions=IN_THIS_REGION)],
    }
    for item, (table, actions, on_key) in TABLE_ACCESS.items():
        if table in resources.tables:
            rules[item] = [Grant(f"{table}Table", (resources.tables[table].table_arn,), actions, on_key)]
    # Ledger anchors: sign a head with the ledger key; write it once under anchors/ (bucket uses the fabric key).
    if "LedgerSigning" in resources.signing_keys:
        signing = resources.signing_keys["LedgerSigning"].key_arn
        rules[Access.LEDGER_SIGN] = [Grant("SignLedgerHeads", (signing,), ("kms:GetPublicKey", "kms:Sign"))]
        # Verifying pins the deployment's public key and checks each head with it, never calling Sign.
        rules[Access.LEDGER_VERIFY] = [Grant("VerifyLedgerHeads", (signing,), ("kms:GetPublicKey",))]
    if "LedgerAnchors" in resources.buckets:
        anchors = resources.buckets["LedgerAnchors"].arn_for_objects("anchors/*")
        rules[Access.LEDGER_ANCHOR] = [Grant("WriteLedgerAnchors", (anchors,), ("s3:PutObject",), ENCRYPT_DECRYPT)]
    if "LedgerAnchors" in resources.buckets:  # verifying reads every version of every anchor of an incident
        bucket = resources.buckets["LedgerAnchors"]
        rules[Access.LEDGER_ANCHORS_READ] = [
            Grant("ListLedgerAnchors", (bucket.bucket_arn,), ("s3:ListBucketVersions",), DECRYPT),
            Grant("ReadLedgerAnchors", (bucket.arn_for_objects("anchors/*"),), ANCHOR_READ_ACTIONS, DECRYPT),
        ]
    # Scheduled drills start the Response machine, named by its fixed name (no reference, no cycle).
    response = stack.format_arn(
        service="states",
        resource="stateMachine",
        resource_name=RESPONSE_STATE_MACHINE_NAME,
        arn_format=ArnFormat.COLON_RESOURCE_NAME,
    )
    rules[Access.RESPONSE_START] = [Grant("StartDrillExecutions", (response,), ("states:StartExecution",))]
    # `incident escalate` starts the Escalation machine on what the escalation adds, by its fixed name.
    escalation = stack.format_arn(
        service="states",
        resource="stateMachine",
        resource_name=ESCALATION_STATE_MACHINE_NAME,
        arn_format=ArnFormat.COLON_RESOURCE_NAME,
    )
    rules[Access.ESCALATION_START] = [Grant("StartEscalations", (escalation,), ("states:StartExecution",))]
    if "Notifications" in resources.buckets:  # rosters and regulator drafts, encrypted with the fabric key
        notices = resources.buckets["Notifications"].arn_for_objects("*")
        rules[Access.NOTICES_WRITE] = [Grant("NotificationObjects", (notices,), ("s3:PutObject",), ENCRYPT_DECRYPT)]
        rules[Access.NOTICES_READ] = [Grant("NotificationObjects", (notices,), ("s3:GetObject",), DECRYPT)]
    if resources.prestate_key is not None:
        sealing = (resources.prestate_key.key_arn,)
        write, read = rules.get(Access.PRESTATES_WRITE, []), rules.get(Access.PRESTATES_READ, [])
        rules[Access.PRESTATES_WRITE] = [
            *write,
            Grant("SealPreStates", sealing, ("kms:Decrypt", "kms:GenerateDataKey"), conditions=PRESTATE_CONTEXT),
        ]
        rules[Access.PRESTATES_READ] = [
            *read,
            Grant("SealPreStates", sealing, ("kms:Decrypt",), conditions=PRESTATE_CONTEXT),
        ]
    if resources.reminder_group is not None and resources.reminder_role is not None:
        schedules = stack.format_arn(
            service="scheduler", resource="schedule", resource_name=f"{resources.reminder_group}/*"
        )
        rules[Access.REMINDERS_SCHEDULE] = [
            Grant("ScheduleClockReminders", (schedules,), SCHEDULE_ACTIONS),
            Grant(
                "PassReminderRole",
                (resources.reminder_role.role_arn,),
                ("iam:PassRole",),
                conditions={"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}},
            ),
        ]
    contain = [
        Grant("BlockAddressesInFirmIpSets", ip_set_arns(), WAF_ACTIONS),
        Grant(
            "RotateSecretsTaggedForContainment",
            (secrets_arn(stack, "*"),),
            ROTATION_ACTIONS,
            conditions={"StringEquals": {f"aws:ResourceTag/{ROTATION_TAG[0]}": ROTATION_TAG[1]}},
        ),
    ]
    if resources.customer_data_buckets:
        buckets = tuple(f"arn:{Aws.PARTITION}:s3:::{name}" for name in resources.customer_data_buckets)
        contain.append(Grant("BlockPublicAccessToCustomerData", buckets, BUCKET_BLOCK_ACTIONS))
    rules[Access.CONTAIN_AWS] = contain
    return rules


def statements(stack: Stack, access: Iterable[Access], resources: FabricResources) -> list[iam.PolicyStatement]:
    """The statements for a set of accesses, merged per resource and condition so each role reads plainly."""
    rules = grants_by_access(stack, resources)
    merged: dict[tuple[tuple[str, ...], str], tuple[str, list[str], Mapping[str, Any] | None]] = {}
    key_actions: set[str] = set()
    for item in access:
        if item not in rules:
            raise ValueError(f"no IAM mapping for access {item!r}: add one to infra/constructs/access.py")
        for grant in rules[item]:
            conditions = json.dumps(grant.conditions, sort_keys=True) if grant.conditions else ""
            known = merged.setdefault((grant.resources, conditions), (grant.sid, [], grant.conditions))[1]
            known.extend(a for a in grant.actions if a not in known)
            key_actions.update(grant.on_fabric_key)
    result = [
        iam.PolicyStatement(
            sid=sid, actions=sorted(actions), resources=list(resources_), conditions=dict(conditions or {}) or None
        )
        for (resources_, _), (sid, actions, conditions) in merged.items()
    ]
    if key_actions:
        result.append(
            iam.PolicyStatement(sid="UseFabricKey", actions=sorted(key_actions), resources=[resources.key.key_arn])
        )
    return result


def acknowledgements(access: Iterable[Access], resources: FabricResources) -> dict[str, list[str]]:
    """finding -> reasons: the resource patterns (or `*`) an access needs by nature, and why each is right."""
    held = set(access)
    found: dict[str, list[str]] = {}

    def add(finding: str, reason: str) -> None:
        found.setdefault(finding, []).append(reason)

    if Access.LEDGER_ANCHOR in held and "LedgerAnchors" in resources.buckets:
        add(
            objects_finding(resources.buckets["LedgerAnchors"], "anchors/*"),
            "Each signed chain head is a new object named by incident and sequence number, so the grant is "
            "PutObject under the anchors/ prefix of the one Object Lock bucket; objects there can be neither "
            "deleted nor overwritten (compliance mode), and no read or delete is granted.",
        )
    if Access.LEDGER_ANCHORS_READ in held and "LedgerAnchors" in resources.buckets:
        add(
            objects_finding(resources.buckets["LedgerAnchors"], "anchors/*"),
            "Scoring a drill verifies the incident's signed heads: it reads every anchor object (and version) "
            "under anchors/<incident>/, named by milestone and sequence number as they are written, so reads "
            "are granted on the anchors/ prefix of the one Object Lock bucket; no write or delete is granted.",
        )
    if held & {Access.NOTICES_WRITE, Access.NOTICES_READ} and "Notifications" in resources.buckets:
        add(
            objects_finding(resources.buckets["Notifications"], "*"),
            "Rosters and regulator drafts are objects named per incident (rosters/<incident>/batch-N.json, "
            "drafts/<incident>/...), created during the response, so the grant is object access in the one "
            "notification bucket; the bucket deletes rosters after 7 days and no delete is granted.",
        )
    if held & {Access.EMAIL_SEND, Access.SMS_SEND}:
        add(
            STAR_FINDING,
            "Customer breach notices: SES GetSendQuota and bulk templated sends to customer addresses, and SNS "
            "Publish to customer phone numbers, take no resource narrower than *; the role holds only these "
            "send actions, and the exactly-once table and drill sink bound what is sent.",
        )
    if Access.HEALTH_READ in held:
        add(
            STAR_FINDING,
            "The control-health canary reads the SES account: GetSendQuota and GetIdentityVerificationAttributes "
            "are account-level reads that take no resource narrower than *; nothing is sent or changed.",
        )
    if Access.APPROVALS_DECIDE in held:
        add(
            STAR_FINDING,
            "states:SendTaskSuccess and SendTaskFailure have no resource type or condition key in the Service "
            "Authorization Reference (the task token names the execution), so * is the only resource; the "
            "function sends only tokens stored by RequestApproval, after verifying a signed, expiring link.",
        )
    if Access.SECRETS_READ in held:
        add(
            SECRETS_FINDING,
            "Store secrets are named in the firm configuration (bulkhead/<store>/...) and Secrets Manager "
            "appends a random suffix to every secret ARN, so the grant is GetSecretValue on the bulkhead/ "
            "prefix of this account and region only; no other secret is readable.",
        )
    if Access.REMINDERS_SCHEDULE in held and resources.reminder_group is not None:
        add(
            "IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/"
            f"{resources.reminder_group}/*]",
            "Each regulatory clock reminder is a one-time schedule named by incident, regime and lead time, "
            "created while the response runs, so the grant is Create/DeleteSchedule in the one reminder "
            "group only; iam:PassRole is limited to the reminder role and to the Scheduler service.",
        )
    if Access.CONTAIN_AWS in held:
        for finding in (WAF_REGIONAL_FINDING, WAF_GLOBAL_FINDING):
            add(
                finding,
                "Blocking attacker addresses: the action targets the firm's WAF IP set named in the incident "
                f"(REGIONAL/<name>/<id>); IP set ids are generated by WAF, so the grant is Get/UpdateIPSet on "
                f"IP sets named {IP_SET_PREFIX}* in this account (regional here, CloudFront in us-east-1), "
                "never web ACLs or rules.",
            )
        add(
            ROTATION_FINDING,
            "Rotating a leaked secret: the leaked secret can have any name, so the grant is the rotation calls "
            f"on secrets of this account and region that carry the tag {ROTATION_TAG[0]}={ROTATION_TAG[1]} "
            "(aws:ResourceTag condition); untagged secrets cannot be read, rotated or restaged, and "
            "GetSecretValue is not granted.",
        )
    return found
