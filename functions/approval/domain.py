"""Request, decide and record approvals. Every request and decision is a ledger entry."""

from datetime import datetime, timedelta

from functions.approval.models import (
    ApprovalDecision,
    ApprovalRecorded,
    ApprovalRequest,
    PendingApproval,
    UnapprovedRequest,
)
from functions.approval.ports import ApprovalStore, Execution, Pager
from functions.common.errors import BulkheadError
from functions.ledger.models import EntryDraft, EntryType
from functions.ledger.ports import Ledger


class NoPendingApproval(BulkheadError):
    pass


def request_approval(
    request: ApprovalRequest, store: ApprovalStore, pager: Pager, ledger: Ledger, now: datetime
) -> PendingApproval:
    pending = PendingApproval(
        incident_id=request.incident_id,
        task_token=request.task_token,
        reasons=request.reasons,
        requested_at=now,
        expires_at=now + timedelta(seconds=request.timeout_seconds),
    )
    store.put(pending)
    ledger.append(
        request.incident_id,
        EntryDraft(
            type=EntryType.APPROVAL_REQUESTED,
            actor="approval",
            at=now,
            data={"reasons": list(request.reasons), "expires_at": pending.expires_at.isoformat()},
        ),
    )
    pager.page(
        f"Bulkhead: approval needed for {request.incident_id}",
        f"Incident {request.incident_id} waits for approval: {'; '.join(request.reasons)}. "
        f"Approve with `bulkhead approve {request.incident_id}` before {pending.expires_at:%H:%M} UTC.",
    )
    return pending


def decide(
    decision: ApprovalDecision, store: ApprovalStore, execution: Execution, ledger: Ledger, now: datetime
) -> None:
    pending = store.get(decision.incident_id)
    if pending is None:
        raise NoPendingApproval(f"incident {decision.incident_id} has no pending approval")
    entry_type = EntryType.APPROVAL_GRANTED if decision.approved else EntryType.APPROVAL_REJECTED
    ledger.append(
        decision.incident_id,
        EntryDraft(type=entry_type, actor=f"operator:{decision.approver}", at=now, data={"note": decision.note}),
    )
    if decision.approved:
        execution.resume(pending.task_token, {"approved_by": decision.approver, "approved_at": now.isoformat()})
    else:
        execution.reject(pending.task_token, "ApprovalRejected", f"rejected by {decision.approver}")
    store.remove(decision.incident_id)


def record_unapproved(request: UnapprovedRequest, ledger: Ledger, now: datetime) -> ApprovalRecorded:
    expired = request.error.Error == "States.Timeout"
    if expired:
        ledger.append(
            request.incident_id,
            EntryDraft(type=EntryType.APPROVAL_EXPIRED, actor="approval", at=now, data={"error": request.error.Error}),
        )
    return ApprovalRecorded(incident_id=request.incident_id, outcome="expired" if expired else "rejected")
