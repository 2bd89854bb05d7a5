"""Request, decide, escalate and settle approvals. Every request, decision and escalation is a
ledger entry with who and when."""

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from functions.approval.links import InvalidApprovalLink, verify_link
from functions.approval.models import (
    ApprovalDecision,
    ApprovalRecorded,
    ApprovalRequest,
    DecisionClaim,
    LinkClaims,
    LinkDecision,
    PendingApproval,
    UnapprovedRequest,
)
from functions.approval.ports import ApprovalStore, Execution
from functions.common.config import EscalationStage, Mode, Person, ResponsePolicy
from functions.common.errors import BulkheadError
from functions.common.people import actor_of
from functions.ledger.models import EntryDraft, EntryType
from functions.ledger.ports import Ledger
from functions.paging.models import Page
from functions.paging.ports import Pager

ACTOR = "approval"
REJECTED = "ApprovalRejected"  # the error a rejection sends to the waiting task (the ASL catches it)
DRILL_PREFIX = "DRILL: "
DPO_STAGE = "dpo"  # an escalation stage of this name pages the DPO
DRILL_SEVERITY = "info"  # PagerDuty's lowest: a drill page never wakes anyone as an emergency would


_KINDS = {"approval": "response approval", "notice_review": "customer-notice review"}


class NoPendingApproval(BulkheadError):
    """Nothing waits for a decision on this incident (already decided, escalated past, or never asked)."""


class ApprovalBeingDecided(NoPendingApproval):
    """Someone else decided this approval first (their decision is being recorded): names who and when."""


def request_approval(
    request: ApprovalRequest,
    policy: ResponsePolicy,
    store: ApprovalStore,
    pager_for: Callable[[str], Pager],
    link_for: Callable[[LinkClaims], str | None],
    ledger: Ledger,
    now: datetime,
    people: Callable[[EscalationStage], Sequence[Person]] = lambda _stage: (),
    dpo: str | None = None,
) -> PendingApproval:
    """Store the task token for this stage and page the stage's approvers: each roster person of the
    stage's role gets a page with a link bound to them; a stage without people gets one page.

    A live incident's page to the stage `dpo` tells the DPO (the first person paged, else `dpo`, the
    first of the role's roster): the time is recorded as `dpo.informed`."""
    previous = store.get(request.incident_id)
    stage = previous.stage + 1 if previous and previous.escalated else 0
    stage = min(stage, len(policy.escalation) - 1)
    stage_name = policy.escalation[stage].name
    pending = PendingApproval(
        incident_id=request.incident_id,
        task_token=request.task_token,
        reasons=request.reasons,
        requested_at=now,
        expires_at=now + timedelta(seconds=request.timeout_seconds),
        stage=stage,
        stage_name=stage_name,
    )
    store.put(pending)
    chosen = policy.escalation[stage]
    paged: tuple[Person | None, ...] = tuple(people(chosen))
    ledger.append(
        request.incident_id,
        EntryDraft(
            type=EntryType.APPROVAL_REQUESTED,
            actor=ACTOR,
            at=now,
            data={
                "reasons": list(request.reasons),
                "stage": stage,
                "stage_name": stage_name,
                "expires_at": pending.expires_at.isoformat(),
                "paged": [p.person_id for p in paged if p is not None],
            },
        ),
    )
    # A drill must never read as a real emergency to the person paged: say so first, page as info.
    drill = request.mode is Mode.DRILL
    prefix = DRILL_PREFIX if drill else ""
    for person in paged or (None,):
        link = (
            link_for(
                LinkClaims(
                    incident_id=request.incident_id,
                    stage=stage,
                    expires_at=pending.expires_at,
                    person_id=person.person_id,
                    person_name=person.name,
                    role=chosen.role.value if chosen.role else None,
                )
            )
            if person is not None
            else None  # a link decides as one person: without a roster person, the CLI only
        )
        who = person.person_id if person else "PERSON"
        how = f"`bulkhead approve {request.incident_id} --as {who}`" + (f" or {link}" if link else "")
        pager_for(stage_name).page(
            Page(
                subject=f"{prefix}Bulkhead: approval needed ({stage_name})"[:100],
                message=(
                    f"{prefix}Incident {request.incident_id} "
                    f"({request.severity.value}) waits for approval: "
                    f"{'; '.join(request.reasons)}. Approve or reject with {how} before "
                    f"{pending.expires_at:%H:%M} UTC; then it escalates."
                    + (" No real incident has occurred." if drill else "")
                ),
                incident_id=request.incident_id,
                stage=stage_name,
                severity=DRILL_SEVERITY if drill else request.severity.value,
                person=person.person_id if person else None,
                dedup_key=f"{request.incident_id}/approval" + (f"/{person.person_id}" if person else ""),
            )
        )
    told = next((p.name for p in paged if p is not None), dpo)
    if stage_name == DPO_STAGE and told and request.mode is Mode.LIVE:
        data = {"person": told, "channel": "page", "source": f"approval stage {stage_name}"}
        ledger.append(request.incident_id, EntryDraft(type=EntryType.DPO_INFORMED, actor=ACTOR, at=now, data=data))
    return pending


def decide(
    decision: ApprovalDecision, store: ApprovalStore, execution: Execution, ledger: Ledger, now: datetime
) -> PendingApproval:
    """Record the decision, then resume (approve) or fail (reject) the waiting response."""
    pending = store.get(decision.incident_id)
    nothing = NoPendingApproval(f"incident {decision.incident_id} has no pending approval")
    if pending is None or pending.escalated:
        raise nothing
    # Two people may decide at once: the first claim decides, the other is told who and when.
    ours = DecisionClaim(by=decision.approver, at=now, approved=decision.approved)
    first_decider(store.claim(pending, ours), ours, decision.incident_id, nothing, ApprovalBeingDecided)
    # Resume first: if the waiting execution is gone, nothing is recorded and the caller is told.
    try:
        if decision.approved:
            execution.resume(pending.task_token, {"approved_by": decision.approver, "approved_at": now.isoformat()})
        else:
            execution.reject(pending.task_token, REJECTED, f"rejected by {decision.approver}")
    except Exception:
        store.release(pending, ours)  # nothing decided, nothing recorded: the approval waits again
        raise
    entry_type = EntryType.APPROVAL_GRANTED if decision.approved else EntryType.APPROVAL_REJECTED
    ledger.append(
        decision.incident_id,
        EntryDraft(
            type=entry_type,
            actor=_decider(decision),
            at=now,
            data={
                "note": decision.note,
                "via": decision.via,
                "stage": pending.stage,
                "stage_name": pending.stage_name,
                "person_id": decision.approver_id,
                "role": decision.role,
                "iam_principal": decision.iam_principal,
            },
        ),
    )
    store.remove(decision.incident_id)
    return pending


def _decider(decision: ApprovalDecision) -> str:
    """A roster person or an IAM principal decides as themselves; the drill runner, which is neither,
    as the runner (`operator:drill-approver`), never as a person."""
    if decision.approver_id is None and decision.iam_principal is None:
        return f"operator:{decision.approver}"
    return actor_of(decision.approver, decision.iam_principal)


def first_decider(
    held: DecisionClaim | None,
    ours: DecisionClaim,
    incident_id: str,
    nothing: BulkheadError,
    taken: type[BulkheadError],
) -> None:
    """Go on only when our claim is the one held; else say nothing waits, or who decided first and when."""
    if held is None:
        raise nothing
    if held != ours:
        verb = "approved" if held.approved else "rejected"
        raise taken(f"incident {incident_id}: already {verb} by {held.by} at {held.at:%Y-%m-%d %H:%M:%S} UTC")


def decide_by_link(
    form: LinkDecision, key: bytes, store: ApprovalStore, execution: Execution, ledger: Ledger, now: datetime
) -> PendingApproval:
    """A decision from a signed link: the link must be genuine, unexpired and for the waiting stage."""
    claims = link_person(verify_link(form.token, key, now), "approval")
    pending = store.get(claims.incident_id)
    if pending is None or pending.escalated or pending.stage != claims.stage:
        raise NoPendingApproval(f"incident {claims.incident_id} has no approval waiting at this link's stage")
    decision = ApprovalDecision(
        incident_id=claims.incident_id,
        approved=form.decision == "approve",
        approver=claims.person_name or "",
        approver_id=claims.person_id,
        role=claims.role,
        note=form.note,
        via="link",
    )
    return decide(decision, store, execution, ledger, now)


def link_person(claims: LinkClaims, kind: str) -> LinkClaims:
    """A link decides as the one person it was made for, and only what it was made for."""
    if claims.kind != kind:
        raise InvalidApprovalLink(f"this link decides a {_KINDS[claims.kind]}, not a {_KINDS[kind]}")
    if not claims.person_id or not claims.person_name:
        raise InvalidApprovalLink("the link names no person of the roster")
    return claims


def record_unapproved(
    request: UnapprovedRequest, policy: ResponsePolicy, store: ApprovalStore, ledger: Ledger, now: datetime
) -> ApprovalRecorded:
    """After a rejection: stop. After a timeout: escalate to the next stage, or, past the last one,
    proceed or stop as the policy says for the incident's severity."""
    incident_id = request.incident_id
    if request.error.Error != "States.Timeout":
        store.remove(incident_id)  # a rejection was recorded with who and when by `decide`
        return ApprovalRecorded(incident_id=incident_id, outcome="rejected", next="stop")
    pending = store.get(incident_id)
    stage = pending.stage if pending else 0
    waited = (now - pending.requested_at).total_seconds() if pending else None
    if pending and stage + 1 < len(policy.escalation):
        store.put(pending.model_copy(update={"escalated": True}))
        ledger.append(
            incident_id,
            EntryDraft(
                type=EntryType.APPROVAL_ESCALATED,
                actor=ACTOR,
                at=now,
                data={
                    "from_stage": pending.stage_name,
                    "to_stage": policy.escalation[stage + 1].name,
                    "waited_seconds": waited,
                },
            ),
        )
        return ApprovalRecorded(incident_id=incident_id, outcome="escalated", next="escalate", stage=stage + 1)
    proceed = request.severity.rank >= policy.proceed_on_timeout_from.rank
    ledger.append(
        incident_id,
        EntryDraft(
            type=EntryType.APPROVAL_EXPIRED,
            actor=ACTOR,
            at=now,
            data={
                "error": request.error.Error,
                "stages": [s.name for s in policy.escalation[: stage + 1]],
                "severity": request.severity.value,
                "policy": "proceed" if proceed else "stop",
                "proceed_on_timeout_from": policy.proceed_on_timeout_from.value,
            },
        ),
    )
    store.remove(incident_id)
    return ApprovalRecorded(
        incident_id=incident_id, outcome="expired", next="proceed" if proceed else "stop", stage=stage
    )
