"""The drill report, rendered without a browser: grouped timeline, honest badge, manual tasks named."""

from datetime import UTC, datetime, timedelta

from bulkhead.drills.report import render
from bulkhead.local.timeline import Step, grouped
from functions.ledger.domain import ChainedLedger
from functions.ledger.models import ChainVerdict, EntryDraft, EntryType
from tests.fakes.ledger import MemoryLedgerStore

T0 = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


def deliveries(n: int) -> list[Step]:
    return [Step("ReceiveWebhook", T0 + timedelta(milliseconds=10 * i), 0.005, "ok") for i in range(n)]


def test_fifty_deliveries_become_one_row_with_their_count_span_and_worst_outcome() -> None:
    steps = [
        *deliveries(49),
        Step("ReceiveWebhook", T0 + timedelta(milliseconds=490), 0.010, "retried"),
        Step("DetectIncident", T0 + timedelta(milliseconds=600), 0.020, "ok"),
        Step("ReceiveWebhook", T0 + timedelta(milliseconds=700), 0.005, "ok"),
    ]
    rows = grouped(steps)
    assert [(r.name, r.count, r.outcome) for r in rows] == [
        ("ReceiveWebhook", 50, "retried"),
        ("DetectIncident", 1, "ok"),
        ("ReceiveWebhook", 1, "ok"),  # a later run of the step is a row of its own, in time order
    ]
    assert rows[0].started == T0 and abs(rows[0].seconds - 0.5) < 1e-9


def test_a_run_without_a_scorecard_is_not_scored_not_failed_and_open_tasks_are_named() -> None:
    ledger = ChainedLedger(MemoryLedgerStore())
    incident = "inc-20261130-report"
    task = {"action_id": "act-2", "kind": "magento.disable_integration", "store_id": "acme-us"}
    entries = [
        ledger.append(incident, EntryDraft(type=EntryType.INCIDENT_DECLARED, actor="detection", at=T0, data={})),
        ledger.append(incident, EntryDraft(type=EntryType.ACTION_MANUAL_TASK, actor="containment", at=T0, data=task)),
    ]
    verdict = ChainVerdict(incident_id=incident, entries=2, valid=True, head_hash=entries[-1].hash)

    page = render("Thin path", incident, deliveries(3), None, verdict, entries)

    assert 'id="verdict" class="verdict neutral">NOT SCORED' in page
    assert "FAILED" not in page
    assert page.count('<rect class="bar"') == 1 and 'data-count="3"' in page
    assert '<tr class="task"><td><code>act-2</code></td><td>magento.disable_integration</td>' in page
    assert f"bulkhead action done {incident} act-2" in page and ">OPEN</td>" in page
    # ...and once a person reports it done, the task shows as done
    done = ledger.append(
        incident,
        EntryDraft(type=EntryType.ACTION_APPLIED, actor="operator:a.jones", at=T0, data={"action_id": "act-2"}),
    )
    assert ">done</td>" in render("Thin path", incident, [], None, verdict, [*entries, done])


def test_a_broken_ledger_without_a_scorecard_fails() -> None:
    verdict = ChainVerdict(incident_id="i", entries=1, valid=False, head_hash="x", first_bad_seq=0, problem="hash")
    assert 'class="verdict fail">FAILED' in render("Thin path", "i", [], None, verdict, [])


def test_a_response_that_left_tasks_open_says_the_incident_awaits_a_person_until_it_is_closed() -> None:
    ledger = ChainedLedger(MemoryLedgerStore())
    incident = "inc-20261130-awaiting"
    task = {"action_id": "act-2", "kind": "magento.disable_integration", "store_id": "acme-us"}
    completed = {"mode": "drill", "manual_tasks": 1, "open_tasks": ["act-2"]}
    entries = [
        ledger.append(incident, EntryDraft(type=EntryType.INCIDENT_DECLARED, actor="detection", at=T0, data={})),
        ledger.append(incident, EntryDraft(type=EntryType.ACTION_MANUAL_TASK, actor="containment", at=T0, data=task)),
        ledger.append(incident, EntryDraft(type=EntryType.RESPONSE_COMPLETED, actor="response", at=T0, data=completed)),
    ]
    verdict = ChainVerdict(incident_id=incident, entries=3, valid=True, head_hash=entries[-1].hash)

    page = render("Insider", incident, [], None, verdict, entries)

    assert "the incident awaits a person to close it: 1 manual tasks are open" in page
    assert f"bulkhead incident close {incident} --by NAME --reason WHY" in page
    # ...and once a person closed it, the report no longer says it waits
    resolved = ledger.append(
        incident, EntryDraft(type=EntryType.INCIDENT_RESOLVED, actor="person:Maria Keller", at=T0, data={})
    )
    assert 'id="awaiting"' not in render("Insider", incident, [], None, verdict, [*entries, resolved])
