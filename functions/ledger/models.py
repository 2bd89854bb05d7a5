"""The incident ledger's entries: one hash chain per incident, never personal data."""

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import Field

from functions.common.models import Message
from functions.ledger.canonical import canonical

GENESIS_HASH = "0" * 64
SIGNING_ALGORITHM = "ECDSA_SHA_256"


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
    # SES feedback for an incident's notices, as counts: bounces, complaints and deliveries.
    NOTIFICATION_FEEDBACK = "notification.feedback"
    NOTIFICATION_COMPLETED = "notification.completed"
    REGULATOR_NOTICE_DRAFTED = "regulator.notice_drafted"
    # Customer notices wait for a person: prepared (the hash), requested (who is paged), decided.
    NOTICE_REVIEW_PREPARED = "notice.review_prepared"
    NOTICE_REVIEW_REQUESTED = "notice.review_requested"
    NOTICE_REVIEW_APPROVED = "notice.review_approved"
    NOTICE_REVIEW_REJECTED = "notice.review_rejected"
    NOTICE_REVIEW_ESCALATED = "notice.review_escalated"
    NOTICE_REVIEW_EXPIRED = "notice.review_expired"
    CLOCK_STARTED = "clock.started"
    CLOCK_MET = "clock.met"
    CLOCK_MISSED = "clock.missed"
    CLOCK_FILED_LATE = "clock.filed_late"
    STEP_FAILED = "step.failed"
    DRILL_SCORED = "drill.scored"
    HEALTH_CHECKED = "health.checked"  # a control-health canary run (chain health-YYYY-MM-DD)
    INCIDENT_CONTAINED = "incident.contained"
    INCIDENT_NOTIFIED = "incident.notified"
    INCIDENT_CLOSED = "incident.closed"
    # The automated response ended with manual tasks open: the incident stays open until the last
    # task is reported done (`bulkhead action done`) or a person closes it (`bulkhead incident close`).
    RESPONSE_COMPLETED = "response.completed"
    RESTORE_COMPLETED = "restore.completed"
    # Local fabric only: a response cut off by a crash or Ctrl-C, and what the operator chose.
    RESPONSE_INTERRUPTED = "response.interrupted"
    RESPONSE_RESUMED = "response.resumed"
    RESPONSE_ABANDONED = "response.abandoned"
    ANCHOR_FAILED = "ledger.anchor_failed"
    # Heads whose anchoring had failed (or never ran), signed and anchored again.
    ANCHORS_REPAIRED = "ledger.anchors_repaired"
    # Incident command: what the people running the incident record, each naming the person.
    INCIDENT_NOTED = "incident.noted"
    INCIDENT_ASSIGNED = "incident.assigned"
    INCIDENT_ESCALATED = "incident.escalated"
    # The commander's closure; `incident.closed` marks the end of the automated response.
    INCIDENT_RESOLVED = "incident.resolved"
    CLOCK_WITHDRAWN = "clock.withdrawn"  # a filing recorded in error, undone with a reason
    TASK_CREATED = "task.created"  # a role's task (DPO, customer service, e-commerce...)
    TASK_DONE = "task.done"
    TASK_OVERDUE = "task.overdue"
    REVIEW_RECORDED = "review.recorded"  # the post-incident review, by its SHA-256
    # When the DPO was told (GDPR Art. 33-34 run from awareness; the DPO decides on the filings).
    DPO_INFORMED = "dpo.informed"
    # The GDPR Art. 33(5) record: facts, effects and remedial action; each amendment a new entry.
    BREACH_FACTS = "breach.facts"


class Milestone(StrEnum):
    """What a signed head marks: a milestone of the incident, or any other head (a checkpoint).

    Every head the ledger writes is signed and anchored; a milestone's anchor also names it.
    """

    DECLARED = "declared"
    CONTAINED = "contained"
    NOTIFIED = "notified"
    CLOSED = "closed"
    CHECKPOINT = "checkpoint"


# Appending one of these entries anchors the head it creates under the milestone's name.
MILESTONES: dict[EntryType, Milestone] = {
    EntryType.INCIDENT_DECLARED: Milestone.DECLARED,
    EntryType.INCIDENT_CONTAINED: Milestone.CONTAINED,
    EntryType.INCIDENT_NOTIFIED: Milestone.NOTIFIED,
    EntryType.INCIDENT_CLOSED: Milestone.CLOSED,
}


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

    def sealed(self) -> "SealedEntry":
        return SealedEntry(self.incident_id, self.seq, self.prev_hash, canonical(self.body()), self.hash)

    @classmethod
    def from_sealed(cls, sealed: "SealedEntry") -> "LedgerEntry":
        return cls.model_validate({**json.loads(sealed.body), "hash": sealed.hash})


@dataclass(frozen=True, slots=True)
class SealedEntry:
    """An entry as stored and verified: the exact canonical bytes that were hashed, and the hash.

    `incident_id`, `seq` and `prev_hash` are read from `body`, never stored beside it, so what is
    verified is what is read. Verification works on these, not on models, to stay fast.
    """

    incident_id: str
    seq: int
    prev_hash: str
    body: bytes
    hash: str

    @classmethod
    def parse(cls, body: bytes, hash_hex: str) -> "SealedEntry":
        fields = json.loads(body)
        return cls(str(fields["incident_id"]), int(fields["seq"]), str(fields["prev_hash"]), body, hash_hex)


class ChainVerdict(Message):
    incident_id: str
    entries: int
    valid: bool
    head_hash: str
    first_bad_seq: int | None = None
    problem: str | None = None


class AnchorStatement(Message):
    """What is signed at a milestone: this incident's chain had this head at this sequence number."""

    incident_id: str
    seq: int = Field(ge=0)
    head_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    milestone: Milestone
    at: datetime
    key_id: str
    public_key_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class Anchor(Message):
    """A signed statement, as written to the Object Lock bucket: `statement` is the signed bytes."""

    statement: str = Field(description="RFC 8785 JSON of an AnchorStatement; exactly the bytes signed")
    signature: str = Field(description="base64 of the DER-encoded ECDSA signature")
    algorithm: Literal["ECDSA_SHA_256"] = "ECDSA_SHA_256"

    def parsed(self) -> AnchorStatement:
        return AnchorStatement.model_validate_json(self.statement)


class AnchorCheck(Message):
    milestone: Milestone
    seq: int
    valid: bool
    problem: str | None = None


class LedgerVerdict(Message):
    """The full verification: the chain, every anchor's signature, every milestone anchored, the last
    entry covered by a signed head, and no signed head beyond the last entry."""

    incident_id: str
    entries: int
    head_hash: str
    valid: bool
    first_bad_seq: int | None = None
    problem: str | None = None
    anchors: tuple[AnchorCheck, ...] = ()
    unanchored_tail: int = Field(0, description="entries after the last anchor, covered by no signature")
    public_key_sha256: str | None = None
    key_pinned: bool = Field(False, description="the key's fingerprint was checked against an expected one")


class RepairOutcome(Message):
    """What `ChainedLedger.repair` anchored again; `entry_seq` is the entry that records it, if any."""

    incident_id: str
    anchored: tuple[tuple[int, Milestone], ...] = ()
    entry_seq: int | None = None
