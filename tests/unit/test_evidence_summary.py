"""SUMMARY.md is generated from verified entries only, and says what it could not use."""

from datetime import UTC, datetime, timedelta
from typing import Any

from bulkhead.evidence.summary import render_summary
from functions.ledger.domain import next_entry
from functions.ledger.models import EntryDraft, EntryType, LedgerEntry, LedgerVerdict, SealedEntry

INCIDENT = "inc-20261127-abcdef123456"
T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def chain(*steps: tuple[EntryType, str, float, dict[str, Any]]) -> list[SealedEntry]:
    entries: list[LedgerEntry] = []
    for kind, actor, hours, data in steps:
        draft = EntryDraft(type=kind, actor=actor, at=T0 + timedelta(hours=hours), data=data)
        entries.append(next_entry(INCIDENT, entries[-1] if entries else None, draft))
    return [e.sealed() for e in entries]


def verdict(entries: list[SealedEntry], first_bad: int | None = None) -> LedgerVerdict:
    return LedgerVerdict(
        incident_id=INCIDENT,
        entries=len(entries),
        head_hash=entries[-1].hash,
        valid=first_bad is None,
        first_bad_seq=first_bad,
        problem=None if first_bad is None else "content does not match its hash (entry modified)",
        public_key_sha256="ab" * 32,
    )


WIDENED = {"widened_from": "segment"}
DRAFT = {"authority": "CNIL", "draft_sha256": "cd" * 32}
ENTRIES = chain(
    (EntryType.SIGNAL_DISPOSITION, "detection", 0, {"outcome": "declared"}),
    (EntryType.INCIDENT_DECLARED, "detection", 0, {"customers": 40}),
    (EntryType.SIGNAL_DISPOSITIONS_COUNTED, "detection", 0.1, {"window_sha256": "w1", "signals": 10}),
    (EntryType.CLOCK_STARTED, "clocks", 0.1, {"clock": "gdpr_art33", "deadline": "2026-11-30T09:00:00+00:00"}),
    (EntryType.APPROVAL_GRANTED, "operator:oncall@example.com", 0.5, {"via": "cli"}),
    (EntryType.INCIDENT_CONTAINED, "response", 1, {}),
    (
        EntryType.NOTIFICATION_PLANNED,
        "notification",
        2,
        {"customers": 55, "scope_widened": True, "widened_from": "segment"},
    ),
    (
        EntryType.REGULATOR_NOTICE_DRAFTED,
        "notification",
        2,
        {"regime": "gdpr_art33", "authority": "CNIL", "draft_sha256": "cd" * 32},
    ),
    (EntryType.NOTIFICATION_BATCH_SENT, "notification", 3, {"customers_reached": 50}),
    (EntryType.NOTIFICATION_BATCH_SENT, "notification", 3, {"customers_reached": 5}),
    (EntryType.CLOCK_MET, "operator:dpo@example.com", 70, {"clock": "gdpr_art33", "late": False}),
    (EntryType.INCIDENT_CLOSED, "response", 71, {}),
)


def test_the_summary_tells_the_incident_with_the_entry_behind_each_line() -> None:
    summary = render_summary(INCIDENT, ENTRIES, verdict(ENTRIES))

    assert "| contained | 2026-11-27 10:00:00 | 1.00 h | 5 |" in summary
    assert "| approval.granted | operator:oncall@example.com | 2026-11-27 09:30:00 | 4 |" in summary
    assert "| gdpr_art33 | 2026-11-30T09:00:00+00:00 | clock.met by operator:dpo@example.com | 10 |" in summary
    assert "GDPR Art. 33 (72 hours): **PASS** (seq 10)." in summary
    assert f"- regulator draft, gdpr_art33 to CNIL: sha256 `{'cd' * 32}` (seq 7)" in summary
    assert "- customers reached: 55 in 2 batches" in summary
    assert "- affected at declaration: 40 customers (seq 1)" in summary
    assert "- notified audience: 55 customers, audience widened from segment (seq 6)" in summary
    assert "- merged: at least 10 signals in one correlation window (seq 2;" in summary
    assert "the time the DPO was told" in summary


def test_a_failed_ledger_is_summarised_only_up_to_its_first_bad_entry() -> None:
    summary = render_summary(INCIDENT, ENTRIES, verdict(ENTRIES, first_bad=5))

    assert "**THE LEDGER FAILED VERIFICATION** (first bad entry seq 5" in summary
    assert "This summary uses only the 5 entries before it, of 12." in summary
    assert "| contained | not recorded | | |" in summary
    assert "GDPR Art. 33 (72 hours): no filing recorded." in summary


def test_a_late_filing_fails_the_72_hours() -> None:
    late = chain(
        (EntryType.CLOCK_STARTED, "clocks", 0, {"clock": "gdpr_art33", "deadline": "2026-11-30T09:00:00+00:00"}),
        (EntryType.CLOCK_FILED_LATE, "operator:dpo@example.com", 80, {"clock": "gdpr_art33", "late": True}),
    )

    assert "GDPR Art. 33 (72 hours): **FAIL** (seq 1)." in render_summary(INCIDENT, late, verdict(late))
