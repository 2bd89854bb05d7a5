"""Role tasks and the incident screen, pure: due times from the clocks, overdue escalation, closing.

Given an incident's ledger and its clocks, When the sweep runs at a given time, Then the tasks the
record calls for are created once, naming the configured person, and an overdue task is recorded
once and paged to on-call with the backup named (a drill's never paged).
"""

from datetime import UTC, datetime, timedelta

import pytest

from functions.clocks.models import Clock, ClockStatus, StartEvent
from functions.common.config import Mode, Regime, Severity
from functions.incidents.domain import CloseNeedsReason, build_view, close
from functions.incidents.models import CloseRequest
from functions.incidents.tasks import create_tasks, escalate_overdue
from functions.ledger.domain import ChainedLedger
from functions.ledger.models import EntryDraft, EntryType
from tests.fakes import builders
from tests.fakes.ledger import MemoryLedgerStore
from tests.fakes.paging import RecordingPager
from tests.fakes.people import person

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
INC = "inc-20261130-tasks0001"
CONFIG = builders.firm(
    builders.store(shop_domain="acme-eu.myshopify.com", sandbox=True),
    contact_point="DPO, dpo@acme.example",
    roles=[
        {
            "role": "dpo",
            "people": [
                {"name": "Anna Schmidt", "contact": "dpo@acme.example"},
                {"name": "Paul Richter", "contact": "legal@acme.example"},
            ],
        },
        {"role": "incident_commander", "people": [{"name": "Maria Keller", "contact": "ic@acme.example"}]},
    ],
)


def incident(mode: Mode = Mode.LIVE) -> tuple[ChainedLedger, MemoryLedgerStore, list[Clock]]:
    store = MemoryLedgerStore()
    ledger = ChainedLedger(store)
    ledger.append(
        INC,
        EntryDraft(
            type=EntryType.INCIDENT_DECLARED,
            actor="detection",
            at=T0,
            data={"store_id": "acme-eu", "severity": "high", "data_categories": ["contact"], "mode": mode.value},
        ),
    )
    art33 = Clock(
        incident_id=INC,
        clock_id="gdpr_art33",
        regime=Regime.GDPR_ART33,
        authority="HBDI",
        notify="the supervisory authority",
        rule="72 hours",
        start_event=StartEvent.AWARENESS,
        started_at=T0,
        deadline=T0 + timedelta(hours=72),
        status=ClockStatus.OPEN,
        severity=Severity.HIGH,
        store_id="acme-eu",
        mode=mode,
    )
    return ledger, store, [art33]


def test_the_dpo_gets_the_art33_decision_due_before_the_deadline_once() -> None:
    ledger, store, clocks = incident()
    made = create_tasks(INC, store.entries_list(INC), clocks, CONFIG, ledger, T0)
    assert made == ["task-gdpr-art33"]
    [task] = [e for e in store.entries_list(INC) if e.type is EntryType.TASK_CREATED]
    assert (task.data["role"], task.data["person"]) == ("dpo", "Anna Schmidt")
    # due with 6 h of the 72 h left: time to file after deciding
    assert task.data["due_at"] == (T0 + timedelta(hours=66)).isoformat()
    # a second sweep creates nothing
    assert create_tasks(INC, store.entries_list(INC), clocks, CONFIG, ledger, T0 + timedelta(minutes=5)) == []


def test_an_overdue_task_is_recorded_once_and_paged_to_the_backup() -> None:
    ledger, store, clocks = incident()
    create_tasks(INC, store.entries_list(INC), clocks, CONFIG, ledger, T0)
    pager = RecordingPager()
    # Before it is due: nothing
    assert escalate_overdue(INC, store.entries_list(INC), CONFIG, ledger, pager, T0 + timedelta(hours=65)) == []
    # After: recorded and paged, naming the backup DPO
    late = T0 + timedelta(hours=67)
    assert escalate_overdue(INC, store.entries_list(INC), CONFIG, ledger, pager, late) == ["task-gdpr-art33"]
    [overdue] = [e for e in store.entries_list(INC) if e.type is EntryType.TASK_OVERDUE]
    assert (overdue.data["person"], overdue.data["escalated_to"]) == ("Anna Schmidt", "Paul Richter")
    assert len(pager.pages) == 1 and "Paul Richter" in pager.pages[0].message
    # The next sweep does not page again
    assert escalate_overdue(INC, store.entries_list(INC), CONFIG, ledger, pager, late + timedelta(hours=1)) == []
    assert len(pager.pages) == 1


def test_a_drills_overdue_task_is_recorded_but_never_paged() -> None:
    ledger, store, clocks = incident(Mode.DRILL)
    create_tasks(INC, store.entries_list(INC), clocks, CONFIG, ledger, T0)
    pager = RecordingPager()
    assert escalate_overdue(INC, store.entries_list(INC), CONFIG, ledger, pager, T0 + timedelta(hours=70))
    assert pager.pages == []


def test_closing_with_an_open_clock_and_task_needs_a_reason_and_records_what_was_open() -> None:
    ledger, store, clocks = incident()
    create_tasks(INC, store.entries_list(INC), clocks, CONFIG, ledger, T0)
    view = build_view(INC, store.entries_list(INC), clocks, None, T0 + timedelta(hours=1))
    assert view.next_step.startswith("file gdpr_art33 with HBDI: bulkhead clock file")
    with pytest.raises(CloseNeedsReason, match="clock gdpr_art33 \\(open\\), task task-gdpr-art33 \\(dpo\\)"):
        close(CloseRequest(incident_id=INC, by=person("Maria Keller")), view, ledger, T0)
    assert not [e for e in store.entries_list(INC) if e.type is EntryType.INCIDENT_RESOLVED]
    close(CloseRequest(incident_id=INC, by=person("Maria Keller"), reason="filed by the group DPO"), view, ledger, T0)
    [resolved] = [e for e in store.entries_list(INC) if e.type is EntryType.INCIDENT_RESOLVED]
    assert resolved.actor == "person:Maria Keller"
    assert resolved.data["open_items"] == ["clock gdpr_art33 (open)", "task task-gdpr-art33 (dpo)"]


def test_a_response_that_left_a_manual_task_open_leaves_the_incident_to_a_person() -> None:
    # Given the response ended with a merchant task open (response.completed, not incident.closed)
    ledger, store, _ = incident()
    task = {"action_id": "act-03-app", "kind": "shopify.revoke_app_access", "store_id": "acme-eu"}
    ledger.append(INC, EntryDraft(type=EntryType.ACTION_MANUAL_TASK, actor="containment", at=T0, data=task))
    completed = {"mode": "live", "manual_tasks": 1, "open_tasks": ["act-03-app"]}
    ledger.append(INC, EntryDraft(type=EntryType.RESPONSE_COMPLETED, actor="response", at=T0, data=completed))

    view = build_view(INC, store.entries_list(INC), [], None, T0 + timedelta(hours=1))

    # Then the screen says it awaits a person, names the task, and closing needs a reason
    assert view.state == "awaiting a person"
    assert [t.task_id for t in view.tasks] == ["act-03-app"]
    assert view.next_step.startswith("operator: carry out shopify.revoke_app_access")
    with pytest.raises(CloseNeedsReason, match="task act-03-app \\(operator\\)"):
        close(CloseRequest(incident_id=INC, by=person("Maria Keller")), view, ledger, T0)
