"""Customer notices wait for a person before they go, end to end on the local fabric.

Given a critical incident (auto-approved: no approval wait) for a sandbox store, and a firm whose
drills have their notices reviewed like live ones, When the response reaches the notices, Then it
holds them: nothing reaches the notification sink until the paged reviewer approves through the
link bound to them (then each customer gets the notice exactly once); unanswered, the review
escalates person by person and, past the last, the severity's policy holds the notices (nothing
sent, on-call paged) or sends them anyway, on the record.
"""

import base64
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from bulkhead.local.runtime import DEFAULT_CONFIG, DEFAULT_SECRETS, REGION, LocalFabric, local_fabric
from functions.approval.models import NoticeReviewDecision
from functions.approval.notice_review import decide_review
from functions.approval.wiring import execution, notice_review_store
from functions.common import clients
from functions.ledger.adapters.dynamodb import DynamoLedgerStore
from functions.ledger.models import LedgerEntry
from functions.ledger.wiring import ledger
from tests.e2e.test_approval_escalation import (
    BASE_URL,
    LINK_KEY,
    LINK_SECRET_ID,
    get_link,
    post_link,
    token_in,
    wait_for,
)
from tests.e2e.test_drill_report import browse
from tests.fakes.oncall import OnCallInbox

SINK = "success@simulator.amazonses.com"
REVIEW_PAGE = "Bulkhead: customer notice to review"
# The sandbox firm's reviewers of a critical incident: its DPO, the DPO's backup, customer service.
REVIEWERS = ["dr-anna-schmidt", "paul-richter", "sam-okafor"]


@contextmanager
def reviewed_fabric(tmp_path: Path, review_seconds: int, on_expiry: str = "hold") -> Iterator[LocalFabric]:
    """The sandbox firm, signed links on, drills reviewed by people, `on_expiry` for critical incidents."""
    firm = json.loads(DEFAULT_CONFIG.read_text())
    secrets = json.loads(DEFAULT_SECRETS.read_text())
    firm["policy"] |= {"approval_link_base_url": BASE_URL, "approval_link_secret_id": LINK_SECRET_ID}
    firm["policy"]["notice_review"] |= {"drills": "review", "on_expiry": {"critical": on_expiry}}
    secrets[LINK_SECRET_ID] = LINK_KEY
    (tmp_path / "firm.json").write_text(json.dumps(firm))
    (tmp_path / "secrets.json").write_text(json.dumps(secrets))
    waits = {"RetryIntervalSeconds": 1, "NoticeReviewTimeoutSeconds": review_seconds}
    with local_fabric(tmp_path / "firm.json", tmp_path / "secrets.json", log_level="ERROR", tunables=waits) as running:
        yield running


def declared(incident_id: str) -> dict[str, Any]:
    now = datetime.now(UTC).isoformat()
    return {
        "incident": {
            "incident_id": incident_id,
            "store_id": "acme-eu",
            "platform": "shopify",
            "rule_id": "shopify-bulk-customer-export",
            "title": "Bulk export of customer data by an unknown app",
            "severity": "critical",
            "data_categories": ["contact", "financial_account"],
            "scope": {"subject_ids": ["customer:7001", "customer:7003"], "components": []},
            "jurisdictions": ["DE"],
            "aware_at": now,
            "declared_at": now,
            "signal_ids": ["sig-notice-review"],
        },
        "mode": "drill",
    }


class Pages(OnCallInbox):
    """Every page as it was sent; the notice review pages among them."""

    def reviews(self) -> list[dict[str, Any]]:
        return [p for p in self.read() if REVIEW_PAGE in p["Subject"]]


def sink_destinations() -> list[str]:
    sent = ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages
    return [d["Destination"]["ToAddresses"][0] for m in sent for d in getattr(m, "destinations", [])]


def entries(fabric: LocalFabric, incident_id: str) -> list[LedgerEntry]:
    return list(DynamoLedgerStore(clients.client("dynamodb"), fabric.tables["Ledger"]).entries(incident_id))


def kinds(fabric: LocalFabric, incident_id: str) -> list[str]:
    return [e.type.value for e in entries(fabric, incident_id)]


def one(fabric: LocalFabric, incident_id: str, kind: str) -> LedgerEntry:
    [found] = [e for e in entries(fabric, incident_id) if e.type.value == kind]
    return found


def for_someone_else(token: str) -> str:
    """The same link with another person's roster id in its claims, the signature kept."""
    body, mac = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["person_id"] = "sam-okafor"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{forged}.{mac}"


def test_a_notice_is_held_until_its_reviewer_approves_then_sent_once(tmp_path: Path) -> None:
    with reviewed_fabric(tmp_path, review_seconds=90) as fabric:
        pages = Pages(fabric)
        incident_id = "inc-notice-review-01"
        arn = fabric.start_response(declared(incident_id))
        # Given the response contained and reached the notices: the first reviewer is paged, alone
        [page] = wait_for(pages.reviews, seconds=60)
        assert page["MessageAttributes"]["person"]["Value"] == "dr-anna-schmidt"
        assert page["Subject"].startswith("DRILL: ")
        token = token_in(page)
        # Then nothing has reached the sink and the response waits
        assert sink_destinations() == []
        assert "notification.batch_sent" not in kinds(fabric, incident_id)
        assert fabric.execution(arn)["status"] == "RUNNING"
        prepared = one(fabric, incident_id, "notice.review_prepared")
        # When the reviewer opens the link: it says who decides, shows the notice, its hash, audience, channels
        shown = get_link(fabric, token)
        assert shown["statusCode"] == 200
        body = shown["body"]
        assert "You are deciding as <b>Dr. Anna Schmidt</b> (dpo)" in body
        assert 'name="approver"' not in body  # no free-text name: the link is the identity
        assert prepared.data["sha256"] in body and "<dt>Customers</dt><dd>2</dd>" in body
        assert "{{greeting}}" in body  # a template with placeholders: no customer's data
        assert "real-customer" not in body and "7001" not in body
        # ...and the page reads as such in headless Chromium: who decides, the notice, a form with no name
        (tmp_path / "review.html").write_text(body)
        dom = " ".join(browse(tmp_path / "review.html", tmp_path / "profile", "--dump-dom").stdout.split())
        assert "You are deciding as <b>Dr. Anna Schmidt</b> (dpo)" in dom and "<h2>gdpr/" in dom
        assert '<input name="note"' in dom and 'name="approver"' not in dom
        # When the person id in the link is changed, Then the signature fails and nothing is decided
        tampered = for_someone_else(token)
        assert get_link(fabric, tampered)["statusCode"] == 403
        refused = post_link(fabric, {"token": tampered, "decision": "approve"})
        assert refused["statusCode"] == 403 and "signature" in refused["body"]
        assert sink_destinations() == []
        # When the reviewer approves
        decided = post_link(fabric, {"token": token, "decision": "approve", "note": "reads well"})
        assert decided["statusCode"] == 200 and "approved by Dr. Anna Schmidt" in decided["body"]
        fabric.settle()
        # Then the notices went out, each customer exactly once, after the approval
        assert fabric.execution(arn)["status"] == "SUCCEEDED"
        assert sink_destinations() == [SINK, SINK]
        approved = one(fabric, incident_id, "notice.review_approved")
        assert approved.actor == "person:Dr. Anna Schmidt"
        assert (approved.data["person_id"], approved.data["role"], approved.data["via"]) == (
            "dr-anna-schmidt", "dpo", "link",
        )  # fmt: skip
        assert approved.data["sha256"] == prepared.data["sha256"]
        after = kinds(fabric, incident_id)
        assert after.index("notice.review_approved") < after.index("notification.batch_sent")
        # ...and a second decision is told who decided and when
        again = post_link(fabric, {"token": token, "decision": "reject", "note": "too late"})
        assert again["statusCode"] == 409
        assert re.search(r"Already approved by Dr\. Anna Schmidt at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", again["body"])


def test_a_rejected_notice_sends_nothing_and_records_who_and_why(tmp_path: Path) -> None:
    with reviewed_fabric(tmp_path, review_seconds=90) as fabric:
        pages = Pages(fabric)
        incident_id = "inc-notice-review-02"
        arn = fabric.start_response(declared(incident_id))
        wait_for(pages.reviews, seconds=60)
        # When the reviewer rejects (what `bulkhead notice review --reject --reason ... --as` does)
        decide_review(
            NoticeReviewDecision(
                incident_id=incident_id, approved=False, reviewer="Dr. Anna Schmidt", reviewer_id="dr-anna-schmidt",
                role="dpo", reason="wrong data categories",
            ),
            notice_review_store(), execution(), ledger(), datetime.now(UTC),
        )  # fmt: skip
        fabric.settle()
        # Then nothing was sent, the response says the notices are held, and on-call was told
        assert fabric.execution(arn)["status"] == "FAILED"
        assert sink_destinations() == []
        rejected = one(fabric, incident_id, "notice.review_rejected")
        assert (rejected.actor, rejected.data["reason"]) == ("person:Dr. Anna Schmidt", "wrong data categories")
        assert "notification.batch_sent" not in kinds(fabric, incident_id)
        held = wait_for(lambda: [p for p in pages.read() if p["Subject"] == "Bulkhead: customer notices held"])
        assert "NoticeRejected" in held[0]["Message"]


def test_an_unreviewed_notice_escalates_person_by_person_then_is_held(tmp_path: Path) -> None:
    # Given the default policy past the last reviewer: hold
    with reviewed_fabric(tmp_path, review_seconds=1, on_expiry="hold") as fabric:
        pages = Pages(fabric)
        incident_id = "inc-notice-review-03"
        arn = fabric.start_response(declared(incident_id))
        # When nobody reviews
        fabric.settle()
        # Then each reviewer was paged in turn, with their own link
        paged = pages.reviews()
        assert [p["MessageAttributes"]["person"]["Value"] for p in paged] == REVIEWERS
        assert len({token_in(p) for p in paged}) == 3
        recorded = [e for e in entries(fabric, incident_id) if e.type.value.startswith("notice.review_")]
        assert [e.type.value for e in recorded] == [
            "notice.review_prepared",
            "notice.review_requested", "notice.review_escalated",
            "notice.review_requested", "notice.review_escalated",
            "notice.review_requested", "notice.review_expired",
        ]  # fmt: skip
        expired = recorded[-1]
        assert (expired.data["policy"], expired.data["sent_without_review"]) == ("hold", False)
        # ...and nothing was sent; on-call was paged that the notices are held
        assert sink_destinations() == []
        assert "notification.batch_sent" not in kinds(fabric, incident_id)
        assert fabric.execution(arn)["status"] == "FAILED"
        held = [p for p in pages.read() if p["Subject"] == "Bulkhead: customer notices held"]
        assert held and "States.Timeout" in held[0]["Message"]


def test_an_unreviewed_notice_is_sent_anyway_under_a_send_policy_and_the_ledger_says_so(tmp_path: Path) -> None:
    with reviewed_fabric(tmp_path, review_seconds=1, on_expiry="send") as fabric:
        incident_id = "inc-notice-review-04"
        arn = fabric.start_response(declared(incident_id))
        fabric.settle()
        assert fabric.execution(arn)["status"] == "SUCCEEDED"
        expired = one(fabric, incident_id, "notice.review_expired")
        assert (expired.data["policy"], expired.data["sent_without_review"]) == ("send", True)
        assert "notice.review_approved" not in kinds(fabric, incident_id)
        assert sink_destinations() == [SINK, SINK]
        after = kinds(fabric, incident_id)
        assert after.index("notice.review_expired") < after.index("notification.batch_sent")


def test_a_drills_notice_is_approved_by_drill_policy_and_pages_no_one() -> None:
    # Given the sandbox firm as configured (drills: drill_policy)
    with local_fabric(log_level="ERROR") as fabric:
        pages = Pages(fabric)
        incident_id = "inc-notice-review-05"
        arn = fabric.start_response(declared(incident_id))
        fabric.settle()
        assert fabric.execution(arn)["status"] == "SUCCEEDED"
        approved = one(fabric, incident_id, "notice.review_approved")
        assert (approved.actor, approved.data["approved_by"]) == ("notice-review", "drill policy")
        assert pages.reviews() == []
        assert "notice.review_requested" not in kinds(fabric, incident_id)
        assert sink_destinations() == [SINK, SINK]
