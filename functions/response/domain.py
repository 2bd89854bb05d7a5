"""Plan a response from the incident and the firm's policy; close it; record failures."""

from datetime import datetime
from typing import Any

from functions.common.config import FirmConfig, Mode, Platform
from functions.common.errors import InvalidStepInput
from functions.common.failures import failure_facts
from functions.containment.models import ActionKind, ActionOutcome, ActionStatus, PlannedAction
from functions.containment.targets import plan_targets
from functions.degradation.models import DegradationMode, DegradationPlan
from functions.detection.models import Incident
from functions.ingest.models import DataCategory
from functions.ledger.models import EntryDraft, EntryType
from functions.ledger.ports import Ledger
from functions.notification.models import Channel, NotificationPlan
from functions.response.models import (
    CloseRequest,
    FailureRecorded,
    FailureRequest,
    MilestoneRecorded,
    MilestoneRequest,
    PlanRequest,
    ResponseOutcome,
    ResponsePlan,
)

# Which actions contain which storefront component, per platform. On Shopify each component has
# the lever Bulkhead's own app can pull (its tokens, its subscriptions) and the one only the
# merchant can (a channel's tokens, another app's subscriptions: uninstalling that app), planned
# together (docs/containment.md, "Who can pull each lever").
COMPONENT_ACTIONS: dict[tuple[Platform, str], tuple[ActionKind, ...]] = {
    (Platform.SHOPIFY, "storefront_tokens"): (
        ActionKind.SHOPIFY_REVOKE_STOREFRONT_TOKEN,
        ActionKind.SHOPIFY_ROTATE_CHANNEL_TOKENS,
    ),
    (Platform.SHOPIFY, "webhook_subscriptions"): (
        ActionKind.SHOPIFY_REMOVE_WEBHOOK,
        ActionKind.SHOPIFY_REVOKE_APP_ACCESS,
    ),
    (Platform.SHOPIFY, "customer_tags"): (ActionKind.SHOPIFY_TAG_CUSTOMERS,),
    (Platform.SHOPIFY, "app_access"): (ActionKind.SHOPIFY_REVOKE_APP_ACCESS,),
    (Platform.ADOBE_COMMERCE, "customer_sessions"): (ActionKind.MAGENTO_REVOKE_CUSTOMER_TOKENS,),
    (Platform.ADOBE_COMMERCE, "admin_users"): (ActionKind.MAGENTO_LOCK_ADMIN_USER,),
    (Platform.ADOBE_COMMERCE, "integrations"): (ActionKind.MAGENTO_DISABLE_INTEGRATION,),
    (Platform.ADOBE_COMMERCE, "integration_tokens"): (ActionKind.MAGENTO_DISABLE_INTEGRATION,),
    (Platform.ADOBE_COMMERCE, "payment_methods"): (ActionKind.MAGENTO_DISABLE_PAYMENT_METHOD,),
    # The firm's AWS side, whatever the store's platform: the rule book names these components on
    # findings (Macie: the bucket `s3:`; GuardDuty: remote addresses `ip:`; Security Hub: `secret:`).
    **{
        (platform, component): kinds
        for platform in Platform
        for component, kinds in {
            "s3_public_access": (ActionKind.AWS_BLOCK_BUCKET_PUBLIC_ACCESS,),
            "waf_ip_set": (ActionKind.AWS_BLOCK_IPS,),
            "leaked_secrets": (ActionKind.AWS_ROTATE_SECRET,),
        }.items()
    },
}

# Which modes protect which component while it is contained.
COMPONENT_MODES: dict[str, DegradationMode] = {
    "checkout": DegradationMode.CHECKOUT_PAUSED,
    "payment_methods": DegradationMode.PAYMENTS_RESTRICTED,
    "customer_tags": DegradationMode.ACCOUNT_READ_ONLY,
    "customer_sessions": DegradationMode.LOGIN_STEP_UP,
}

HIGH_RISK = {DataCategory.FINANCIAL_ACCOUNT, DataCategory.CREDENTIALS, DataCategory.IDENTITY}


def plan_response(request: PlanRequest, config: FirmConfig, ledger: Ledger, now: datetime) -> ResponsePlan:
    incident = request.incident
    plan = plan_for(incident, request.mode, config)
    reasons = plan.approval_reasons
    ledger.append(
        incident.incident_id,
        EntryDraft(
            type=EntryType.RESPONSE_PLANNED,
            actor="response",
            at=now,
            data={
                "actions": [a.kind.value for a in plan.actions],
                "modes": [m.value for m in plan.degradation.modes],
                "notify": plan.notification.required,
                "approval_required": plan.approval_required,
                "approval_reasons": list(reasons),
                "mode": request.mode.value,
            },
        ),
    )
    return plan


def plan_for(incident: Incident, mode: Mode, config: FirmConfig) -> ResponsePlan:
    """The response the incident calls for under the firm's policy, recording nothing: PlanResponse
    records it, and an escalation diffs the plan at the new severity against what was planned."""
    components = contained_components(incident, config)
    actions = _actions(incident, components, config)
    reasons = approval_reasons(incident, actions, config)
    return ResponsePlan(
        actions=actions,
        degradation=DegradationPlan(
            modes=tuple(dict.fromkeys(COMPONENT_MODES[c] for c in components if c in COMPONENT_MODES)),
            message="We are protecting your account while we investigate a security issue.",
            segment=_drill_segment(mode, incident.store_id, config),
        ),
        notification=NotificationPlan(
            channels=(Channel.EMAIL, Channel.SMS),
            subject_ids=incident.scope.subject_ids,
            required=bool(HIGH_RISK.intersection(incident.data_categories)),
        ),
        approval_required=bool(reasons) and mode is not Mode.DRY_RUN,
        approval_reasons=reasons,
    )


def contained_components(incident: Incident, config: FirmConfig) -> tuple[str, ...]:
    """The detection rule's components, then those the policy adds at the incident's severity or below it."""
    added = (
        c
        for severity, components in sorted(config.policy.severity_components.items(), key=lambda kv: kv[0].rank)
        if severity.rank <= incident.severity.rank
        for c in components
    )
    return tuple(dict.fromkeys((*incident.scope.components, *added)))


# A drill on a store that is not a sandbox degrades only this customer segment (test accounts the
# firm tags for drills), never the whole store; on a sandbox the drill owns the store.
DRILL_SEGMENT = "bulkhead-drill"


def _drill_segment(mode: Mode, store_id: str, config: FirmConfig) -> str | None:
    if mode is Mode.DRILL and not config.store(store_id).sandbox:
        return DRILL_SEGMENT
    return None


def _actions(incident: Incident, components: tuple[str, ...], config: FirmConfig) -> tuple[PlannedAction, ...]:
    """One action per kind and target: each kind takes its own target from the incident's scope."""
    kinds = [k for c in components for k in COMPONENT_ACTIONS.get((incident.platform, c), ())]
    targets = [(kind, t) for kind in dict.fromkeys(kinds) for t in plan_targets(kind, incident, config.waf_ip_set)]
    return tuple(
        PlannedAction(
            action_id=f"act-{n:02d}-{kind.value.split('.')[-1].replace('_', '-')}",
            kind=kind,
            store_id=incident.store_id,
            target=target.target,
            subjects=target.subjects,
            reason=f"{incident.title} ({incident.rule_id})",
        )
        for n, (kind, target) in enumerate(targets, start=1)
    )


def approval_reasons(incident: Incident, actions: tuple[PlannedAction, ...], config: FirmConfig) -> tuple[str, ...]:
    policy = config.policy
    reasons = []
    if incident.severity.rank < policy.auto_approve_from.rank:
        reasons.append(f"severity {incident.severity.value} is below auto-approval ({policy.auto_approve_from.value})")
    customers = sum(1 for s in incident.scope.subject_ids if s.startswith("customer:"))
    if customers > policy.max_customers_per_run:
        reasons.append(f"{customers} customers exceed the blast radius of {policy.max_customers_per_run}")
    tokens = sum(1 for a in actions if a.kind is ActionKind.SHOPIFY_REVOKE_STOREFRONT_TOKEN)
    if tokens > policy.max_tokens_per_run:
        reasons.append(f"{tokens} token revocations exceed the blast radius of {policy.max_tokens_per_run}")
    integrations = sum(1 for a in actions if a.kind is ActionKind.MAGENTO_DISABLE_INTEGRATION)
    if integrations > policy.max_integrations_per_run:
        reasons.append(
            f"{integrations} integrations to disable exceed the blast radius of {policy.max_integrations_per_run}"
        )
    return tuple(reasons)


def record_milestone(request: MilestoneRequest, ledger: Ledger, now: datetime) -> MilestoneRecorded:
    """Contained and notified are milestones: the ledger signs and anchors the head they create."""
    if request.milestone == "contained":
        if request.containment is None:
            raise InvalidStepInput("the contained milestone needs the containment result")
        isolation = request.containment.isolation
        entry_type = EntryType.INCIDENT_CONTAINED
        data: dict[str, Any] = {
            "actions_applied": _count(isolation, ActionStatus.APPLIED, ActionStatus.ALREADY_APPLIED),
            "actions_would_apply": _count(isolation, ActionStatus.WOULD_APPLY),
            "actions_failed": _count(isolation, ActionStatus.FAILED),
            "manual_tasks": _count(isolation, ActionStatus.MANUAL_TASK),
            "modes": [m.value for m in request.containment.degradation.modes],
        }
    else:
        if request.notification is None:
            raise InvalidStepInput("the notified milestone needs the notification outcome")
        entry_type = EntryType.INCIDENT_NOTIFIED
        data = request.notification.model_dump(mode="json", exclude={"channels"})
        data["channels"] = [c.value for c in request.notification.channels]
    data["mode"] = request.mode.value
    entry = ledger.append(request.incident_id, EntryDraft(type=entry_type, actor="response", at=now, data=data))
    return MilestoneRecorded(incident_id=request.incident_id, milestone=request.milestone, seq=entry.seq)


def close_response(request: CloseRequest, ledger: Ledger, now: datetime) -> ResponseOutcome:
    """The end of the automated response. The machine closes the incident only when no manual task
    is open; otherwise it records `response.completed` (what was done, what is open) and leaves the
    incident to the people: the last `bulkhead action done`, or `bulkhead incident close` with a reason."""
    isolation = request.containment.isolation
    applied = _count(isolation, ActionStatus.APPLIED, ActionStatus.ALREADY_APPLIED, ActionStatus.WOULD_APPLY)
    open_tasks = tuple(o.action_id for o in isolation if o.status is ActionStatus.MANUAL_TASK)
    data: dict[str, Any] = {
        "mode": request.mode.value,
        "actions_applied": applied,
        "actions_failed": _count(isolation, ActionStatus.FAILED),
        "manual_tasks": len(open_tasks),
        "modes": [m.value for m in request.containment.degradation.modes],
        "customers_notified": request.notification.sent,
    }
    if open_tasks:
        data |= {"open_tasks": list(open_tasks), "awaits": "a person: bulkhead action done, or bulkhead incident close"}
    closing = ledger.append(
        request.incident.incident_id,
        EntryDraft(
            type=EntryType.RESPONSE_COMPLETED if open_tasks else EntryType.INCIDENT_CLOSED,
            actor="response",
            at=now,
            data=data,
        ),
    )
    verdict = ledger.verify(request.incident.incident_id)
    return ResponseOutcome(
        incident_id=request.incident.incident_id,
        mode=request.mode,
        actions_applied=applied,
        actions_failed=_count(isolation, ActionStatus.FAILED),
        manual_tasks=_count(isolation, ActionStatus.MANUAL_TASK),
        modes=tuple(m.value for m in request.containment.degradation.modes),
        customers_notified=request.notification.sent,
        ledger_entries=closing.seq + 1,
        ledger_valid=verdict.valid,
        incident_closed=not open_tasks,
        open_tasks=open_tasks,
    )


def record_step_failure(request: FailureRequest, ledger: Ledger, now: datetime) -> FailureRecorded:
    """A failed step leaves a ledger entry; the state machine then pages on-call."""
    entry = ledger.append(
        request.incident_id,
        EntryDraft(
            type=EntryType.STEP_FAILED, actor="response", at=now, data=failure_facts(request.step, request.error)
        ),
    )
    return FailureRecorded(incident_id=request.incident_id, step=request.step, error=request.error.Error, seq=entry.seq)


def _count(outcomes: tuple[ActionOutcome, ...], *statuses: ActionStatus) -> int:
    return sum(1 for o in outcomes if o.status in statuses)
