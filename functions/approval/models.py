"""Approvals: a response waits on a human where policy asks for one."""

from datetime import datetime

from pydantic import Field

from functions.common.config import Mode
from functions.common.models import Message, StepError


class ApprovalRequest(Message):
    """Input of AwaitApproval (lambda:invoke.waitForTaskToken)."""

    incident_id: str
    mode: Mode
    reasons: tuple[str, ...]
    task_token: str = Field(min_length=1, repr=False)
    timeout_seconds: int = Field(ge=1, le=604_800)


class PendingApproval(Message):
    incident_id: str
    task_token: str = Field(repr=False)
    reasons: tuple[str, ...]
    requested_at: datetime
    expires_at: datetime


class ApprovalDecision(Message):
    incident_id: str
    approved: bool
    approver: str = Field(min_length=1, max_length=128)
    note: str = Field(default="", max_length=500)


class UnapprovedRequest(Message):
    """Input of RecordApprovalOutcome: the approval timed out or was rejected."""

    incident_id: str
    mode: Mode
    error: StepError


class ApprovalRecorded(Message):
    incident_id: str
    outcome: str
