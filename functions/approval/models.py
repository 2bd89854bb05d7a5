"""Approvals: a response waits on a human where policy asks for one, escalating stage by stage."""

from datetime import datetime
from typing import Literal

from pydantic import ConfigDict, Field

from functions.common.config import Mode, Severity
from functions.common.models import Message


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
    approver: str = Field(min_length=1, max_length=128)
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
    """What an approval link is signed over: one incident, one stage, until a time."""

    incident_id: str
    stage: int = Field(ge=0)
    expires_at: datetime


class LinkDecision(Message):
    """The form an approver submits from the link's page."""

    token: str = Field(min_length=10, max_length=2000, repr=False)
    decision: Literal["approve", "reject"]
    approver: str = Field(min_length=1, max_length=128)
    note: str = Field(default="", max_length=500)
