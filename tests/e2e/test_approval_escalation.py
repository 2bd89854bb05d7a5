"""Approvals end to end on the local fabric: granted, rejected, timed out with escalation, signed links.

Given a high-severity incident for a sandbox store (below the firm's auto-approval at critical),
When the response runs, Then it waits on a task token, pages each escalation stage, and goes on
or stops as the approver or the policy decides; every request, decision and escalation is a ledger
entry with who and when.
"""

import json
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bulkhead.local.runtime import DEFAULT_CONFIG, DEFAULT_SECRETS, LocalFabric, http_api_event, local_fabric
from functions.approval.domain import decide
from functions.approval.links import sign_link
from functions.approval.models import ApprovalDecision, LinkClaims
from functions.approval.wiring import approval_store, execution
from functions.common import clients
from functions.ledger.adapters.dynamodb import DynamoLedgerStore
from functions.ledger.models import LedgerEntry
from functions.ledger.wiring import ledger
from tests.fakes.oncall import OnCallInbox

LINK_SECRET_ID = "bulkhead/approval-link-key"
LINK_KEY = "sandbox-approval-link-key-0123456789"
BASE_URL = "http://127.0.0.1:8787"


@contextmanager
def fabric_with(tmp_path: Path, timeout_seconds: int, links: bool = False, **policy: Any) -> Iterator[LocalFabric]:
    """The sandbox firm with `policy` changes, signed links if asked, and a short approval wait."""
    firm = json.loads(DEFAULT_CONFIG.read_text())
    secrets = json.loads(DEFAULT_SECRETS.read_text())
    firm["policy"] |= policy
    if links:
        firm["policy"] |= {"approval_link_base_url": BASE_URL, "approval_link_secret_id": LINK_SECRET_ID}
        secrets[LINK_SECRET_ID] = LINK_KEY
    else:  # a firm without links (the sandbox configuration names a key for `bulkhead serve`)
        firm["policy"].pop("approval_link_secret_id", None)
    (tmp_path / "firm.json").write_text(json.dumps(firm))
    (tmp_path / "secrets.json").write_text(json.dumps(secrets))
    waits = {"RetryIntervalSeconds": 1, "ApprovalTimeoutSeconds": timeout_seconds, "IsolationConcurrency": 10,
             "NotificationConcurrency": 4}  # fmt: skip
    with local_fabric(tmp_path / "firm.json", tmp_path / "secrets.json", log_level="ERROR", tunables=waits) as running:
        yield running


def declared(incident_id: str, severity: str = "high") -> dict[str, Any]:
    now = datetime.now(UTC).isoformat()
    return {
        "incident": {
            "incident_id": incident_id,
            "store_id": "acme-eu",
            "platform": "shopify",
            "rule_id": "shopify-admin-api-customer-reads",
            "title": "Unusual volume of Admin API customer reads by one app token",
            "severity": severity,
            "data_categories": ["contact"],
            "scope": {"subject_ids": ["customer:7001", "customer:7003"], "components": ["customer_tags"]},
            "jurisdictions": ["DE"],
            "aware_at": now,
            "declared_at": now,
            "signal_ids": ["sig-approval-test"],
        },
        "mode": "drill",
    }


class Inbox(OnCallInbox):
    """The pages as on-call receives them; the approval pages among them."""

    def approval_pages(self) -> list[dict[str, Any]]:
        """Every response here is a drill: its approval pages must say so first and page as info."""
        pages = [p for p in self.read() if "Bulkhead: approval needed" in p["Subject"]]
        for page in pages:
            assert page["Subject"].startswith("DRILL: Bulkhead: approval needed"), page["Subject"]
            assert page["Message"].startswith("DRILL: "), page["Message"]
            assert page["MessageAttributes"]["severity"]["Value"] == "info"
        return pages


def wait_for(condition: Callable[[], Any], seconds: float = 20.0) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"not within {seconds} s: {condition}")


def entries(fabric: LocalFabric, incident_id: str) -> list[LedgerEntry]:
    return list(DynamoLedgerStore(clients.client("dynamodb"), fabric.tables["Ledger"]).entries(incident_id))


def approvals(fabric: LocalFabric, incident_id: str) -> list[LedgerEntry]:
    return [e for e in entries(fabric, incident_id) if e.type.value.startswith("approval.")]


def types(fabric: LocalFabric, incident_id: str) -> list[str]:
    return [e.type.value for e in entries(fabric, incident_id)]


def token_in(page: dict[str, Any]) -> str:
    found = re.search(r"/approvals\?token=([A-Za-z0-9_.-]+)", page["Message"])
    assert found, page["Message"]
    return found.group(1)


def get_link(fabric: LocalFabric, token: str) -> dict[str, Any]:
    event = http_api_event("GET", "/approvals", {}, b"")
    event["rawQueryString"], event["queryStringParameters"] = f"token={token}", {"token": token}
    return fabric.invoke("DecideApproval", event)


def post_link(fabric: LocalFabric, form: dict[str, str]) -> dict[str, Any]:
    headers = {"content-type": "application/x-www-form-urlencoded"}
    return fabric.invoke("DecideApproval", http_api_event("POST", "/approvals", headers, urlencode(form).encode()))


# --- granted ----------------------------------------------------------------------------------------


def test_a_signed_link_shows_the_decision_page_and_its_form_approves_the_response(tmp_path: Path) -> None:
    with fabric_with(tmp_path, timeout_seconds=60, links=True) as fabric:
        inbox = Inbox(fabric)
        # Given a high-severity response waiting for approval, and its page with a signed link
        arn = fabric.start_response(declared("inc-approval-link-01"))
        [page] = wait_for(inbox.approval_pages)
        # ...paged to the on-call stage's one roster person (the security role), with a link of their own
        assert page["MessageAttributes"]["stage"]["Value"] == "on-call"
        assert page["MessageAttributes"]["person"]["Value"] == "jonas-weber"
        token = token_in(page)
        assert "action.applied" not in types(fabric, "inc-approval-link-01")  # nothing contained yet
        # When the approver opens the link
        shown = get_link(fabric, token)
        # Then the page names the incident and the person deciding, offers approve / reject, never cached
        assert shown["statusCode"] == 200
        assert "inc-approval-link-01" in shown["body"] and 'value="approve"' in shown["body"]
        assert "You are deciding as <b>Jonas Weber</b> (security)" in shown["body"]
        assert 'name="approver"' not in shown["body"]  # no free-text name: the link says who
        assert shown["headers"]["cache-control"] == "no-store"
        # When the form is sent without a decision, Then 400 names the field and nothing is decided
        incomplete = post_link(fabric, {"token": token})
        assert incomplete["statusCode"] == 400 and "decision" in incomplete["body"]
        # ...and a form that brings a name of its own is refused: the link is the identity
        named = post_link(fabric, {"token": token, "decision": "approve", "approver": "mallory"})
        assert named["statusCode"] == 400 and "approver" in named["body"]
        # When it is sent
        decided = post_link(fabric, {"token": token, "decision": "approve", "note": "ok"})
        assert decided["statusCode"] == 200 and "approved by Jonas Weber" in decided["body"]
        # ...and once more (a double click)
        again = post_link(fabric, {"token": token, "decision": "approve"})
        assert again["statusCode"] == 409
        fabric.settle()
        # Then the response went on and contained, and the ledger has who, when and how
        assert fabric.execution(arn)["status"] == "SUCCEEDED"
        recorded = approvals(fabric, "inc-approval-link-01")
        assert [e.type.value for e in recorded] == ["approval.requested", "approval.granted"]
        granted = recorded[1]
        assert granted.actor == "person:Jonas Weber"
        assert (granted.data["via"], granted.data["stage_name"], granted.data["note"]) == ("link", "on-call", "ok")
        assert (granted.data["person_id"], granted.data["role"]) == ("jonas-weber", "security")
        assert recorded[0].at <= granted.at <= datetime.now(UTC)
        after = types(fabric, "inc-approval-link-01")
        assert after.index("approval.granted") < after.index("action.applied")
        # (the response closes the incident itself only when it left no manual task open)
        assert after[-1] == ("response.completed" if "action.manual_task" in after else "incident.closed")


def test_forged_and_expired_links_are_refused_and_decide_nothing(tmp_path: Path) -> None:
    with fabric_with(tmp_path, timeout_seconds=60, links=True) as fabric:
        inbox = Inbox(fabric)
        arn = fabric.start_response(declared("inc-approval-link-02"))
        token = token_in(wait_for(inbox.approval_pages)[0])
        body, mac = token.split(".")
        forged = f"{body}.{mac[::-1]}"
        expired = sign_link(
            LinkClaims(
                incident_id="inc-approval-link-02", stage=0, expires_at=datetime.now(UTC) - timedelta(seconds=1)
            ),
            LINK_KEY.encode(),
        )
        other_key = sign_link(
            LinkClaims(incident_id="inc-approval-link-02", stage=0, expires_at=datetime.now(UTC) + timedelta(hours=1)),
            b"not-the-firm-key",
        )
        # When each is opened or submitted, Then 403 says why
        for bad, why in (
            (forged, "signature"),
            (expired, "expired"),
            (other_key, "signature"),
            ("x" * 20, "malformed"),
        ):
            assert get_link(fabric, bad)["statusCode"] == 403
            refused = post_link(fabric, {"token": bad, "decision": "approve"})
            assert refused["statusCode"] == 403 and why in refused["body"]
        # ...and the response still waits: nothing recorded but the request
        assert [e.type.value for e in approvals(fabric, "inc-approval-link-02")] == ["approval.requested"]
        assert fabric.execution(arn)["status"] == "RUNNING"
        decide(
            ApprovalDecision(incident_id="inc-approval-link-02", approved=False, approver="test-teardown"),
            approval_store(), execution(), ledger(), datetime.now(UTC),
        )  # fmt: skip
        fabric.settle()


def test_links_answer_404_when_the_firm_has_not_enabled_them(tmp_path: Path) -> None:
    with fabric_with(tmp_path, timeout_seconds=60) as fabric:
        assert get_link(fabric, "a" * 20)["statusCode"] == 404


# --- rejected ---------------------------------------------------------------------------------------


def test_a_rejection_stops_the_response_before_containment_and_pages_oncall(tmp_path: Path) -> None:
    with fabric_with(tmp_path, timeout_seconds=60) as fabric:
        inbox = Inbox(fabric)
        arn = fabric.start_response(declared("inc-approval-reject-01"))
        wait_for(inbox.approval_pages)
        # When the on-call engineer rejects (what `bulkhead approve --reject --as jonas-weber` does)
        rejection = ApprovalDecision(
            incident_id="inc-approval-reject-01",
            approved=False,
            approver="Jonas Weber",
            approver_id="jonas-weber",
            role="security",
            note="false positive",
        )
        decide(rejection, approval_store(), execution(), ledger(), datetime.now(UTC))
        fabric.settle()
        # Then the response stopped without containing anything
        assert fabric.execution(arn)["status"] == "FAILED"
        kinds = types(fabric, "inc-approval-reject-01")
        assert not {"action.applied", "degradation.set", "incident.closed", "response.completed"} & set(kinds)
        rejected = next(e for e in approvals(fabric, "inc-approval-reject-01") if e.type.value == "approval.rejected")
        assert (rejected.actor, rejected.data["note"], rejected.data["via"]) == (
            "person:Jonas Weber",
            "false positive",
            "cli",
        )
        # ...and on-call was told it stopped, and why
        stopped = wait_for(lambda: [p for p in inbox.read() if p["Subject"] == "Bulkhead: response stopped"])
        assert "ApprovalRejected" in stopped[0]["Message"]


# --- timed out --------------------------------------------------------------------------------------


def test_an_unanswered_approval_escalates_stage_by_stage_then_proceeds_for_high_severity(tmp_path: Path) -> None:
    # Given the default policy: on-call, then security-lead; past the last stage, high and above proceed
    with fabric_with(tmp_path, timeout_seconds=1) as fabric:
        inbox = Inbox(fabric)
        arn = fabric.start_response(declared("inc-approval-timeout-01"))
        # When nobody answers
        fabric.settle()
        # Then each stage was asked and paged in turn, the escalation and the expiry are on record
        recorded = approvals(fabric, "inc-approval-timeout-01")
        assert [e.type.value for e in recorded] == [
            "approval.requested", "approval.escalated", "approval.requested", "approval.expired",
        ]  # fmt: skip
        assert [e.data["stage_name"] for e in recorded if e.type.value == "approval.requested"] == [
            "on-call", "security-lead",
        ]  # fmt: skip
        escalated, expired = recorded[1], recorded[3]
        assert (escalated.actor, escalated.data["from_stage"], escalated.data["to_stage"]) == (
            "approval", "on-call", "security-lead",
        )  # fmt: skip
        assert escalated.data["waited_seconds"] >= 0.9
        assert (expired.data["policy"], expired.data["stages"]) == ("proceed", ["on-call", "security-lead"])
        paged = inbox.approval_pages()
        # on-call: its one person; security-lead: each of the incident commanders
        attributes = [p["MessageAttributes"] for p in paged]
        assert [(a["stage"]["Value"], a["person"]["Value"]) for a in attributes] == [
            ("on-call", "jonas-weber"), ("security-lead", "maria-keller"), ("security-lead", "tom-baker"),
        ]  # fmt: skip
        # ...and the response contained anyway
        assert fabric.execution(arn)["status"] == "SUCCEEDED"
        kinds = types(fabric, "inc-approval-timeout-01")
        assert kinds.index("approval.expired") < kinds.index("action.applied")


def test_an_unanswered_approval_stops_below_the_policys_proceed_severity(tmp_path: Path) -> None:
    with fabric_with(tmp_path, timeout_seconds=1, proceed_on_timeout_from="critical") as fabric:
        inbox = Inbox(fabric)
        arn = fabric.start_response(declared("inc-approval-timeout-02"))
        fabric.settle()
        assert fabric.execution(arn)["status"] == "FAILED"
        expired = approvals(fabric, "inc-approval-timeout-02")[-1]
        assert (expired.type.value, expired.data["policy"], expired.data["severity"]) == (
            "approval.expired", "stop", "high",
        )  # fmt: skip
        assert "action.applied" not in types(fabric, "inc-approval-timeout-02")
        stopped = [p for p in inbox.read() if p["Subject"] == "Bulkhead: response stopped"]
        assert stopped and "States.Timeout" in stopped[0]["Message"]


def test_after_escalation_the_first_stages_link_is_spent_and_the_next_stage_approves(tmp_path: Path) -> None:
    with fabric_with(tmp_path, timeout_seconds=4, links=True) as fabric:
        inbox = Inbox(fabric)
        arn = fabric.start_response(declared("inc-approval-escalate-01"))
        first = token_in(wait_for(inbox.approval_pages)[0])
        # When on-call lets its stage time out and security-lead is paged
        second_page = wait_for(lambda: inbox.approval_pages()[1:], seconds=15)[0]
        assert second_page["MessageAttributes"]["stage"]["Value"] == "security-lead"
        # Then on-call's link no longer decides anything
        late = post_link(fabric, {"token": first, "decision": "approve"})
        assert late["statusCode"] in (403, 409)  # 409: escalated past; 403 once its own wait ended
        # ...and security-lead's does
        decided = post_link(fabric, {"token": token_in(second_page), "decision": "approve"})
        assert decided["statusCode"] == 200
        fabric.settle()
        assert fabric.execution(arn)["status"] == "SUCCEEDED"
        recorded = approvals(fabric, "inc-approval-escalate-01")
        assert [e.type.value for e in recorded] == [
            "approval.requested", "approval.escalated", "approval.requested", "approval.granted",
        ]  # fmt: skip
        assert (recorded[-1].actor, recorded[-1].data["stage_name"]) == ("person:Maria Keller", "security-lead")
