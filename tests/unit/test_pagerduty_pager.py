"""The PagerDuty Events API v2 adapter over httpx.MockTransport: the trigger's shape, per-stage dedup
keys, retries with jittered back-off on 429 and 5xx, none on other 4xx, and no personal data in what
is sent."""

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from functions.approval.domain import request_approval
from functions.approval.models import ApprovalRequest, LinkClaims
from functions.common.config import EscalationStage, Mode, Person, ResponsePolicy, Severity
from functions.common.errors import PermanentActionFailure, PlatformThrottled, TransientPlatformError
from functions.ledger.domain import ChainedLedger
from functions.paging.adapters.pagerduty import EVENTS_URL, PagerDutyPager
from functions.paging.models import Page
from tests.fakes.approvals import MemoryApprovalStore
from tests.fakes.ledger import MemoryLedgerStore

ROUTING_KEY = "R0UT1NGKEY0123456789abcdef012345"
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
PAGE = Page(
    subject="Bulkhead: approval needed (on-call)",
    message="Incident inc-20261127-abcdef123456 (high) waits for approval.",
    incident_id="inc-20261127-abcdef123456",
    stage="on-call",
    severity="high",
    dedup_key="inc-20261127-abcdef123456/approval",
)


class PagerDuty:
    """What PagerDuty receives, and what it answers: a script of statuses (then 202 for ever)."""

    def __init__(self, *statuses: int, retry_after: str | None = None) -> None:
        self.statuses = list(statuses)
        self.retry_after = retry_after
        self.events: list[dict[str, Any]] = []
        self.urls: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.urls.append(str(request.url))
        self.events.append(json.loads(request.content))
        status = self.statuses.pop(0) if self.statuses else 202
        headers = {"Retry-After": self.retry_after} if self.retry_after and status == 429 else {}
        body = {"status": "success", "message": "Event processed", "dedup_key": "x"} if status == 202 else {}
        return httpx.Response(status, json=body, headers=headers)


def pager(pagerduty: Callable[[httpx.Request], httpx.Response], sleeps: list[float]) -> PagerDutyPager:
    http = httpx.Client(transport=httpx.MockTransport(pagerduty))
    return PagerDutyPager(http, ROUTING_KEY, attempts=3, sleep=sleeps.append)


def test_a_page_is_one_trigger_event_in_the_documented_shape() -> None:
    # Given PagerDuty accepting events
    pagerduty = PagerDuty()
    sleeps: list[float] = []
    # When a page is sent
    pager(pagerduty, sleeps).page(PAGE)
    # Then one trigger went to the enqueue endpoint, shaped as Events API v2 asks
    assert pagerduty.urls == [EVENTS_URL]
    [event] = pagerduty.events
    assert event == {
        "routing_key": ROUTING_KEY,
        "event_action": "trigger",
        "dedup_key": "inc-20261127-abcdef123456/approval/on-call",
        "payload": {
            "summary": f"{PAGE.subject}: {PAGE.message}",
            "source": "bulkhead",
            "severity": "error",  # our "high" is PagerDuty's "error"
            "custom_details": {"incident_id": PAGE.incident_id, "stage": "on-call"},
        },
    }
    assert sleeps == []


def test_each_escalation_stage_opens_its_own_alert_and_a_retried_page_does_not() -> None:
    pagerduty = PagerDuty()
    chosen = pager(pagerduty, [])
    # When the same stage is paged twice (a retried step) and then the next stage
    chosen.page(PAGE)
    chosen.page(PAGE)
    chosen.page(PAGE.model_copy(update={"stage": "security-lead", "severity": "critical"}))
    # Then the first two share one dedup key, the escalation has another
    keys = [e["dedup_key"] for e in pagerduty.events]
    assert keys[0] == keys[1] != keys[2]
    assert keys[2] == "inc-20261127-abcdef123456/approval/security-lead"
    assert pagerduty.events[2]["payload"]["severity"] == "critical"


def test_a_long_summary_and_key_are_cut_to_pagerdutys_limits() -> None:
    pagerduty = PagerDuty()
    long_page = PAGE.model_copy(update={"message": "x" * 4000, "dedup_key": "k" * 255})
    pager(pagerduty, []).page(long_page)
    [event] = pagerduty.events
    assert len(event["dedup_key"]) == 255
    assert len(event["payload"]["summary"]) == 1024


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_throttling_and_server_errors_are_retried_with_jittered_waits(status: int) -> None:
    # Given PagerDuty failing twice (no Retry-After), then accepting
    pagerduty = PagerDuty(status, status)
    sleeps: list[float] = []
    # When a page is sent
    pager(pagerduty, sleeps).page(PAGE)
    # Then it was sent three times, the same event each time, after two waits within the jitter's bounds
    assert len(pagerduty.events) == 3
    assert pagerduty.events[0] == pagerduty.events[1] == pagerduty.events[2]
    assert len(sleeps) == 2
    floor = 1.0 if status == 429 else 0.0  # a 429 without Retry-After waits at least a second
    assert all(floor <= s <= floor + 5.0 for s in sleeps)


def test_retry_after_is_honoured() -> None:
    pagerduty = PagerDuty(429, retry_after="3")
    sleeps: list[float] = []
    pager(pagerduty, sleeps).page(PAGE)
    assert len(sleeps) == 1 and sleeps[0] >= 3.0
    assert len(pagerduty.events) == 2


def test_a_retry_after_longer_than_a_lambda_should_wait_goes_to_the_state_machine() -> None:
    pagerduty = PagerDuty(429, retry_after="30")
    sleeps: list[float] = []
    with pytest.raises(PlatformThrottled) as raised:
        pager(pagerduty, sleeps).page(PAGE)
    assert raised.value.retry_after_seconds == 30.0
    assert len(pagerduty.events) == 1 and sleeps == []


def test_persistent_throttling_is_raised_for_the_state_machine_to_back_off() -> None:
    pagerduty = PagerDuty(429, 429, 429)
    sleeps: list[float] = []
    with pytest.raises(PlatformThrottled):
        pager(pagerduty, sleeps).page(PAGE)
    assert len(pagerduty.events) == 3 and len(sleeps) == 2


def test_a_persistent_outage_is_a_retryable_error() -> None:
    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    sleeps: list[float] = []
    with pytest.raises(TransientPlatformError, match="unreachable") as raised:
        pager(unreachable, sleeps).page(PAGE)
    assert not isinstance(raised.value, PlatformThrottled)
    assert len(sleeps) == 2


def test_a_persistent_server_error_is_raised_for_the_state_machine_to_retry() -> None:
    pagerduty = PagerDuty(503, 503, 503)
    sleeps: list[float] = []
    with pytest.raises(TransientPlatformError, match="503"):
        pager(pagerduty, sleeps).page(PAGE)
    assert len(pagerduty.events) == 3 and len(sleeps) == 2


@pytest.mark.parametrize("status", [400, 401, 403, 404, 413])
def test_a_refused_event_is_not_retried(status: int) -> None:
    pagerduty = PagerDuty(status)
    sleeps: list[float] = []
    with pytest.raises(PermanentActionFailure, match=f"HTTP {status}"):
        pager(pagerduty, sleeps).page(PAGE)
    assert len(pagerduty.events) == 1 and sleeps == []


def test_an_approval_page_sends_no_personal_data_no_task_token_and_no_link_secret() -> None:
    # Given an incident whose approval is paged to PagerDuty at both escalation stages
    pagerduty = PagerDuty()
    chosen = pager(pagerduty, [])
    policy = ResponsePolicy(escalation=(EscalationStage(name="on-call"), EscalationStage(name="security-lead")))
    approvals = MemoryApprovalStore()
    request = ApprovalRequest(
        incident_id="inc-20261127-abcdef123456",
        mode=Mode.LIVE,
        severity=Severity.HIGH,
        reasons=("severity high is below auto-approval (critical)", "2 containment actions"),
        task_token="AQCEAAAAKgAAAAMAAAAAAAAAA-secret-task-token",
        timeout_seconds=900,
    )

    def link(claims: LinkClaims) -> str:
        return f"https://api.example/approvals?token=signed-{claims.stage}"

    # When the first stage is paged
    store = MemoryLedgerStore()
    ledger = ChainedLedger(store)
    # (its one roster person, whose contact stays out of the page: a link is made for them)
    on_call = (Person(name="Jonas Weber", contact="jonas.weber@acme.example"),)
    request_approval(request, policy, approvals, lambda _stage: chosen, link, ledger, NOW, people=lambda _s: on_call)
    # Then the event carries the incident, the reasons and the link, and nothing else of the incident
    [event] = pagerduty.events
    sent = json.dumps(event)
    assert request.task_token not in sent
    assert set(event) == {"routing_key", "event_action", "dedup_key", "payload"}
    assert set(event["payload"]) == {"summary", "source", "severity", "custom_details"}
    assert event["payload"]["custom_details"] == {
        "incident_id": "inc-20261127-abcdef123456",
        "stage": "on-call",
    }
    assert "@" not in sent  # no e-mail address, no customer or subject ids
    assert "customer:" not in sent
    assert "approvals?token=signed-0" in sent
    # ...and the request is on the incident's chain
    assert [e.type.value for e in store.entries_list(request.incident_id)] == ["approval.requested"]
