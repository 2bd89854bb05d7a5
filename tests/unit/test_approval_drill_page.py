"""An approval page for a drill says it is a drill, so the person paged never reads it as an emergency."""

import json
from datetime import UTC, datetime

import httpx
import pytest

from functions.approval.domain import request_approval
from functions.approval.models import ApprovalRequest, LinkClaims
from functions.common.config import EscalationStage, Mode, ResponsePolicy, Severity
from functions.ledger.domain import ChainedLedger
from functions.ledger.models import LedgerEntry
from functions.paging.adapters.pagerduty import PagerDutyPager
from tests.fakes.approvals import MemoryApprovalStore
from tests.fakes.paging import RecordingPager

NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
INCIDENT = "inc-20261130-drill0000001"


class _LedgerStore:
    def __init__(self) -> None:
        self.entries: list[LedgerEntry] = []

    def head(self, incident_id: str) -> LedgerEntry | None:
        chain = [e for e in self.entries if e.incident_id == incident_id]
        return chain[-1] if chain else None

    def put_new(self, entry: LedgerEntry) -> bool:
        self.entries.append(entry)
        return True


def _page(mode: Mode, severity: Severity, pager: object, stage: str = "on-call") -> list[LedgerEntry]:
    request = ApprovalRequest(
        incident_id=INCIDENT,
        mode=mode,
        severity=severity,
        reasons=("2 containment actions",),
        task_token="task-token",
        timeout_seconds=900,
    )
    policy = ResponsePolicy(escalation=(EscalationStage(name=stage),))

    def link(claims: LinkClaims) -> str | None:
        return None

    store = _LedgerStore()
    ledger = ChainedLedger(store)  # type: ignore[arg-type]
    approvals = MemoryApprovalStore()
    request_approval(request, policy, approvals, lambda _stage: pager, link, ledger, NOW, dpo="Anna Schmidt")  # type: ignore[arg-type,return-value]
    return store.entries


@pytest.mark.parametrize("severity", list(Severity))
def test_a_drill_approval_page_says_drill_first_and_is_never_critical(severity: Severity) -> None:
    # Given a drill incident of any severity that waits for approval
    pager = RecordingPager()
    # When its approvers are paged
    _page(Mode.DRILL, severity, pager)
    # Then subject and message start with DRILL: and the page is informational
    [page] = pager.pages
    assert page.subject.startswith("DRILL:")
    assert page.message.startswith("DRILL:")
    assert "No real incident has occurred." in page.message
    assert page.severity == "info"


@pytest.mark.parametrize("mode", [Mode.LIVE, Mode.DRY_RUN])
def test_a_live_approval_page_keeps_its_severity_and_never_says_drill(mode: Mode) -> None:
    pager = RecordingPager()
    _page(mode, Severity.CRITICAL, pager)
    [page] = pager.pages
    assert "DRILL" not in page.subject + page.message
    assert page.severity == "critical"


def test_pagerduty_receives_a_drill_approval_as_info() -> None:
    # Given PagerDuty behind the pager, and a critical drill incident
    events: list[dict[str, object]] = []

    def pagerduty(request: httpx.Request) -> httpx.Response:
        events.append(json.loads(request.content))
        return httpx.Response(202, json={"status": "success", "message": "Event processed", "dedup_key": "x"})

    http = httpx.Client(transport=httpx.MockTransport(pagerduty))
    pager = PagerDutyPager(http, "R0UT1NGKEY0123456789abcdef012345", sleep=lambda _s: None)
    # When the approval is paged
    _page(Mode.DRILL, Severity.CRITICAL, pager)
    # Then PagerDuty's event is info, and its summary reads as a drill
    [event] = events
    payload = event["payload"]
    assert isinstance(payload, dict)
    assert payload["severity"] == "info"
    assert str(payload["summary"]).startswith("DRILL:")


@pytest.mark.parametrize(
    ("stage", "mode", "told"), [("dpo", Mode.LIVE, True), ("dpo", Mode.DRILL, False), ("on-call", Mode.LIVE, False)]
)
def test_an_approval_page_to_the_dpo_stage_records_when_the_dpo_was_told(stage: str, mode: Mode, told: bool) -> None:
    # Given an incident whose approval stage pages the DPO
    pager = RecordingPager()
    # When the stage is paged
    entries = _page(mode, Severity.HIGH, pager, stage=stage)
    # Then a live incident records the DPO told by page, at the page's time; a drill or another stage does not
    informed = [e for e in entries if e.type.value == "dpo.informed"]
    assert len(pager.pages) == 1
    assert [(e.data["person"], e.data["channel"], e.at) for e in informed] == (
        [("Anna Schmidt", "page", NOW)] if told else []
    )
