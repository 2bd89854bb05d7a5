"""SUMMARY.md is generated from verified entries only, and says what it could not use."""

from datetime import UTC, datetime, timedelta
from typing import Any

from bulkhead.evidence.dispositions import DayChain, SignalDispositions, WindowCount
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
        {"customers": 55, "scope_widened": True, "widened_from": "segment", "scopes": ["segment"]},
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
    assert "| approval.granted | oncall@example.com | person | 2026-11-27 09:30:00 | 4 |" in summary
    assert "| gdpr_art33 | None | 2026-11-30T09:00:00+00:00 | met | operator:dpo@example.com | 10 |" in summary
    assert "- gdpr_art33 (72 hours from awareness): **PASS** (met; seq 10)" in summary
    assert f"- regulator draft, gdpr_art33 to CNIL: sha256 `{'cd' * 32}`, not in this pack" in summary
    assert "- customers reached: 55 in 2 batches" in summary
    assert "- affected at declaration: 40 customers (seq 1)" in summary
    assert "- notification audience resolved: 55 customers (seq 6)" in summary
    assert "- the counts differ because the audience was widened from segment to the store (seq 6)" in summary
    assert "- merged: at least 10 signals in one correlation window (seq 2;" in summary
    assert "## When the DPO was told\n\n- not recorded" in summary
    assert "- restores: none recorded" in summary and "- not a drill: no scorecard" in summary


def test_a_failed_ledger_is_summarised_only_up_to_its_first_bad_entry() -> None:
    summary = render_summary(INCIDENT, ENTRIES, verdict(ENTRIES, first_bad=5))

    assert "**THE LEDGER FAILED VERIFICATION** (first bad entry seq 5" in summary
    assert "This summary uses only the 5 entries before it, of 12." in summary
    assert "| contained | not recorded | | |" in summary
    assert "- gdpr_art33 (72 hours from awareness): **OPEN (not filed yet)** (open (not filed); seq 3)" in summary


def test_a_late_filing_fails_the_72_hours_and_a_withdrawn_filing_reopens_the_clock() -> None:
    late = chain(
        (EntryType.CLOCK_STARTED, "clocks", 0, {"clock": "gdpr_art33", "deadline": "2026-11-30T09:00:00+00:00"}),
        (EntryType.CLOCK_STARTED, "clocks", 0, {"clock": "uk_gdpr", "deadline": "2026-11-30T09:00:00+00:00"}),
        (EntryType.CLOCK_STARTED, "clocks", 0, {"clock": "dora/initial", "deadline": "2026-11-27T13:00:00+00:00"}),
        (EntryType.CLOCK_MISSED, "clocks", 72, {"clock": "gdpr_art33"}),
        (EntryType.CLOCK_FILED_LATE, "operator:dpo@example.com", 80, {"clock": "gdpr_art33", "late": True}),
        (EntryType.CLOCK_MET, "operator:dpo@example.com", 1, {"clock": "uk_gdpr", "reference": "ICO-1"}),
        (EntryType.CLOCK_WITHDRAWN, "operator:dpo@example.com", 2, {"clock": "uk_gdpr", "status": "open"}),
        (EntryType.CLOCK_MET, "operator:compliance@example.com", 3, {"clock": "dora/initial", "late": False}),
    )

    summary = render_summary(INCIDENT, late, verdict(late))

    assert "- gdpr_art33 (72 hours from awareness): **FAIL** (filed late; seq 4)" in summary
    assert "- uk_gdpr (72 hours from awareness): **OPEN (not filed yet)** (open (not filed); seq 6)" in summary
    assert "| dora/initial | None | 2026-11-27T13:00:00+00:00 | met | operator:compliance@example.com | 7 |" in summary
    assert "| clock.missed | clocks | **function only** |" in summary


def test_a_drill_without_a_scorecard_says_it_is_not_scored_and_matching_counts_agree() -> None:
    drill = chain(
        (EntryType.INCIDENT_DECLARED, "detection", 0, {"customers": 4, "mode": "drill"}),
        (EntryType.NOTIFICATION_PLANNED, "notification", 1, {"customers": 4, "scopes": ["customer_ids"]}),
        (EntryType.NOTIFICATION_BATCH_SENT, "notification", 1, {"customers_reached": 4}),
    )

    summary = render_summary(INCIDENT, drill, verdict(drill))

    assert "this drill is **NOT SCORED**: no scorecard was recorded" in summary
    assert "- the counts agree: 4 known, resolved and reached" in summary


def day_chain(*outcomes: str, first_bad: int | None = None) -> DayChain:
    """A day chain of dispositions of the incident's signals, one per outcome, in one window."""
    entries: list[LedgerEntry] = []
    for n, outcome in enumerate(outcomes):
        data = {
            "signal_id": f"shopify:audit_events/admin_api_activity:w-{n}",
            "source": "shopify.webhook",
            "received_at": "2026-11-27T09:00:00+00:00",
            "outcome": outcome,
            "reason": "Bulk export of customer data by an app not on the allow-list",
            "incident_id": INCIDENT,
            "window_sha256": "w1",
        }
        draft = EntryDraft(type=EntryType.SIGNAL_DISPOSITION, actor="detection", at=T0, data=data)
        entries.append(next_entry("dispositions-2026-11-27", entries[-1] if entries else None, draft))
    sealed = [e.sealed() for e in entries]
    checked = verdict(sealed, first_bad).model_copy(update={"incident_id": "dispositions-2026-11-27"})
    return DayChain("dispositions-2026-11-27", sealed, (), checked)


def window(declared: int, merged: int) -> WindowCount:
    return WindowCount("w1", "2026-11-27", declared + merged, 0, declared, merged)


def test_the_summary_lists_the_incidents_signals_and_says_the_counts_agree() -> None:
    signals = SignalDispositions((day_chain("declared", "merged", "merged"),), (window(1, 2),))

    summary = render_summary(INCIDENT, ENTRIES, verdict(ENTRIES), dispositions=signals)

    assert "| shopify:audit_events/admin_api_activity:w-1 | shopify.webhook | 2026-11-27T09:00:00+00:00 | merged |" in (
        summary
    )
    assert "dispositions-2026-11-27 seq 2 |" in summary
    assert "the counts agree: 1 declared, 2 merged, 0 ignored" in summary


def test_the_summary_uses_only_verified_dispositions_and_says_when_the_counts_differ() -> None:
    # Given a day chain whose third entry fails verification, and a window that counts three signals
    signals = SignalDispositions((day_chain("declared", "merged", "merged", first_bad=2),), (window(1, 2),))

    summary = render_summary(INCIDENT, ENTRIES, verdict(ENTRIES), dispositions=signals)

    assert "**dispositions-2026-11-27 FAILED VERIFICATION** (first bad entry seq 2" in summary
    assert ":w-2 |" not in summary and ":w-1 |" in summary
    assert "the counts differ**: the window counts 1 declared, 2 merged, 0 ignored, " in summary
    assert "the day chains record 1 declared, 1 merged, 0 ignored" in summary
