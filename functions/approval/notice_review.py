"""Customer notices are read by a person before they go. Pure.

PrepareNoticeReview renders every notice the audience can receive and records its hash; a drill's
notice is approved by the drill policy there, on the record, and pages no one. AwaitNoticeReview
pages one person at a time (the role's first, then its backups, then the next role's), each with a
link bound to them. A rejection stops the notices; when every stage lapsed, the severity's policy
holds them (and on-call is paged) or sends them anyway, on the record. What is then sent must hash
to what was approved (SendNotices refuses a changed notice).
"""

import hashlib
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from functions.approval.domain import DRILL_PREFIX, DRILL_SEVERITY, first_decider, link_person
from functions.approval.links import verify_link
from functions.approval.models import (
    DecisionClaim,
    LinkClaims,
    LinkDecision,
    NoticeReviewDecision,
    NoticeReviewDocument,
    NoticeReviewPrepare,
    NoticeReviewRequest,
    NoticeReviewResult,
    PendingNoticeReview,
    ReviewedNotice,
    ReviewStage,
    UnreviewedRequest,
)
from functions.approval.ports import Execution, NoticeReviewStore
from functions.common.config import FirmConfig, Mode, Severity
from functions.common.errors import BulkheadError
from functions.common.people import actor_of
from functions.ledger.models import EntryDraft, EntryType
from functions.ledger.ports import Ledger
from functions.notification.domain import notice_sha256
from functions.notification.models import RenderedNotice
from functions.paging.models import Page
from functions.paging.ports import Pager

ACTOR = "notice-review"
DRILL_POLICY = "drill policy"
REJECTED = "NoticeRejected"  # the error a rejection sends to the waiting task (the ASL catches it)


class NoPendingReview(BulkheadError):
    """No customer notice waits for a review on this incident (decided, escalated past, or never asked)."""


class ReviewBeingDecided(NoPendingReview):
    """Someone else decided this review first (their decision is being recorded): names who and when."""


class ReviewedNoticeChanged(BulkheadError):
    """The decision names a notice hash other than the one waiting: the notice changed since it was shown."""


def review_stages(config: FirmConfig, severity: Severity) -> tuple[ReviewStage, ...]:
    """In escalation order: each person of each reviewing role; without a roster, each role."""
    roles = config.policy.notice_review.roles_for(severity)
    stages = tuple(
        ReviewStage(role=role.value, person_id=p.person_id, person_name=p.name)
        for role in roles
        for p in config.people(role)
    )
    return stages or tuple(ReviewStage(role=role.value) for role in roles)


def review_document(
    notices: Mapping[str, RenderedNotice], customers: int, channels: tuple[str, ...], prepared: datetime
) -> NoticeReviewDocument:
    reviewed = tuple(
        ReviewedNotice(key=key, subject=n.subject, text=n.text, html=n.html, sms=n.sms, sha256=notice_sha256(n))
        for key, n in sorted(notices.items())
    )
    overall = hashlib.sha256("\n".join(f"{n.key} {n.sha256}" for n in reviewed).encode()).hexdigest()
    return NoticeReviewDocument(
        notices=reviewed, sha256=overall, customers=customers, channels=channels, notice_on=prepared.date()
    )


def prepare_review(
    request: NoticeReviewPrepare,
    config: FirmConfig,
    document: NoticeReviewDocument,
    store: NoticeReviewStore,
    ledger: Ledger,
    now: datetime,
) -> NoticeReviewResult:
    """Record what would be sent and its hash; keep it for the reviewer, or approve it by drill policy."""
    incident = request.incident
    review = config.policy.notice_review
    by_drill_policy = request.mode is Mode.DRILL and review.drills == "drill_policy"
    stages = review_stages(config, incident.severity)
    ledger.append(
        incident.incident_id,
        EntryDraft(
            type=EntryType.NOTICE_REVIEW_PREPARED,
            actor=ACTOR,
            at=now,
            data={
                "sha256": document.sha256,
                "notices": document.hashes,
                "customers": document.customers,
                "channels": list(document.channels),
                "reviewers": [s.person_id or s.role for s in stages],
                "on_expiry": review.expiry(incident.severity),
                "mode": request.mode.value,
            },
        ),
    )
    if by_drill_policy:
        # A drill's notice reaches only the sink: approved by the drill policy, no person is paged.
        ledger.append(
            incident.incident_id,
            EntryDraft(
                type=EntryType.NOTICE_REVIEW_APPROVED,
                actor=ACTOR,
                at=now,
                data={"approved_by": DRILL_POLICY, "sha256": document.sha256, "via": "drill_policy"},
            ),
        )
        return _send(incident.incident_id, document, "drill_policy", DRILL_POLICY)
    store.put(
        PendingNoticeReview(
            incident_id=incident.incident_id,
            mode=request.mode,
            severity=incident.severity,
            document=document,
            prepared_at=now,
            stages=stages,
        )
    )
    return NoticeReviewResult(
        incident_id=incident.incident_id, next="review", outcome="pending", sha256=document.sha256
    )


def _send(incident_id: str, document: NoticeReviewDocument, outcome: str, by: str | None) -> NoticeReviewResult:
    return NoticeReviewResult.model_validate(
        {
            "incident_id": incident_id,
            "next": "send",
            "outcome": outcome,
            "sha256": document.sha256,
            "notices": document.hashes,
            "notice_on": document.notice_on,
            "decided_by": by,
        }
    )


def request_review(
    request: NoticeReviewRequest,
    store: NoticeReviewStore,
    pager_for: Callable[[str], Pager],
    link_for: Callable[[LinkClaims], str | None],
    ledger: Ledger,
    now: datetime,
) -> PendingNoticeReview:
    """Keep the task token for this stage and page its one person (or role) with their own link."""
    found = store.get(request.incident_id)
    if found is None:
        raise NoPendingReview(f"incident {request.incident_id}: no prepared notice to review")
    stage = found.stage + 1 if found.escalated else found.stage
    stage = min(stage, len(found.stages) - 1)
    who = found.stages[stage]
    pending = found.model_copy(
        update={
            "task_token": request.task_token,
            "stage": stage,
            "requested_at": now,
            "expires_at": now + timedelta(seconds=request.timeout_seconds),
            "escalated": False,
        }
    )
    store.put(pending)
    expires = pending.expires_at or now
    document = pending.document
    ledger.append(
        request.incident_id,
        EntryDraft(
            type=EntryType.NOTICE_REVIEW_REQUESTED,
            actor=ACTOR,
            at=now,
            data={
                "stage": stage,
                "role": who.role,
                "person_id": who.person_id,
                "person": who.person_name,
                "sha256": document.sha256,
                "customers": document.customers,
                "channels": list(document.channels),
                "expires_at": expires.isoformat(),
            },
        ),
    )
    link = (
        link_for(
            LinkClaims(
                kind="notice_review",
                incident_id=request.incident_id,
                stage=stage,
                expires_at=expires,
                person_id=who.person_id,
                person_name=who.person_name,
                role=who.role,
                sha256=document.sha256,
            )
        )
        if who.person_id
        else None
    )
    drill = request.mode is Mode.DRILL
    prefix = DRILL_PREFIX if drill else ""
    as_whom = who.person_id or "PERSON"
    how = f"`bulkhead notice review {request.incident_id} --approve --as {as_whom}`" + (f" or {link}" if link else "")
    pager_for(who.role).page(
        Page(
            subject=f"{prefix}Bulkhead: customer notice to review ({who.role})"[:100],
            message=(
                f"{prefix}Incident {request.incident_id}: the customer notice to {document.customers} customers "
                f"({', '.join(document.channels)}; {len(document.notices)} versions, sha256 {document.sha256[:12]}) "
                f"waits for your review. Read it and approve or reject with {how} before {expires:%H:%M} UTC; "
                "then it escalates. Nothing is sent before a decision."
                + (" No real incident has occurred." if drill else "")
            ),
            incident_id=request.incident_id,
            stage=who.role,
            severity=DRILL_SEVERITY if drill else pending.severity.value,
            person=who.person_id,
            dedup_key=f"{request.incident_id}/notice-review/{stage}",
        )
    )
    return pending


def decide_review(
    decision: NoticeReviewDecision, store: NoticeReviewStore, execution: Execution, ledger: Ledger, now: datetime
) -> PendingNoticeReview:
    """Record the decision, then send (approve) or hold (reject) the waiting notices."""
    pending = store.get(decision.incident_id)
    nothing = NoPendingReview(f"incident {decision.incident_id} has no customer notice waiting for a review")
    if pending is None or pending.task_token is None or pending.escalated:
        raise nothing
    document = pending.document
    if decision.sha256 is not None and decision.sha256 != document.sha256:
        raise ReviewedNoticeChanged(
            f"incident {decision.incident_id}: the notice waiting is sha256 {document.sha256}, not the "
            f"{decision.sha256} that was shown; read it again"
        )
    # Two people may decide at once: the first claim decides, the other is told who and when, and the
    # waiting response is resumed (the notices sent) or stopped once.
    ours = DecisionClaim(by=decision.reviewer, at=now, approved=decision.approved)
    first_decider(store.claim(pending, ours), ours, decision.incident_id, nothing, ReviewBeingDecided)
    try:
        if decision.approved:
            result = _send(decision.incident_id, document, "approved", decision.reviewer)
            execution.resume(pending.task_token, result.model_dump(mode="json"))
        else:
            execution.reject(pending.task_token, REJECTED, f"rejected by {decision.reviewer}: {decision.reason}"[:256])
    except Exception:
        store.release(pending, ours)  # the waiting execution is gone: nothing decided, nothing recorded
        raise
    ledger.append(
        decision.incident_id,
        EntryDraft(
            type=EntryType.NOTICE_REVIEW_APPROVED if decision.approved else EntryType.NOTICE_REVIEW_REJECTED,
            actor=actor_of(decision.reviewer, decision.iam_principal),
            at=now,
            data={
                "person_id": decision.reviewer_id,
                "person": decision.reviewer,
                "role": decision.role,
                "iam_principal": decision.iam_principal,
                "reason": decision.reason,
                "via": decision.via,
                "stage": pending.stage,
                "sha256": document.sha256,
            },
        ),
    )
    store.remove(decision.incident_id)
    return pending


def decide_review_by_link(
    form: LinkDecision, key: bytes, store: NoticeReviewStore, execution: Execution, ledger: Ledger, now: datetime
) -> PendingNoticeReview:
    """A decision from a signed review link: genuine, unexpired, for the waiting stage and notice."""
    claims = link_person(verify_link(form.token, key, now), "notice_review")
    pending = store.get(claims.incident_id)
    if pending is None or pending.escalated or pending.stage != claims.stage:
        raise NoPendingReview(f"incident {claims.incident_id} has no notice review waiting at this link's stage")
    decision = NoticeReviewDecision(
        incident_id=claims.incident_id,
        approved=form.decision == "approve",
        reviewer=claims.person_name or "",
        reviewer_id=claims.person_id,
        role=claims.role,
        reason=form.note,
        via="link",
        sha256=claims.sha256,
    )
    return decide_review(decision, store, execution, ledger, now)


def record_unreviewed(
    request: UnreviewedRequest, config: FirmConfig, store: NoticeReviewStore, ledger: Ledger, now: datetime
) -> NoticeReviewResult:
    """After a rejection: hold. After a timeout: the next stage, or past the last one the policy."""
    incident_id = request.incident_id
    pending = store.get(incident_id)
    digest = pending.document.sha256 if pending else ""
    if request.error.Error != "States.Timeout":
        store.remove(incident_id)  # the rejection was recorded with who and why by `decide_review`
        return NoticeReviewResult(incident_id=incident_id, next="hold", outcome="rejected", sha256=digest)
    if pending is None:
        raise NoPendingReview(f"incident {incident_id}: the timed-out review is not on record")
    waited = (now - pending.requested_at).total_seconds() if pending.requested_at else None
    if pending.stage + 1 < len(pending.stages):
        here, there = pending.stages[pending.stage], pending.stages[pending.stage + 1]
        store.put(pending.model_copy(update={"escalated": True}))
        ledger.append(
            incident_id,
            EntryDraft(
                type=EntryType.NOTICE_REVIEW_ESCALATED,
                actor=ACTOR,
                at=now,
                data={
                    "from_person": here.person_id or here.role,
                    "to_person": there.person_id or there.role,
                    "to_role": there.role,
                    "waited_seconds": waited,
                },
            ),
        )
        return NoticeReviewResult(incident_id=incident_id, next="escalate", outcome="escalated", sha256=digest)
    policy = config.policy.notice_review.expiry(pending.severity)
    ledger.append(
        incident_id,
        EntryDraft(
            type=EntryType.NOTICE_REVIEW_EXPIRED,
            actor=ACTOR,
            at=now,
            data={
                "stages": [s.person_id or s.role for s in pending.stages],
                "severity": pending.severity.value,
                "policy": policy,
                # `send`: the notice goes without a person's approval, and this entry says so
                "sent_without_review": policy == "send",
                "sha256": digest,
            },
        ),
    )
    store.remove(incident_id)
    if policy == "send":
        return _send(incident_id, pending.document, "expired", None)
    return NoticeReviewResult(incident_id=incident_id, next="hold", outcome="expired", sha256=digest)
