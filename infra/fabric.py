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
    LEDGER_READ = "ledger:read"
    CONTROLS_WRITE = "controls:write"
    CONTROLS_READ = "controls:read"
    APPROVALS_WRITE = "approvals:write"
    ONCALL_PUBLISH = "oncall:publish"


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    handler: str
    description: str
    settings: tuple[Env, ...]
    access: tuple[Access, ...]
    timeout_seconds: int = 30
    memory_mb: int = 512


@dataclass(frozen=True)
class TableSpec:
    name: str
    partition_key: str
    sort_key: tuple[str, str] | None = None  # (name, "S" | "N")
    setting: Env | None = None
    ttl_attribute: str | None = None


@dataclass(frozen=True)
class StateMachineSpec:
    name: str
    definition_file: str
    functions: dict[str, str]  # placeholder -> function name
    topics: dict[str, str]  # placeholder -> topic name
    tunables: dict[str, int] = field(default_factory=dict)  # placeholder -> deployed value


_LEDGER = (Env.LEDGER_TABLE,)
_STEP = (Access.LEDGER_APPEND, Access.LEDGER_READ)

FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "ReceiveWebhook",
        "functions.ingest.handlers.receive_webhook.handler",
        "Verifies platform webhooks and puts signals on the bus",
        (Env.CONFIG_PARAMETER, Env.EVENT_BUS),
        (Access.CONFIG_READ, Access.SECRETS_READ, Access.BUS_PUT),
        timeout_seconds=5,
    ),
    FunctionSpec(
        "DetectIncident",
        "functions.detection.handlers.detect_incident.handler",
        "Correlates signals into incidents and records every disposition",
        (Env.CONFIG_PARAMETER, Env.EVENT_BUS, *_LEDGER),
        (Access.CONFIG_READ, Access.BUS_PUT, *_STEP),
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
        "Holds the response until a human approves, and pages the approvers",
        (Env.APPROVALS_TABLE, Env.ONCALL_TOPIC, *_LEDGER),
        (Access.APPROVALS_WRITE, Access.ONCALL_PUBLISH, *_STEP),
    ),
    FunctionSpec(
        "RecordApprovalOutcome",
        "functions.approval.handlers.record_outcome.handler",
        "Records an approval that was rejected or expired",
        _LEDGER,
        _STEP,
    ),
    FunctionSpec(
        "ApplyContainmentAction",
        "functions.containment.handlers.apply_action.handler",
        "Applies one reversible containment action",
        (Env.CONFIG_PARAMETER, *_LEDGER),
        (Access.CONFIG_READ, Access.SECRETS_READ, *_STEP),
        timeout_seconds=60,
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
        (Env.CONTROLS_TABLE, *_LEDGER),
        (Access.CONTROLS_WRITE, Access.CONTROLS_READ, *_STEP),
    ),
    FunctionSpec(
        "NotifyCustomers",
        "functions.notification.handlers.notify_customers.handler",
        "Notifies affected customers",
        _LEDGER,
        _STEP,
        timeout_seconds=300,
    ),
    FunctionSpec(
        "CloseResponse",
        "functions.response.handlers.close_response.handler",
        "Records the outcome and verifies the incident's chain",
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
)

TABLES: tuple[TableSpec, ...] = (
    TableSpec("Ledger", "incident_id", ("seq", "N"), Env.LEDGER_TABLE),
    TableSpec("Controls", "store_id", None, Env.CONTROLS_TABLE),
    TableSpec("Approvals", "incident_id", None, Env.APPROVALS_TABLE, ttl_attribute="expires_at"),
)

TOPICS: tuple[str, ...] = ("OnCall",)

# HTTP API routes: (method, path, function name).
HTTP_ROUTES: tuple[tuple[str, str, str], ...] = (("POST", "/webhooks/shopify", "ReceiveWebhook"),)

STATE_MACHINES: tuple[StateMachineSpec, ...] = (
    StateMachineSpec(
        "Response",
        "response.asl.json",
        functions={
            "PlanResponseFunctionArn": "PlanResponse",
            "RequestApprovalFunctionArn": "RequestApproval",
            "RecordApprovalOutcomeFunctionArn": "RecordApprovalOutcome",
            "ApplyContainmentActionFunctionArn": "ApplyContainmentAction",
            "RecordActionFailureFunctionArn": "RecordActionFailure",
            "SetDegradationModeFunctionArn": "SetDegradationMode",
            "NotifyCustomersFunctionArn": "NotifyCustomers",
            "CloseResponseFunctionArn": "CloseResponse",
            "RecordFailureFunctionArn": "RecordFailure",
        },
        topics={"OnCallTopicArn": "OnCall"},
        tunables={"RetryIntervalSeconds": 2, "ApprovalTimeoutSeconds": 900, "IsolationConcurrency": 10},
    ),
)

# Locally, waits and retries shrink so a drill takes seconds, not minutes.
LOCAL_TUNABLES: dict[str, int] = {"RetryIntervalSeconds": 1, "ApprovalTimeoutSeconds": 60, "IsolationConcurrency": 10}

EVENT_BUS_NAME = "bulkhead"
CONFIG_PARAMETER_NAME = "/bulkhead/config"


def function(name: str) -> FunctionSpec:
    return next(f for f in FUNCTIONS if f.name == name)
