"""SUMMARY.md tells how the incident ended: closed by the response, or left to a person and closed by one."""

from bulkhead.evidence.summary import render_summary
from functions.ledger.models import EntryType
from tests.unit.test_evidence_summary import INCIDENT, chain, verdict


def test_a_response_that_left_tasks_open_and_a_persons_closure_are_both_told() -> None:
    entries = chain(
        (EntryType.INCIDENT_DECLARED, "detection", 0, {}),
        (EntryType.RESPONSE_COMPLETED, "response", 1, {"open_tasks": ["act-03-app"]}),
        (EntryType.INCIDENT_RESOLVED, "person:Maria Keller", 5, {"reason": "merchant confirmed the uninstall"}),
    )

    summary = render_summary(INCIDENT, entries, verdict(entries))

    assert "| response completed, manual tasks open | 2026-11-27 10:00:00 | 1.00 h | 1 |" in summary
    assert "| closed | not recorded | | |" in summary
    assert "| closed by a person | 2026-11-27 14:00:00 | 5.00 h | 2 |" in summary


def test_a_response_that_closed_the_incident_lists_no_step_it_did_not_have() -> None:
    entries = chain(
        (EntryType.INCIDENT_DECLARED, "detection", 0, {}),
        (EntryType.INCIDENT_CLOSED, "response", 1, {}),
    )

    summary = render_summary(INCIDENT, entries, verdict(entries))

    assert "| closed | 2026-11-27 10:00:00 | 1.00 h | 1 |" in summary
    assert "response completed" not in summary and "closed by a person" not in summary
