"""Two people decide the same customer-notice review at once: exactly one decision lands.

Given a notice review waiting in the approvals table (DynamoDB on moto, serialised as the local
fabric serialises it), When two threads decide it at the same moment (two approvals, or one approval
and one rejection), Then the ledger holds exactly one decision, the waiting response is resumed (the
notices sent) or stopped exactly once, and the other is told who decided and when.
"""

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from moto import mock_aws

from bulkhead.local.atomic_writes import serialised_backends
from bulkhead.local.runtime import create_table
from functions.approval.adapters.aws import DynamoNoticeReviewStore
from functions.approval.decided import last_decision
from functions.approval.models import (
    NoticeReviewDecision,
    NoticeReviewDocument,
    PendingNoticeReview,
    ReviewedNotice,
    ReviewStage,
)
from functions.approval.notice_review import NoPendingReview, decide_review
from functions.common.config import Mode, Severity
from functions.ledger.models import EntryType
from infra.fabric import table
from tests.fakes.approvals import RecordingExecution
from tests.fakes.ledger import MemoryLedger

INC = "inc-20261201-raceraces"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> Iterator[DynamoNoticeReviewStore]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    with mock_aws(), serialised_backends():
        import boto3

        db = boto3.client("dynamodb", region_name="eu-west-1")
        waiting = DynamoNoticeReviewStore(db, create_table(db, table("Approvals"), "approvals"))
        notice = ReviewedNotice(key="gdpr/en", subject="s", text="{{greeting}} t", html="h", sms="m", sha256="b" * 64)
        waiting.put(
            PendingNoticeReview(
                incident_id=INC, mode=Mode.LIVE, severity=Severity.HIGH, prepared_at=NOW, task_token="token-review",
                document=NoticeReviewDocument(
                    notices=(notice,), sha256="a" * 64, customers=2, channels=("email",), notice_on=NOW.date()
                ),
                stages=(ReviewStage(role="dpo", person_id="dr-anna-schmidt", person_name="Dr. Anna Schmidt"),),
                requested_at=NOW, expires_at=NOW + timedelta(minutes=30),
            )
        )  # fmt: skip
        yield waiting


def decision(name: str, person_id: str, approved: bool) -> NoticeReviewDecision:
    return NoticeReviewDecision(
        incident_id=INC,
        approved=approved,
        reviewer=name,
        reviewer_id=person_id,
        role="dpo",
        reason="" if approved else "wrong data categories",
    )


@pytest.mark.parametrize("second_approves", [True, False], ids=["both-approve", "approve-and-reject"])
@pytest.mark.parametrize("repetition", range(5))
def test_two_decisions_at_once_land_once_and_the_other_is_told_who_and_when(
    store: DynamoNoticeReviewStore, second_approves: bool, repetition: int
) -> None:
    ledger, execution = MemoryLedger(), RecordingExecution()
    deciders = [
        decision("Dr. Anna Schmidt", "dr-anna-schmidt", approved=True),
        decision("Paul Richter", "paul-richter", approved=second_approves),
    ]
    start = threading.Barrier(len(deciders))
    outcomes: dict[str, Any] = {}

    def decide(d: NoticeReviewDecision) -> None:
        start.wait()
        try:
            outcomes[d.reviewer] = decide_review(d, store, execution, ledger, NOW + timedelta(minutes=repetition))
        except NoPendingReview as exc:
            outcomes[d.reviewer] = exc

    # When both decide at the same moment
    threads = [threading.Thread(target=decide, args=(d,)) for d in deciders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    # Then exactly one decision is in the ledger, and the response was resumed or stopped once
    decided = [e for e in ledger.entries.get(INC, []) if e.type in _DECISIONS]
    assert len(decided) == 1, decided
    assert len(execution.calls) == 1, execution.calls
    winner = str(decided[0].data["person"])
    expected = (
        "resumed" if decided[0].type is EntryType.NOTICE_REVIEW_APPROVED else "stopped"  # notices sent, or none
    )
    assert execution.calls == [expected]
    # ...and the other was refused, told who decided and when; nothing waits any more
    [(_loser, refused)] = [(who, o) for who, o in outcomes.items() if who != winner]
    assert isinstance(refused, NoPendingReview), refused
    verb = "approved" if decided[0].type is EntryType.NOTICE_REVIEW_APPROVED else "rejected"
    told = str(refused)
    if "already" not in told:  # it read the review after the winner removed it: the CLI tells the ledger's decision
        told = f"already {last_decision(ledger.entries[INC], notice=True)}"
    assert f"already {verb} by {winner} at {NOW + timedelta(minutes=repetition):%Y-%m-%d %H:%M:%S} UTC" in told
    assert store.get(INC) is None


_DECISIONS = (EntryType.NOTICE_REVIEW_APPROVED, EntryType.NOTICE_REVIEW_REJECTED)
