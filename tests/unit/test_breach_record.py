"""When the DPO was told and the GDPR Art. 33(5) record, pure.

Given an incident's ledger, When the sweep pages the DPO's task or a person records the DPO was told
out of band, Then `dpo.informed` holds who, how and when (validated, once); When a person records
the facts, effects and remedial action and amends them, Then each revision is an entry, the latest
counts, and text holding an e-mail address or a phone number is refused with the reason.
"""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from functions.incidents.breach_record import (
    Channel,
    DpoInformedRequest,
    FactsInput,
    FactsRequest,
    InvalidRecord,
    draft_facts,
    personal_data,
    record_dpo_informed,
    record_facts,
)
from functions.incidents.tasks import create_tasks, page_dpo_tasks
from functions.ledger.models import EntryDraft, EntryType
from tests.fakes.paging import RecordingPager
from tests.fakes.people import person
from tests.unit.test_incident_tasks import CONFIG, INC, T0, incident

NOW = T0 + timedelta(hours=3)


def told(at: datetime, channel: Channel = Channel.PHONE) -> DpoInformedRequest:
    return DpoInformedRequest(incident_id=INC, by=person("Maria Keller"), dpo="Anna Schmidt", at=at, channel=channel)


def test_the_dpo_told_by_phone_is_recorded_once_with_who_how_and_when() -> None:
    ledger, store, _ = incident()
    at = datetime(2026, 11, 30, 11, 15, tzinfo=timezone(timedelta(hours=1)))  # 10:15 UTC

    first = record_dpo_informed(told(at), store.entries_list(INC), ledger, NOW)
    again = record_dpo_informed(told(at), store.entries_list(INC), ledger, NOW)

    [entry] = [e for e in store.entries_list(INC) if e.type is EntryType.DPO_INFORMED]
    assert first.changed and not again.changed and again.seq == entry.seq
    assert entry.actor == "person:Maria Keller"
    assert entry.at == datetime(2026, 11, 30, 10, 15, tzinfo=UTC)
    assert (entry.data["person"], entry.data["channel"], entry.data["source"]) == ("Anna Schmidt", "phone", "command")


@pytest.mark.parametrize(
    ("at", "named"),
    [
        (datetime(2026, 11, 30, 10, 0), "--at: give a timezone"),
        (NOW + timedelta(minutes=1), "is in the future"),
        (T0 - timedelta(minutes=1), "is before the incident was declared"),
    ],
)
def test_a_bad_time_is_refused_naming_the_field_and_nothing_is_recorded(at: datetime, named: str) -> None:
    ledger, store, _ = incident()
    with pytest.raises(InvalidRecord, match=named):
        record_dpo_informed(told(at), store.entries_list(INC), ledger, NOW)
    assert not [e for e in store.entries_list(INC) if e.type is EntryType.DPO_INFORMED]


def test_the_sweep_pages_the_dpos_task_and_records_when_the_dpo_was_told() -> None:
    ledger, store, clocks = incident()
    pager = RecordingPager()
    made = create_tasks(INC, store.entries_list(INC), clocks, CONFIG, ledger, T0)

    paged = page_dpo_tasks(INC, store.entries_list(INC), made, ledger, pager, T0)

    assert paged == ["task-gdpr-art33"]
    [page] = pager.pages
    assert page.stage == "dpo" and "task-gdpr-art33" in page.message
    [entry] = [e for e in store.entries_list(INC) if e.type is EntryType.DPO_INFORMED]
    assert (entry.data["person"], entry.data["channel"], entry.at) == ("Anna Schmidt", "page", T0)


def test_a_drills_dpo_task_is_never_paged_so_no_time_is_recorded() -> None:
    from functions.common.config import Mode

    ledger, store, clocks = incident(Mode.DRILL)
    pager = RecordingPager()
    made = create_tasks(INC, store.entries_list(INC), clocks, CONFIG, ledger, T0)

    assert page_dpo_tasks(INC, store.entries_list(INC), made, ledger, pager, T0) == []
    assert pager.pages == []
    assert not [e for e in store.entries_list(INC) if e.type is EntryType.DPO_INFORMED]


def facts(text: str = "A support token was used to export 40 customers' contact data.") -> FactsRequest:
    record = FactsInput(facts=text, effects="Phishing risk for 40 customers.", remedial="Token revoked at 09:12.")
    return FactsRequest(incident_id=INC, by=person("Dr. Anna Schmidt"), record=record)


def test_the_art33_record_is_amended_as_new_entries_and_the_latest_counts() -> None:
    ledger, store, _ = incident()

    first = record_facts(facts(), store.entries_list(INC), ledger, NOW)
    same = record_facts(facts(), store.entries_list(INC), ledger, NOW)
    amended = record_facts(
        facts("Export of 40 customers on 2026-11-30 by app 4412."), store.entries_list(INC), ledger, NOW
    )

    history = [e for e in store.entries_list(INC) if e.type is EntryType.BREACH_FACTS]
    assert (first.revision, same.changed, amended.revision) == (1, False, 2)
    assert [e.data["revision"] for e in history] == [1, 2]
    assert history[1].data["amends_seq"] == history[0].seq and history[0].data["amends_seq"] is None
    assert (
        history[1].data["facts"].startswith("Export of 40 customers") and history[1].actor == "person:Dr. Anna Schmidt"
    )


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("The customer jane.doe@example.com complained.", "an e-mail address"),
        ("Call back on +49 69 555 0101.", "a phone number"),
        ("Her number 0171 2345 6789 was exported.", "a phone number"),
    ],
)
def test_text_with_contact_data_is_refused_with_the_reason(text: str, found: str) -> None:
    ledger, store, _ = incident()
    with pytest.raises(InvalidRecord, match=f"--facts: it holds {found}"):
        record_facts(facts(text), store.entries_list(INC), ledger, NOW)
    assert not [e for e in store.entries_list(INC) if e.type is EntryType.BREACH_FACTS]


def test_dates_times_and_counts_are_not_taken_for_phone_numbers() -> None:
    assert personal_data("Declared 2026-11-30T09:00:00Z, contained 09:12; 10,000 customers; 1,234,567 rows.") is None
    assert personal_data("Incident inc-20261201-3f9a12345678, filing HBDI-2026-0042, action act-20261201-0001.") is None


def test_the_draft_is_prefilled_from_the_ledger() -> None:
    ledger, store, _ = incident()
    for kind, data in (
        (EntryType.ACTION_APPLIED, {"kind": "shopify.revoke_storefront_token", "action_id": "a-1"}),
        (EntryType.DEGRADATION_SET, {"modes": ["checkout_guarded"]}),
        (EntryType.NOTIFICATION_PLANNED, {"customers": 45, "scope_widened": True, "widened_from": ["macie_export"]}),
    ):
        ledger.append(INC, EntryDraft(type=kind, actor="response", at=T0 + timedelta(minutes=5), data=data))

    draft = draft_facts(INC, store.entries_list(INC))

    assert "Data categories at stake: contact" in draft.facts and "audience widened: macie_export" in draft.facts
    assert "shopify.revoke_storefront_token x1" in draft.remedial and "checkout_guarded" in draft.remedial
    assert personal_data(draft.facts + draft.effects + draft.remedial) is None
