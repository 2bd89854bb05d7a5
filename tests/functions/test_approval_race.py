"""Two people decide the same response approval at once: exactly one decision lands.

Given an approval waiting in the approvals table (DynamoDB on moto, serialised as the local fabric
serialises it), When two threads decide it at the same moment (two approvals, or one approval and one
rejection), Then the ledger holds exactly one decision, the waiting response is resumed or stopped
exactly once, and the other is told who decided and when.
"""

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from moto import mock_aws

from bulkhead.local.atomic_writes import serialised_backends
from bulkhead.local.runtime import create_table
from functions.approval.adapters.aws import DynamoApprovalStore
from functions.approval.decided import last_decision
from functions.approval.domain import NoPendingApproval, decide
from functions.approval.models import ApprovalDecision, PendingApproval
from functions.ledger.models import EntryType
from infra.fabric import table
from tests.fakes.approvals import RecordingExecution
from tests.fakes.ledger import MemoryLedger

INC = "inc-20261201-approvalrace"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
DECISIONS = (EntryType.APPROVAL_GRANTED, EntryType.APPROVAL_REJECTED)


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> Iterator[DynamoApprovalStore]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    with mock_aws(), serialised_backends():
        import boto3

        db = boto3.client("dynamodb", region_name="eu-west-1")
        waiting = DynamoApprovalStore(db, create_table(db, table("Approvals"), "approvals"))
        waiting.put(
            PendingApproval(
                incident_id=INC,
                task_token="token-approval",
                reasons=("high severity",),
                requested_at=NOW,
                expires_at=NOW + timedelta(minutes=15),
            )
        )
        yield waiting


@pytest.mark.parametrize("second_approves", [True, False], ids=["both-approve", "approve-and-reject"])
@pytest.mark.parametrize("repetition", range(5))
def test_two_decisions_at_once_land_once_and_the_other_is_told_who_and_when(
    store: DynamoApprovalStore, second_approves: bool, repetition: int
) -> None:
    ledger, execution = MemoryLedger(), RecordingExecution()
    deciders = [
        ApprovalDecision(incident_id=INC, approved=True, approver="Maria Keller", approver_id="maria-keller"),
        ApprovalDecision(incident_id=INC, approved=second_approves, approver="Tom Baker", approver_id="tom-baker"),
    ]
    at = NOW + timedelta(minutes=repetition)
    start = threading.Barrier(len(deciders))
    outcomes: dict[str, object] = {}

    def decide_now(d: ApprovalDecision) -> None:
        start.wait()
        try:
            outcomes[d.approver] = decide(d, store, execution, ledger, at)
        except NoPendingApproval as exc:
            outcomes[d.approver] = exc

    # When both decide at the same moment
    threads = [threading.Thread(target=decide_now, args=(d,)) for d in deciders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    # Then exactly one decision is in the ledger, and the response was resumed or stopped once
    [decided] = [e for e in ledger.entries.get(INC, []) if e.type in DECISIONS]
    granted = decided.type is EntryType.APPROVAL_GRANTED
    assert execution.calls == ["resumed" if granted else "stopped"]
    winner = "Maria Keller" if decided.data["person_id"] == "maria-keller" else "Tom Baker"
    # ...and the other was refused, told who decided and when; nothing waits any more
    [refused] = [o for who, o in outcomes.items() if who != winner]
    assert isinstance(refused, NoPendingApproval), refused
    told = str(refused)
    if "already" not in told:  # it read the approval after the winner removed it: the CLI tells the ledger's
        told = f"already {last_decision(ledger.entries[INC], notice=False)}"
    verb = "approved" if granted else "rejected"
    assert f"already {verb} by {winner} at {at:%Y-%m-%d %H:%M:%S} UTC" in told, told
    assert store.get(INC) is None


def test_a_decision_that_cannot_reach_the_response_gives_the_approval_back(store: DynamoApprovalStore) -> None:
    class Gone(RecordingExecution):
        def resume(self, task_token: str, output: object) -> None:  # type: ignore[override]
            raise NoPendingApproval("the waiting execution is gone")

    decision = ApprovalDecision(incident_id=INC, approved=True, approver="Maria Keller", approver_id="maria-keller")
    ledger = MemoryLedger()

    with pytest.raises(NoPendingApproval):
        decide(decision, store, Gone(), ledger, NOW)

    # Nothing recorded, and the approval waits again for a decision that can reach the response
    assert ledger.entries.get(INC, []) == []
    assert decide(decision, store, RecordingExecution(), ledger, NOW).incident_id == INC
    assert [e.type for e in ledger.entries[INC]] == [EntryType.APPROVAL_GRANTED]
