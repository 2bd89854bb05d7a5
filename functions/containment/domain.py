"""Apply one containment action: record the intent, act (or say what would be done), record the result."""

from datetime import datetime

from functions.common.config import Mode
from functions.common.failures import failure_facts
from functions.containment.models import ActionFailureRequest, ActionOutcome, ActionStatus, ApplyActionRequest
from functions.containment.ports import ActionCatalogue
from functions.ledger.models import EntryDraft, EntryType
from functions.ledger.ports import Ledger

ACTOR = "containment"


def apply_action(
    request: ApplyActionRequest, catalogue: ActionCatalogue, ledger: Ledger, now: datetime
) -> ActionOutcome:
    action = request.action
    facts = {"action_id": action.action_id, "kind": action.kind.value, "store_id": action.store_id}
    ledger.append(request.incident_id, EntryDraft(type=EntryType.ACTION_PLANNED, actor=ACTOR, at=now, data=facts))
    executor = catalogue.executor(action)
    if request.mode is Mode.DRY_RUN:
        outcome = ActionOutcome(
            action_id=action.action_id, kind=action.kind, status=ActionStatus.WOULD_APPLY, detail=action.reason
        )
        entry_type = EntryType.ACTION_PLANNED
    elif executor is None:
        outcome = ActionOutcome(
            action_id=action.action_id,
            kind=action.kind,
            status=ActionStatus.MANUAL_TASK,
            detail=manual_instructions(request),
        )
        entry_type = EntryType.ACTION_MANUAL_TASK
    else:
        outcome = executor.apply(request.incident_id, action)
        entry_type = EntryType.ACTION_APPLIED
    ledger.append(
        request.incident_id,
        EntryDraft(type=entry_type, actor=ACTOR, at=now, data={**facts, "status": outcome.status.value}),
    )
    return outcome


def manual_instructions(request: ApplyActionRequest) -> str:
    action = request.action
    return (
        f"Manual containment for incident {request.incident_id}: carry out {action.kind.value} on "
        f"{action.target} in store {action.store_id} ({action.reason}), then record it with "
        f"`bulkhead action done {request.incident_id} {action.action_id}`."
    )


def record_action_failure(request: ActionFailureRequest, ledger: Ledger, now: datetime) -> ActionOutcome:
    """A permanently failed action is recorded; the rest of the isolation map carries on."""
    action = request.action
    facts = failure_facts(f"isolate:{action.action_id}", request.error)
    ledger.append(
        request.incident_id,
        EntryDraft(type=EntryType.ACTION_FAILED, actor=ACTOR, at=now, data={**facts, "kind": action.kind.value}),
    )
    return ActionOutcome(
        action_id=action.action_id, kind=action.kind, status=ActionStatus.FAILED, detail=facts["error"]
    )
