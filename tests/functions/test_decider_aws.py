"""`bulkhead approve` and `bulkhead notice review` with `--target aws` record the caller's IAM principal.

Given a deployment (moto) whose approvals table holds a waiting approval and a waiting notice
review, When a person decides with --target aws (no --as), Then the ledger entry's actor is the
ARN that sts:GetCallerIdentity returns for the caller, and the waiting execution is resumed.
"""

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from bulkhead.cli.main import app
from functions.approval import wiring as approval_wiring
from functions.approval.models import (
    NoticeReviewDocument,
    PendingApproval,
    PendingNoticeReview,
    ReviewedNotice,
    ReviewStage,
)
from functions.approval.wiring import approval_store, notice_review_store
from functions.common import clients
from functions.common.config import Mode, Severity
from functions.ledger.adapters.dynamodb import DynamoLedgerStore
from functions.ledger.models import LedgerEntry
from infra.fabric import table
from tests.functions.test_incident_command_aws import INC, TABLES, deployment  # noqa: F401 - the fixture

runner = CliRunner()


class Resumed:
    """The Step Functions callback as the execution receives it (a moto execution cannot wait on a token)."""

    def __init__(self) -> None:
        self.outputs: list[Mapping[str, object]] = []

    def resume(self, task_token: str, output: Mapping[str, object]) -> None:
        self.outputs.append(output)

    def reject(self, task_token: str, error: str, cause: str) -> None:
        raise AssertionError("nothing is rejected here")


@pytest.fixture
def waiting(deployment: None, monkeypatch: pytest.MonkeyPatch) -> Resumed:  # noqa: F811
    from bulkhead.local.runtime import create_table

    create_table(clients.client("dynamodb"), table("Approvals"), "bh-prod-approvals")
    monkeypatch.setenv("APPROVALS_TABLE_NAME", "bh-prod-approvals")
    now = datetime.now(UTC)
    approval_store().put(
        PendingApproval(
            incident_id=INC, task_token="token-approval", reasons=("severity high",), requested_at=now,
            expires_at=now + timedelta(minutes=15),
        )
    )  # fmt: skip
    notice = ReviewedNotice(key="gdpr/en", subject="s", text="{{greeting}} t", html="h", sms="m", sha256="b" * 64)
    notice_review_store().put(
        PendingNoticeReview(
            incident_id=INC, mode=Mode.LIVE, severity=Severity.HIGH, prepared_at=now, task_token="token-review",
            document=NoticeReviewDocument(
                notices=(notice,), sha256="a" * 64, customers=2, channels=("email",), notice_on=now.date()
            ),
            stages=(ReviewStage(role="dpo", person_id="dr-anna-schmidt", person_name="Dr. Anna Schmidt"),),
            requested_at=now, expires_at=now + timedelta(minutes=30),
        )
    )  # fmt: skip
    resumed = Resumed()
    monkeypatch.setattr(approval_wiring, "execution", lambda: resumed)
    return resumed


def entries() -> list[LedgerEntry]:
    return list(DynamoLedgerStore(clients.client("dynamodb"), TABLES["Ledger"]).entries(INC))


def test_an_aws_approval_and_review_record_the_iam_principal(waiting: Resumed) -> None:
    arn = clients.client("sts").get_caller_identity()["Arn"]
    result = runner.invoke(app, ["approve", INC, "--target", "aws", "--note", "contain it"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["notice", "review", INC, "--approve", "--target", "aws"])
    assert result.exit_code == 0, result.output
    granted = next(e for e in entries() if e.type.value == "approval.granted")
    reviewed = next(e for e in entries() if e.type.value == "notice.review_approved")
    assert (granted.actor, granted.data["person_id"]) == (f"iam:{arn}", arn)
    assert (reviewed.actor, reviewed.data["person_id"], reviewed.data["sha256"]) == (f"iam:{arn}", arn, "a" * 64)
    # ...and the review resumed the execution with the approved hashes
    assert [o.get("notices") for o in waiting.outputs] == [None, {"gdpr/en": "b" * 64}]
