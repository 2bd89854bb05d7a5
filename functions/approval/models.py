"""Approvals: a response waits on a human where policy asks for one, escalating stage by stage."""

from datetime import date, datetime
from typing import Literal

from pydantic import ConfigDict, Field, model_validator

from functions.common.config import Mode, Severity
from functions.common.models import Message
from functions.detection.models import Incident
from functions.notification.models import AudienceResolved


class ApprovalRequest(Message):
    """Input of AwaitApproval (lambda:invoke.waitForTaskToken)."""

    incident_id: str
    mode: Mode
    severity: Severity = Severity.HIGH
    reasons: tuple[str, ...]
    task_token: str = Field(min_length=1, repr=False)
    timeout_seconds: int = Field(ge=1, le=604_800)


class PendingApproval(Message):
    incident_id: str
    task_token: str = Field(repr=False)
    reasons: tuple[str, ...]
    requested_at: datetime
    expires_at: datetime
    stage: int = Field(default=0, ge=0)
    stage_name: str = "on-call"
    escalated: bool = False  # this stage timed out; the next request is the next stage


class ApprovalDecision(Message):
    incident_id: str
    approved: bool
    # Who decides: a roster person's name (a link's, or `--as` locally) or an IAM principal's ARN (AWS).
    approver: str = Field(min_length=1, max_length=2048)
    approver_id: str | None = Field(default=None, max_length=2048, description="roster id or IAM ARN")
    role: str | None = None
    iam_principal: str | None = Field(default=None, max_length=2048)  # with --target aws
    note: str = Field(default="", max_length=500)
    via: Literal["cli", "link"] = "cli"


class WaitError(Message):
    """What AwaitApproval's Catch puts at `$.error`. A SendTaskFailure may carry no cause (null)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    Error: str
    Cause: str | None = None


class UnapprovedRequest(Message):
    """Input of RecordApprovalOutcome: the approval timed out or was rejected."""

    incident_id: str
    mode: Mode
    severity: Severity = Severity.HIGH
    error: WaitError


class ApprovalRecorded(Message):
    incident_id: str
    outcome: Literal["rejected", "escalated", "expired"]
    next: Literal["escalate", "proceed", "stop"]
    stage: int = 0


class LinkClaims(Message):
    """What an approval link is signed over: one incident, one stage, one person, until a time.

    `kind` tells a response approval from a customer-notice review; `sha256` binds a review link to
    the notice its person was shown. A changed person id, name or hash breaks the signature.
    """

    incident_id: str
    stage: int = Field(ge=0)
    expires_at: datetime
    kind: Literal["approval", "notice_review"] = "approval"
    person_id: str | None = None
    person_name: str | None = None
    role: str | None = None
    sha256: str | None = None


class LinkDecision(Message):
    """The form a person submits from the link's page: no name, the link says who decides."""

    token: str = Field(min_length=10, max_length=2000, repr=False)
    decision: Literal["approve", "reject"]
    note: str = Field(default="", max_length=500)


# --- customer-notice review ----------------------------------------------------------------------


class ReviewedNotice(Message):
    """One (regime, language) notice as the reviewer reads it; the greeting stays a placeholder."""

    key: str  # regime/language
    subject: str
    text: str
    html: str
    sms: str
    sha256: str


class NoticeReviewDocument(Message):
    """What a reviewer approves: every notice, its hash, and whom it goes to (counts, never who)."""

    notices: tuple[ReviewedNotice, ...]
    sha256: str  # over the notices' own hashes
    customers: int
    channels: tuple[str, ...]
    notice_on: date

    @property
    def hashes(self) -> dict[str, str]:
        return {n.key: n.sha256 for n in self.notices}


class ReviewStage(Message):
    """One person (or, without a roster, one role) who may decide, in escalation order."""

    role: str
    person_id: str | None = None
    person_name: str | None = None


class PendingNoticeReview(Message):
    incident_id: str
    mode: Mode
    severity: Severity
    document: NoticeReviewDocument
    prepared_at: datetime
    stages: tuple[ReviewStage, ...] = Field(min_length=1)
    task_token: str | None = Field(default=None, repr=False)  # None until AwaitNoticeReview runs
    stage: int = Field(default=0, ge=0)
    requested_at: datetime | None = None
    expires_at: datetime | None = None
    escalated: bool = False


class DecisionClaim(Message):
    """Who is deciding a waiting review, and when: the first to claim it decides; any other is told this."""

    by: str = Field(min_length=1, max_length=2048)
    at: datetime
    approved: bool


class NoticeReviewPrepare(Message):
    """Input of PrepareNoticeReview: the incident and its resolved audience."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    incident: Incident
    mode: Mode
    audience: AudienceResolved


class NoticeReviewRequest(Message):
    """Input of AwaitNoticeReview (lambda:invoke.waitForTaskToken)."""

    incident_id: str
    mode: Mode
    task_token: str = Field(min_length=1, repr=False)
    timeout_seconds: int = Field(ge=1, le=604_800)


class UnreviewedRequest(Message):
    """Input of RecordNoticeReviewOutcome: the review timed out or was rejected."""

    incident_id: str
    mode: Mode
    error: WaitError


class NoticeReviewResult(Message):
    """At `$.review`: `send` carries the approved hashes that SendNotices checks every notice against."""

    incident_id: str
    next: Literal["send", "review", "escalate", "hold"]
    outcome: Literal["drill_policy", "pending", "approved", "rejected", "escalated", "expired"]
    sha256: str
    notices: dict[str, str] = Field(default_factory=dict)
    notice_on: date | None = None
    decided_by: str | None = None


class NoticeReviewDecision(Message):
    incident_id: str
    approved: bool
    reviewer: str = Field(min_length=1, max_length=2048)
    reviewer_id: str | None = Field(default=None, max_length=2048, description="roster id or IAM ARN")
    role: str | None = None
    iam_principal: str | None = Field(default=None, max_length=2048)  # with --target aws
    reason: str = Field(default="", max_length=500)
    via: Literal["cli", "link"] = "cli"
    sha256: str | None = Field(default=None, description="the hash the reviewer was shown")

    @model_validator(mode="after")
    def _rejection_says_why(self) -> "NoticeReviewDecision":
        if not self.approved and not self.reason.strip():
            raise ValueError("reason: a rejection says why")
        return self
