"""The fabric as data: functions, tables, topics, state machines and routes.

The CDK stack and the local runtime are both built from this module, so what runs on a laptop is
what deploys. It imports no CDK and calls no AWS.
"""

from dataclasses import dataclass, field
from enum import StrEnum

from functions.common.settings import Env


class Access(StrEnum):
    """What a function may do; the stack turns each into the narrowest IAM statement."""

    CONFIG_READ = "config:read"
    SECRETS_READ = "secrets:read"
    BUS_PUT = "bus:put"
    LEDGER_APPEND = "ledger:append"  # PutItem (conditional) + Query; never Update or Delete
    LEDGER_READ = "ledger:read"  # Query by incident
    CONTROLS_WRITE = "controls:write"
    CONTROLS_READ = "controls:read"
    APPROVALS_WRITE = "approvals:write"
    ONCALL_PUBLISH = "oncall:publish"
    # PutItem (conditional) + GetItem on the pre-state table; GenerateDataKey/Decrypt on its key
    PRESTATES_WRITE = "prestates:write"
    PRESTATES_READ = "prestates:read"  # GetItem on the pre-state table; Decrypt
    CONTAIN_AWS = "contain:aws"  # wafv2 Get/UpdateIPSet, secretsmanager rotation, s3 Get/Put/DeletePublicAccessBlock
    CLOCKS_WRITE = "clocks:write"  # Put (conditional), Query, Scan on the clocks table; never Delete
    REMINDERS_SCHEDULE = "reminders:schedule"  # Create/DeleteSchedule in the reminder group + PassRole to its role
    APPROVALS_DECIDE = "approvals:decide"  # SendTaskSuccess / SendTaskFailure with a stored task token
    IDEMPOTENCY = "idempotency:use"  # Get/Put/Update/DeleteItem on the idempotency table (Powertools)
    DISPOSITIONS_WRITE = "dispositions:write"  # UpdateItem (counters) on the dispositions table
    DISPOSITIONS_READ = "dispositions:read"  # Query by day, for auditors
    NOTICES_WRITE = "notices:write"  # PutObject under rosters/ and drafts/ in the notification bucket
    NOTICES_READ = "notices:read"  # GetObject under rosters/ (and the state machine's ItemReader)
    DELIVERIES_WRITE = "deliveries:write"  # Put/Update/Delete/GetItem (conditional) on the deliveries table
    EMAIL_SEND = "email:send"  # ses:SendBulkTemplatedEmail, Create/UpdateTemplate, GetSendQuota
    SMS_SEND = "sms:send"  # sns:Publish to phone numbers, sns:GetSMSAttributes
    LEDGER_SIGN = "ledger:sign"  # kms:Sign + GetPublicKey on the ledger signing key
    LEDGER_ANCHOR = "ledger:anchor"  # PutObject (write-once) under anchors/ in the Object Lock bucket
    HEALTH_READ = "health:read"  # SES GetSendQuota + GetIdentityVerificationAttributes; ListSubscriptionsByTopic
    RESPONSE_START = "response:start"  # states:StartExecution on the Response state machine (scheduled drills)
    ESCALATION_START = "escalation:start"  # states:StartExecution on the Escalation state machine (`incident escalate`)
    LEDGER_VERIFY = "ledger:verify"  # kms:GetPublicKey on the ledger signing key (heads are checked locally)
    LEDGER_ANCHORS_READ = "ledger:anchors-read"  # ListBucketVersions + GetObject(Version) under anchors/ (verify)


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    handler: str
    description: str
    settings: tuple[Env, ...]
    access: tuple[Access, ...]
    timeout_seconds: int = 30
    memory_mb: int = 512
    # A bound on concurrent runs (Lambda reserved concurrency); None where nothing needs bounding:
    # infra/constructs/functions.py says why for each kind of function.
    reserved_concurrency: int | None = None


@dataclass(frozen=True)
class TableSpec:
    name: str
    partition_key: str
    sort_key: tuple[str, str] | None = None  # (name, "S" | "N")
    setting: Env | None = None
    ttl_attribute: str | None = None


@dataclass(frozen=True)
class BucketSpec:
    """A bucket; with `object_lock_days`, every object version is locked in COMPLIANCE mode that long."""

    name: str
    setting: Env
    object_lock_days: int | None = None


@dataclass(frozen=True)
class SigningKeySpec:
    """An asymmetric KMS key that signs (ECDSA P-256 / SHA-256); its private half never leaves KMS."""

    name: str
    setting: Env
    alias: str
    key_spec: str = "ECC_NIST_P256"
    algorithm: str = "ECDSA_SHA_256"


@dataclass(frozen=True)
class StateMachineSpec:
    name: str
    definition_file: str
    functions: dict[str, str]  # placeholder -> function name
    topics: dict[str, str]  # placeholder -> topic name
    tunables: dict[str, int] = field(default_factory=dict)  # placeholder -> deployed value


_LEDGER = (Env.LEDGER_TABLE, Env.LEDGER_SIGNING_KEY, Env.LEDGER_ANCHOR_BUCKET)
# Every append signs and anchors the chain head it writes, so every appender may sign and anchor.
_STEP = (Access.LEDGER_APPEND, Access.LEDGER_READ, Access.LEDGER_SIGN, Access.LEDGER_ANCHOR)

FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "AdobeCommerceGate",
        "functions.degradation.handlers.adobe_commerce_gate.handler",
        "Answers Adobe Commerce's synchronous order, login and account webhooks by the degradation modes",
        (Env.CONFIG_PARAMETER, Env.CONTROLS_TABLE),
        (Access.CONFIG_READ, Access.SECRETS_READ, Access.CONTROLS_READ),
        timeout_seconds=3,  # Commerce waits at most 2 s (webhooks.xml); answering later is no answer
        memory_mb=1024,  # RSA verification and cold start are CPU-bound
    ),
    FunctionSpec(
        "ReadDegradationModes",
        "functions.degradation.handlers.read_modes.handler",
        "Tells headless storefronts and account portals which degradation modes are in force",
        (Env.CONFIG_PARAMETER, Env.CONTROLS_TABLE),
        (Access.CONFIG_READ, Access.SECRETS_READ, Access.CONTROLS_READ),
        timeout_seconds=5,
    ),
    FunctionSpec(
        "CheckModeExpiry",
        "functions.degradation.handlers.check_expiry.handler",
        "Raises degradation modes that outlived their expiry without renewal",
        (Env.CONFIG_PARAMETER, Env.CONTROLS_TABLE, Env.ONCALL_TOPIC),
        (Access.CONFIG_READ, Access.CONTROLS_READ, Access.ONCALL_PUBLISH),  # metrics: EMF log lines
        reserved_concurrency=2,  # scheduled: only overlapping runs run at once; Scheduler retries a throttled one
    ),
    FunctionSpec(
        "ReceiveWebhook",
        "functions.ingest.handlers.receive_webhook.handler",
        "Verifies Shopify webhooks (HMAC), deduplicates and puts signals on the bus",
        (Env.CONFIG_PARAMETER, Env.EVENT_BUS, Env.IDEMPOTENCY_TABLE),
        (Access.CONFIG_READ, Access.SECRETS_READ, Access.BUS_PUT, Access.IDEMPOTENCY),
        timeout_seconds=5,
        reserved_concurrency=50,  # a webhook flood is throttled here; Shopify retries a refused delivery
    ),
    FunctionSpec(
        "ReceiveFlowRequest",
        "functions.ingest.handlers.receive_flow_request.handler",
        "Checks Shopify Flow requests' tokens and puts signals on the bus",
        (Env.CONFIG_PARAMETER, Env.EVENT_BUS, Env.IDEMPOTENCY_TABLE),
        (Access.CONFIG_READ, Access.SECRETS_READ, Access.BUS_PUT, Access.IDEMPOTENCY),
        timeout_seconds=5,
    ),
    FunctionSpec(
        "ReceiveAdobeCommerceWebhook",
        "functions.ingest.handlers.receive_adobe_webhook.handler",
        "Verifies Adobe Commerce webhook signatures and puts signals on the bus",
        (Env.CONFIG_PARAMETER, Env.EVENT_BUS, Env.IDEMPOTENCY_TABLE),
        (Access.CONFIG_READ, Access.SECRETS_READ, Access.BUS_PUT, Access.IDEMPOTENCY),
        timeout_seconds=5,
    ),
    FunctionSpec(
        "ReceiveIoEvent",
        "functions.ingest.handlers.receive_io_event.handler",
        "Verifies Adobe I/O Events deliveries and puts signals on the bus",
        (Env.CONFIG_PARAMETER, Env.EVENT_BUS, Env.IDEMPOTENCY_TABLE),
        (Access.CONFIG_READ, Access.SECRETS_READ, Access.BUS_PUT, Access.IDEMPOTENCY),
        timeout_seconds=5,
    ),
    FunctionSpec(
        "DeclareIncident",
        "functions.ingest.handlers.declare_incident.handler",
        "Takes operators' authenticated incident declarations",
        (Env.CONFIG_PARAMETER, Env.EVENT_BUS, Env.IDEMPOTENCY_TABLE),
        (Access.CONFIG_READ, Access.SECRETS_READ, Access.BUS_PUT, Access.IDEMPOTENCY),
        timeout_seconds=5,
    ),
    FunctionSpec(
        "ReceivePlatformEvent",
        "functions.ingest.handlers.receive_platform_event.handler",
        "Takes Shopify partner events and AWS security findings from EventBridge",
        (Env.CONFIG_PARAMETER, Env.EVENT_BUS, Env.IDEMPOTENCY_TABLE),
        (Access.CONFIG_READ, Access.SECRETS_READ, Access.BUS_PUT, Access.IDEMPOTENCY),
        timeout_seconds=5,
    ),
    FunctionSpec(
        "DetectIncident",
        "functions.detection.handlers.detect_incident.handler",
        "Correlates signals into incidents and records every disposition",
        (Env.CONFIG_PARAMETER, Env.EVENT_BUS, Env.DISPOSITIONS_TABLE, *_LEDGER),
        (Access.CONFIG_READ, Access.BUS_PUT, Access.DISPOSITIONS_WRITE, Access.DISPOSITIONS_READ, *_STEP),
    ),
    FunctionSpec(
        "PlanResponse",
        "functions.response.handlers.plan_response.handler",
        "Plans containment, degradation and notification for an incident",
        (Env.CONFIG_PARAMETER, *_LEDGER),
        (Access.CONFIG_READ, *_STEP),
    ),
    FunctionSpec(
        "RequestApproval",
        "functions.approval.handlers.request_approval.handler",
        "Holds the response until a human approves, and pages this escalation stage's approvers",
        (Env.CONFIG_PARAMETER, Env.APPROVALS_TABLE, Env.ONCALL_TOPIC, *_LEDGER),
        (Access.CONFIG_READ, Access.SECRETS_READ, Access.APPROVALS_WRITE, Access.ONCALL_PUBLISH, *_STEP),
    ),
    FunctionSpec(
        "RecordApprovalOutcome",
        "functions.approval.handlers.record_outcome.handler",
        "Records an approval that was rejected or timed out; escalates, proceeds or stops by policy",
        (Env.CONFIG_PARAMETER, Env.APPROVALS_TABLE, *_LEDGER),
        (Access.CONFIG_READ, Access.APPROVALS_WRITE, *_STEP),
    ),
    FunctionSpec(
        "DecideApproval",
        "functions.approval.handlers.decide_by_link.handler",
        "Approves or rejects a waiting response or customer notice from a signed, expiring link bound to one person",
        (Env.CONFIG_PARAMETER, Env.APPROVALS_TABLE, *_LEDGER),
        (Access.CONFIG_READ, Access.SECRETS_READ, Access.APPROVALS_WRITE, Access.APPROVALS_DECIDE, *_STEP),
        timeout_seconds=10,
        reserved_concurrency=5,  # people clicking signed links: a handful at once, never a flood
    ),
    FunctionSpec(
        "PrepareNoticeReview",
        "functions.approval.handlers.prepare_notice_review.handler",
        "Renders the customer notices for review and records their SHA-256; approves a drill's by drill policy",
        (Env.CONFIG_PARAMETER, Env.APPROVALS_TABLE, *_LEDGER),
        (Access.CONFIG_READ, Access.APPROVALS_WRITE, *_STEP),
    ),
    FunctionSpec(
        "RequestNoticeReview",
        "functions.approval.handlers.request_notice_review.handler",
        "Holds the customer notices until a person approves them, and pages this stage's reviewer",
        (Env.CONFIG_PARAMETER, Env.APPROVALS_TABLE, Env.ONCALL_TOPIC, *_LEDGER),
        (Access.CONFIG_READ, Access.SECRETS_READ, Access.APPROVALS_WRITE, Access.ONCALL_PUBLISH, *_STEP),
    ),
    FunctionSpec(
        "RecordNoticeReviewOutcome",
        "functions.approval.handlers.record_notice_review.handler",
        "Records a notice review that was rejected or lapsed; escalates, holds or sends by policy",
        (Env.CONFIG_PARAMETER, Env.APPROVALS_TABLE, *_LEDGER),
        (Access.CONFIG_READ, Access.APPROVALS_WRITE, *_STEP),
    ),
    FunctionSpec(
        "StartClocks",
        "functions.clocks.handlers.start_clocks.handler",
        "Starts the incident's regulatory clocks and schedules their reminders",
        (Env.CONFIG_PARAMETER, Env.CLOCKS_TABLE, Env.ONCALL_TOPIC, Env.REMINDER_GROUP, Env.REMINDER_ROLE_ARN, *_LEDGER),
        (Access.CONFIG_READ, Access.CLOCKS_WRITE, Access.REMINDERS_SCHEDULE, *_STEP),
    ),
    FunctionSpec(
        "SweepClocks",
        "functions.clocks.handlers.sweep_clocks.handler",
        "Records missed deadlines, pages on-call and emits the on-call figures (scheduled)",
        (Env.CONFIG_PARAMETER, Env.CLOCKS_TABLE, Env.CONTROLS_TABLE, Env.ONCALL_TOPIC, *_LEDGER),
        (
            Access.CONFIG_READ,
            Access.SECRETS_READ,
            Access.CLOCKS_WRITE,
            Access.CONTROLS_READ,
            Access.ONCALL_PUBLISH,
            *_STEP,
        ),
        timeout_seconds=120,
        reserved_concurrency=2,  # scheduled: only overlapping runs run at once; Scheduler retries a throttled one
    ),
    FunctionSpec(
        "ApplyContainmentAction",
        "functions.containment.handlers.apply_action.handler",
        "Applies one reversible containment action",
        (Env.CONFIG_PARAMETER, Env.PRESTATES_TABLE, Env.PRESTATE_KEY_ID, *_LEDGER),
        # CONTAIN_AWS: the WAF, Secrets Manager and S3 levers (aws.* actions); scoped in infra/constructs/access.py.
        (Access.CONFIG_READ, Access.SECRETS_READ, Access.PRESTATES_WRITE, Access.CONTAIN_AWS, *_STEP),
        timeout_seconds=60,
    ),
    FunctionSpec(
        "PlanRestore",
        "functions.containment.handlers.plan_restore.handler",
        "Lists an incident's applied containment actions, newest first",
        # The firm's roster: who the restore names (`restored_by`) must be on it.
        (Env.CONFIG_PARAMETER, *_LEDGER),
        (Access.CONFIG_READ, *_STEP),
    ),
    FunctionSpec(
        "RevertContainmentAction",
        "functions.containment.handlers.revert_action.handler",
        "Undoes one containment action from its stored pre-state",
        (Env.CONFIG_PARAMETER, Env.PRESTATES_TABLE, Env.PRESTATE_KEY_ID, *_LEDGER),
        (Access.CONFIG_READ, Access.SECRETS_READ, Access.PRESTATES_READ, Access.CONTAIN_AWS, *_STEP),
        timeout_seconds=60,
    ),
    FunctionSpec(
        "RecordRevertFailure",
        "functions.containment.handlers.record_revert_failure.handler",
        "Records a restore step that failed for good",
        _LEDGER,
        _STEP,
    ),
    FunctionSpec(
        "ClearIncidentModes",
        "functions.degradation.handlers.clear_incident_modes.handler",
        "Returns the degradation modes an incident set to normal (restore)",
        (Env.CONFIG_PARAMETER, Env.CONTROLS_TABLE, *_LEDGER),
        # Secrets: the Shopify Admin token that projects the modes into the shop metafield.
        (Access.CONFIG_READ, Access.SECRETS_READ, Access.CONTROLS_WRITE, Access.CONTROLS_READ, *_STEP),
        timeout_seconds=60,
    ),
    FunctionSpec(
        "CloseRestore",
        "functions.containment.handlers.close_restore.handler",
        "Records the outcome of a restore",
        _LEDGER,
        _STEP,
    ),
    FunctionSpec(
        "RecordActionFailure",
        "functions.containment.handlers.record_action_failure.handler",
        "Records a containment action that failed for good",
        _LEDGER,
        _STEP,
    ),
    FunctionSpec(
        "SetDegradationMode",
        "functions.degradation.handlers.set_mode.handler",
        "Sets the store's checkout, payment and account modes",
        (Env.CONFIG_PARAMETER, Env.CONTROLS_TABLE, *_LEDGER),
        # Secrets: the Shopify Admin token that projects the modes into the shop metafield.
        (Access.CONFIG_READ, Access.SECRETS_READ, Access.CONTROLS_WRITE, Access.CONTROLS_READ, *_STEP),
        timeout_seconds=60,
    ),
    FunctionSpec(
        "ResolveAudience",
        "functions.notification.handlers.resolve_audience.handler",
        "Resolves the affected customers from the platform and writes the roster in batches of 50",
        (Env.CONFIG_PARAMETER, Env.NOTIFICATION_BUCKET, *_LEDGER),
        # Secrets: the store's admin token and the pseudonym key; SES: GetSendQuota.
        (Access.CONFIG_READ, Access.SECRETS_READ, Access.NOTICES_WRITE, Access.EMAIL_SEND, *_STEP),
        timeout_seconds=900,
        memory_mb=1024,
    ),
    FunctionSpec(
        "SendNoticeBatch",
        "functions.notification.handlers.send_batch.handler",
        "Sends one roster batch by email and SMS, exactly once per customer and channel",
        (Env.CONFIG_PARAMETER, Env.NOTIFICATION_BUCKET, Env.DELIVERIES_TABLE, *_LEDGER),
        (Access.CONFIG_READ, Access.NOTICES_READ, Access.DELIVERIES_WRITE, Access.EMAIL_SEND, Access.SMS_SEND, *_STEP),
        timeout_seconds=300,
    ),
    FunctionSpec(
        "SummariseNotification",
        "functions.notification.handlers.summarise.handler",
        "Adds up the notification batches recorded in the ledger",
        _LEDGER,
        _STEP,
    ),
    FunctionSpec(
        "DraftRegulatorNotices",
        "functions.notification.handlers.draft_regulator_notices.handler",
        "Drafts (never sends) the regulator notices the incident calls for",
        (Env.CONFIG_PARAMETER, Env.NOTIFICATION_BUCKET, *_LEDGER),
        (Access.CONFIG_READ, Access.NOTICES_WRITE, *_STEP),
    ),
    FunctionSpec(
        "RecordNotificationFeedback",
        "functions.notification.handlers.record_feedback.handler",
        "Records SES bounces and complaints (from the NotificationFeedback topic) as counts",
        _LEDGER,
        _STEP,
    ),
    FunctionSpec(
        "CloseResponse",
        "functions.response.handlers.close_response.handler",
        "Records the outcome and verifies the incident's chain",
        _LEDGER,
        _STEP,
    ),
    FunctionSpec(
        "RecordMilestone",
        "functions.response.handlers.record_milestone.handler",
        "Records the contained and notified milestones, which sign and anchor the chain head",
        _LEDGER,
        _STEP,
    ),
    FunctionSpec(
        "RecordFailure",
        "functions.response.handlers.record_failure.handler",
        "Records a failed response step",
        _LEDGER,
        _STEP,
    ),
    FunctionSpec(
        "CheckControlHealth",
        "functions.health.handlers.check_controls.handler",
        "Daily canary: every control Bulkhead relies on still works; drift is recorded and alarmed",
        (Env.CONFIG_PARAMETER, Env.ONCALL_TOPIC, Env.DISPOSITIONS_TABLE, *_LEDGER),
        # Dispositions: the last Shopify Flow delivery per store (no Admin API reads Flow workflows).
        (Access.CONFIG_READ, Access.SECRETS_READ, Access.HEALTH_READ, Access.DISPOSITIONS_READ, *_STEP),
        timeout_seconds=120,
        reserved_concurrency=2,  # scheduled: only overlapping runs run at once; Scheduler retries a throttled one
    ),
)
# Drills without a person: the monthly schedule starts one on the configured sandbox store; when a drill
# execution of the Response machine ends (Step Functions event), ScoreDrill scores it against the ledger.
FUNCTIONS += (
    FunctionSpec(
        "StartScheduledDrill",
        "functions.drills.handlers.start_scheduled_drill.handler",
        "Monthly drill: starts the Response state machine in drill mode with the configured scenario",
        (Env.CONFIG_PARAMETER, Env.RESPONSE_STATE_MACHINE),
        (Access.CONFIG_READ, Access.RESPONSE_START),
        reserved_concurrency=2,  # scheduled: only overlapping runs run at once; Scheduler retries a throttled one
    ),
    FunctionSpec(
        "ScoreDrill",
        "functions.drills.handlers.score_drill.handler",
        "Scores an ended drill execution against the fully verified ledger and records the scorecard",
        (Env.CONFIG_PARAMETER, Env.RESPONSE_STATE_MACHINE, *_LEDGER),
        (Access.CONFIG_READ, Access.LEDGER_ANCHORS_READ, *_STEP),
        timeout_seconds=60,
    ),
)

TABLES: tuple[TableSpec, ...] = (
    TableSpec("Ledger", "incident_id", ("seq", "N"), Env.LEDGER_TABLE),
    TableSpec("Controls", "store_id", None, Env.CONTROLS_TABLE),
    TableSpec("PreStates", "incident_id", ("action_id", "S"), Env.PRESTATES_TABLE),
    TableSpec("Approvals", "incident_id", None, Env.APPROVALS_TABLE, ttl_attribute="expires_at"),
    TableSpec("Clocks", "incident_id", ("clock_id", "S"), Env.CLOCKS_TABLE),
    TableSpec("Idempotency", "id", None, Env.IDEMPOTENCY_TABLE, ttl_attribute="expiration"),
    # Per day, per correlation window: how many signals were ignored, merged or declared, and why.
    TableSpec("Dispositions", "day", ("window", "S"), Env.DISPOSITIONS_TABLE),
    # One item per (incident, channel, customer pseudonym): the exactly-once guard of notices.
    TableSpec("NotificationDeliveries", "delivery_key", None, Env.DELIVERIES_TABLE, ttl_attribute="expires_at"),
)

# NotificationFeedback: the SES configuration set's event destination; RecordNotificationFeedback subscribes.
TOPICS: tuple[str, ...] = ("OnCall", "NotificationFeedback")

# Signed ledger heads: write-once, locked for seven years (SOC 2 / ISO 27001 evidence retention).
BUCKETS: tuple[BucketSpec, ...] = (
    BucketSpec("LedgerAnchors", Env.LEDGER_ANCHOR_BUCKET, object_lock_days=2557),
    # Notification rosters (customer contact data: deleted after 7 days) and regulator drafts.
    BucketSpec("Notifications", Env.NOTIFICATION_BUCKET),
)
SIGNING_KEYS: tuple[SigningKeySpec, ...] = (
    SigningKeySpec("LedgerSigning", Env.LEDGER_SIGNING_KEY, "alias/bulkhead-ledger-signing"),
)


@dataclass(frozen=True)
class ScheduleSpec:
    """Invoke `function` with `input` every `rate_minutes`, or on `expression` (EventBridge Scheduler)."""

    name: str
    function: str
    rate_minutes: int = 0
    input: str = "{}"
    expression: str | None = None  # e.g. cron(0 9 1 * ? *); takes precedence over rate_minutes


@dataclass(frozen=True)
class AlarmSpec:
    """A CloudWatch alarm on a metric in the Bulkhead namespace (Maximum over the period >= threshold)."""

    name: str
    metric: str
    description: str
    threshold: float = 1
    period_seconds: int = 300
    evaluation_periods: int = 1
    topic: str = "OnCall"  # notified on ALARM and on OK


SCHEDULES: tuple[ScheduleSpec, ...] = (ScheduleSpec("CheckModeExpiryEvery5Minutes", "CheckModeExpiry", 5),)
# A missed legal deadline is recorded and paged within five minutes; the sweep also emits the clock figures.
SCHEDULES += (ScheduleSpec("SweepClocksEvery5Minutes", "SweepClocks", 5),)
# The control-health canary runs daily; a broken control raises ControlHealthDrift (ALARMS).
SCHEDULES += (ScheduleSpec("CheckControlHealthDaily", "CheckControlHealth", 24 * 60),)
# The monthly drill: 09:00 UTC on the 1st (StartScheduledDrill does nothing unless config `drills.enabled`).
SCHEDULES += (ScheduleSpec("StartScheduledDrillMonthly", "StartScheduledDrill", expression="cron(0 9 1 * ? *)"),)

ALARMS: tuple[AlarmSpec, ...] = (
    AlarmSpec(
        "DegradationModeOverdue",
        "DegradationModesOverdue",
        "A degradation mode is still enforced past its expiry: renew it or clear it (bulkhead degrade)",
    ),
    AlarmSpec(
        "DegradationControlsUnreachable",
        "DegradationControlsUnreachable",
        "The expiry check could not read the controls table; the gates are running on their fail rules",
    ),
    # One datapoint a day: a broken control keeps the alarm on until the next run finds it fixed.
    AlarmSpec(
        "ControlHealthDrift",
        "ControlHealthFailures",
        "A control Bulkhead relies on is broken (webhook, scope, function, SES, on-call): see the day's "
        "health-YYYY-MM-DD ledger chain or run the CheckControlHealth function",
        period_seconds=86_400,
    ),
)

# HTTP API routes: (method, path, function name).
HTTP_ROUTES: tuple[tuple[str, str, str], ...] = (
    ("POST", "/gates/adobe-commerce/order-placement", "AdobeCommerceGate"),
    ("POST", "/gates/adobe-commerce/login", "AdobeCommerceGate"),
    ("POST", "/gates/adobe-commerce/account-change", "AdobeCommerceGate"),
    ("GET", "/degradation/modes", "ReadDegradationModes"),
    ("POST", "/webhooks/shopify", "ReceiveWebhook"),
    ("POST", "/webhooks/shopify-flow", "ReceiveFlowRequest"),
    ("POST", "/webhooks/adobe-commerce", "ReceiveAdobeCommerceWebhook"),
    ("POST", "/webhooks/adobe-io", "ReceiveIoEvent"),
    ("GET", "/webhooks/adobe-io", "ReceiveIoEvent"),
    ("POST", "/incidents", "DeclareIncident"),
    # Signed approval links: GET shows the decision page, POST decides (link scanners only GET).
    ("GET", "/approvals", "DecideApproval"),
    ("POST", "/approvals", "DecideApproval"),
)

STATE_MACHINES: tuple[StateMachineSpec, ...] = (
    StateMachineSpec(
        "Response",
        "response.asl.json",
        functions={
            "PlanResponseFunctionArn": "PlanResponse",
            "RequestApprovalFunctionArn": "RequestApproval",
            "RecordApprovalOutcomeFunctionArn": "RecordApprovalOutcome",
            "PrepareNoticeReviewFunctionArn": "PrepareNoticeReview",
            "RequestNoticeReviewFunctionArn": "RequestNoticeReview",
            "RecordNoticeReviewOutcomeFunctionArn": "RecordNoticeReviewOutcome",
            "ApplyContainmentActionFunctionArn": "ApplyContainmentAction",
            "RecordActionFailureFunctionArn": "RecordActionFailure",
            "SetDegradationModeFunctionArn": "SetDegradationMode",
            "ResolveAudienceFunctionArn": "ResolveAudience",
            "SendNoticeBatchFunctionArn": "SendNoticeBatch",
            "SummariseNotificationFunctionArn": "SummariseNotification",
            "DraftRegulatorNoticesFunctionArn": "DraftRegulatorNotices",
            "RecordMilestoneFunctionArn": "RecordMilestone",
            "CloseResponseFunctionArn": "CloseResponse",
            "ClearIncidentModesFunctionArn": "ClearIncidentModes",
            "RecordFailureFunctionArn": "RecordFailure",
            "StartClocksFunctionArn": "StartClocks",
        },
        topics={"OnCallTopicArn": "OnCall"},
        tunables={
            "RetryIntervalSeconds": 2,
            "ApprovalTimeoutSeconds": 900,
            # Each reviewer of a customer notice has this long before the next is paged (without undue delay).
            "NoticeReviewTimeoutSeconds": 1800,
            "IsolationConcurrency": 10,
            "NotificationConcurrency": 40,
        },
    ),
)

STATE_MACHINES += (
    StateMachineSpec(
        "Restore",
        "restore.asl.json",
        functions={
            "PlanRestoreFunctionArn": "PlanRestore",
            "RevertContainmentActionFunctionArn": "RevertContainmentAction",
            "RecordRevertFailureFunctionArn": "RecordRevertFailure",
            "ClearIncidentModesFunctionArn": "ClearIncidentModes",
            "CloseRestoreFunctionArn": "CloseRestore",
        },
        topics={"OnCallTopicArn": "OnCall"},
        tunables={"RetryIntervalSeconds": 2},
    ),
)

STATE_MACHINES += (
    StateMachineSpec(
        "Escalation",
        "escalation.asl.json",
        functions={
            "RequestApprovalFunctionArn": "RequestApproval",
            "RecordApprovalOutcomeFunctionArn": "RecordApprovalOutcome",
            "ApplyContainmentActionFunctionArn": "ApplyContainmentAction",
            "RecordActionFailureFunctionArn": "RecordActionFailure",
            "SetDegradationModeFunctionArn": "SetDegradationMode",
            "RecordMilestoneFunctionArn": "RecordMilestone",
            "RecordFailureFunctionArn": "RecordFailure",
        },
        topics={"OnCallTopicArn": "OnCall"},
        tunables={"RetryIntervalSeconds": 2, "ApprovalTimeoutSeconds": 900, "IsolationConcurrency": 10},
    ),
)

# Locally, waits and retries shrink so a drill takes seconds, not minutes.
LOCAL_TUNABLES: dict[str, int] = {
    "RetryIntervalSeconds": 1,
    "ApprovalTimeoutSeconds": 60,
    "NoticeReviewTimeoutSeconds": 60,
    "IsolationConcurrency": 10,
    "NotificationConcurrency": 4,
}

EVENT_BUS_NAME = "bulkhead"
CONFIG_PARAMETER_NAME = "/bulkhead/config"


def function(name: str) -> FunctionSpec:
    return next(f for f in FUNCTIONS if f.name == name)


def table(name: str) -> TableSpec:
    return next(t for t in TABLES if t.name == name)


@dataclass(frozen=True)
class OperatorSpec:
    """A person's role with `--target aws`: the accesses its commands need, from the functions' own."""

    name: str
    description: str
    commands: tuple[str, ...]  # what the policy lets a person run (docs/deploy.md lists them)
    access: tuple[Access, ...]
    read_only: bool = False


_SIGNED_APPEND = (Access.LEDGER_APPEND, Access.LEDGER_READ, Access.LEDGER_SIGN, Access.LEDGER_ANCHOR)
OPERATORS: tuple[OperatorSpec, ...] = (
    OperatorSpec(
        "OnCall",
        "Bulkhead on-call: degradation modes, regulatory clocks, the incident's ledger",
        (
            "bulkhead degrade --target aws",
            "bulkhead ledger verify --target aws",
            "bulkhead clock classify|file|start (their calls: the clocks table, reminders, the ledger)",
            "bulkhead incident escalate --target aws (the same calls, and starting the Escalation state machine)",
        ),
        (
            Access.CONFIG_READ,
            Access.ESCALATION_START,
            Access.CONTROLS_READ,
            Access.CONTROLS_WRITE,
            Access.ONCALL_PUBLISH,
            Access.CLOCKS_WRITE,
            Access.REMINDERS_SCHEDULE,
            Access.LEDGER_ANCHORS_READ,
            Access.LEDGER_VERIFY,
            *_SIGNED_APPEND,
        ),
    ),
    OperatorSpec(
        "Approver",
        "Bulkhead approver: approve or reject a waiting response, on the record",
        (
            "bulkhead approve (its calls: the approvals table, the task token's SendTaskSuccess/Failure, the ledger)",
            "bulkhead notice review --approve|--reject (the same calls; the actor is the caller's IAM principal)",
        ),
        (Access.CONFIG_READ, Access.APPROVALS_WRITE, Access.APPROVALS_DECIDE, *_SIGNED_APPEND),
    ),
    OperatorSpec(
        "Auditor",
        "Bulkhead auditor: read and verify ledgers, dispositions and notice drafts; changes nothing",
        (
            "bulkhead ledger verify --target aws",
            "bulkhead evidence export --target aws",
            "bulkhead incident dispositions --table <deployed Dispositions table>",
            "bulkhead notice drafts --bucket <deployed notification bucket>",
        ),
        (
            Access.CONFIG_READ,
            Access.LEDGER_READ,
            Access.LEDGER_ANCHORS_READ,
            Access.LEDGER_VERIFY,
            Access.DISPOSITIONS_READ,
            Access.NOTICES_READ,
        ),
        read_only=True,
    ),
)
