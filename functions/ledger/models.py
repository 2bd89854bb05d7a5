"""The incident ledger's entries: one hash chain per incident, never personal data."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field

from functions.common.models import Message

GENESIS_HASH = "0" * 64


class EntryType(StrEnum):
    SIGNAL_DISPOSITION = "signal.disposition"
    SIGNAL_DISPOSITIONS_COUNTED = "signal.dispositions_counted"
    INCIDENT_DECLARED = "incident.declared"
    INCIDENT_CLASSIFIED = "incident.classified"
    RESPONSE_PLANNED = "response.planned"
    APPROVAL_REQUESTED = "approval.requested"
    APPROVAL_GRANTED = "approval.granted"
    APPROVAL_REJECTED = "approval.rejected"
    APPROVAL_EXPIRED = "approval.expired"
    APPROVAL_ESCALATED = "approval.escalated"
    ACTION_PLANNED = "action.planned"
    ACTION_APPLIED = "action.applied"
    ACTION_VERIFIED = "action.verified"
    ACTION_FAILED = "action.failed"
    ACTION_REVERTED = "action.reverted"
    ACTION_MANUAL_TASK = "action.manual_task"
    DEGRADATION_SET = "degradation.set"
    DEGRADATION_CLEARED = "degradation.cleared"
    NOTIFICATION_PLANNED = "notification.planned"
    NOTIFICATION_BATCH_SENT = "notification.batch_sent"
    NOTIFICATION_BOUNCED = "notification.bounced"
    NOTIFICATION_COMPLETED = "notification.completed"
    REGULATOR_NOTICE_DRAFTED = "regulator.notice_drafted"
    CLOCK_STARTED = "clock.started"
    CLOCK_MET = "clock.met"
    CLOCK_MISSED = "clock.missed"
    CLOCK_FILED_LATE = "clock.filed_late"
    STEP_FAILED = "step.failed"
    DRILL_SCORED = "drill.scored"
    INCIDENT_CLOSED = "incident.closed"


class EntryDraft(Message):
    """What a step asks the ledger to record; the ledger adds sequence and hashes."""

    type: EntryType
    actor: str = Field(min_length=1, description="function or operator that acted")
    at: datetime
    data: dict[str, Any] = Field(default_factory=dict)


class LedgerEntry(Message):
    incident_id: str
    seq: int = Field(ge=0)
    type: EntryType
    actor: str
    at: datetime
    data: dict[str, Any]
    prev_hash: str
    hash: str

    def body(self) -> dict[str, Any]:
        """The hashed part: everything but the hash itself, in wire form."""
        return self.model_dump(mode="json", exclude={"hash"})


class ChainVerdict(Message):
    incident_id: str
    entries: int
    valid: bool
    head_hash: str
    first_bad_seq: int | None = None
    problem: str | None = None
