"""The rules table of docs/clocks.md, row by row: the same rule, the same source, a worked date.

Given the table a compliance officer reads, When each row is looked up in the rules Bulkhead runs,
Then its start event and primary source are the ones the code uses, and a worked date (a late DORA
classification, a US holiday weekend, a Hungarian incident among them) comes out as the row says.
"""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from functions.clocks.domain import plan_clocks
from functions.clocks.models import StartEvent
from functions.clocks.rules import RULES, StageRule, clock_id, stage_rule
from functions.common.config import Mode, Regime
from functions.detection.models import AffectedScope, Incident
from functions.ingest.models import DataCategory
from tests.fakes import builders

DOC = Path(__file__).parents[2] / "docs" / "clocks.md"


def table() -> dict[str, dict[str, str]]:
    """Rows of the rules table, keyed by clock id (regime or regime/stage)."""
    text = DOC.read_text(encoding="utf-8")
    rows: dict[str, dict[str, str]] = {}
    header: list[str] = []
    for line in text.splitlines():
        if line.startswith("| regime | stage |"):
            header = [c.strip() for c in line.strip("|").split("|")]
            continue
        if header and line.startswith("| `"):
            cells = dict(zip(header, (c.strip() for c in line.strip("|").split("|")), strict=True))
            regime, stage = cells["regime"].strip("`"), cells["stage"].strip("`")
            rows[f"{regime}/{stage}" if stage != "-" else regime] = cells
        elif header and not line.strip():
            break
    return rows


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


# clock id -> (start of its clock, awareness, the deadline worked out by hand)
AWARE = "2026-03-02T08:00:00+00:00"  # a Monday
WORKED: dict[str, tuple[str, str, str]] = {
    # A Hungarian incident: 72 hours from awareness (Hungary is in the EEA list).
    "gdpr_art33": (AWARE, AWARE, "2026-03-05T08:00:00+00:00"),
    "gdpr_art34": (AWARE, AWARE, "2026-03-05T08:00:00+00:00"),
    "uk_gdpr": (AWARE, AWARE, "2026-03-05T08:00:00+00:00"),
    "uk_gdpr_art34": (AWARE, AWARE, "2026-03-05T08:00:00+00:00"),
    # A late DORA classification, 30 hours after awareness: 4 hours from it, never a deadline already past.
    "dora/initial": ("2026-03-03T14:00:00+00:00", AWARE, "2026-03-03T18:00:00+00:00"),
    "dora/intermediate": ("2026-03-03T17:00:00+00:00", AWARE, "2026-03-06T17:00:00+00:00"),
    "dora/final": ("2026-01-31T12:00:00+00:00", AWARE, "2026-02-28T12:00:00+00:00"),  # month end clamped
    "dora/clients": ("2026-03-03T14:00:00+00:00", AWARE, "2026-03-04T14:00:00+00:00"),
    "nis2/early_warning": (AWARE, AWARE, "2026-03-03T08:00:00+00:00"),
    "nis2/notification": (AWARE, AWARE, "2026-03-05T08:00:00+00:00"),
    "nis2/final": ("2026-03-05T07:00:00+00:00", AWARE, "2026-04-05T07:00:00+00:00"),
    "sec_reg_sp": (AWARE, AWARE, "2026-04-01T08:00:00+00:00"),
    "nydfs_500_17": ("2026-03-02T09:00:00+00:00", AWARE, "2026-03-05T09:00:00+00:00"),
    "nydfs_500_17c/payment": ("2026-03-04T20:00:00+00:00", AWARE, "2026-03-05T20:00:00+00:00"),
    "nydfs_500_17c/explanation": ("2026-03-04T20:00:00+00:00", AWARE, "2026-04-03T20:00:00+00:00"),
    "ftc_safeguards": (AWARE, AWARE, "2026-04-01T08:00:00+00:00"),
    # A US holiday weekend: determined Friday 4 September 2026; Labor Day Monday is skipped.
    "sec_8k_1_05": ("2026-09-04T15:00:00+00:00", AWARE, "2026-09-11T17:30:00-04:00"),
    "fca_principle_11": (AWARE, AWARE, "2026-03-03T08:00:00+00:00"),
    "california_1798_82/residents": (AWARE, AWARE, "2026-04-01T08:00:00+00:00"),
    "california_1798_82/attorney_general": ("2026-03-20T10:00:00+00:00", AWARE, "2026-04-04T10:00:00+00:00"),
    "us_state_breach/US-IN": (AWARE, AWARE, "2026-04-16T08:00:00+00:00"),
    "us_state_breach/US-NY": (AWARE, AWARE, "2026-04-01T08:00:00+00:00"),
    "us_state_breach/US-TX": (AWARE, AWARE, "2026-05-01T08:00:00+00:00"),
    "us_state_breach/US-TX/attorney_general": (AWARE, AWARE, "2026-04-01T08:00:00+00:00"),
    "us_state_breach/US-VT": (AWARE, AWARE, "2026-04-16T08:00:00+00:00"),
    # Discovered Monday 23 November 2026: Thanksgiving and two weekends skipped, 14th business day 14 December.
    "us_state_breach/US-VT/attorney_general": (
        "2026-11-23T15:00:00+00:00",
        "2026-11-23T15:00:00+00:00",
        "2026-12-14T23:59:59-05:00",
    ),
    "us_state_breach/US-MA": (AWARE, AWARE, "2026-04-01T08:00:00+00:00"),
    "us_state_breach/US-MA/attorney_general": (AWARE, AWARE, "2026-04-01T08:00:00+00:00"),
}
START_WORDS = {
    StartEvent.AWARENESS: "awareness",
    StartEvent.DISCOVERY: "discovery",
    StartEvent.CLASSIFICATION: "classification",
    StartEvent.DETERMINATION: "determination",
    StartEvent.MATERIALITY: "materiality",
    StartEvent.EXTORTION_PAYMENT: "extortion payment",
    StartEvent.FILING: "filing",
}


def rule_of(clock: str) -> StageRule:
    regime, _, stage = clock.partition("/")
    return stage_rule(Regime(regime), stage)


def test_every_rule_has_a_row_and_every_row_a_worked_date() -> None:
    rows = table()
    coded = {clock_id(r, s.stage) for r, rule in RULES.items() for s in rule.stages}
    assert coded <= set(rows), f"rules without a row: {sorted(coded - set(rows))}"
    assert set(rows) == set(WORKED)


@pytest.mark.parametrize("clock", sorted(WORKED))
def test_each_row_states_the_rule_the_code_runs_and_its_worked_date(clock: str) -> None:
    row, rule = table()[clock], rule_of(clock)
    start, aware, due = (at(t) for t in WORKED[clock])

    assert row["primary source"] == rule.source and rule.source
    assert START_WORDS[rule.start_event] in row["start event"]
    assert ("business days" in row["business-day rule"]) == bool(rule.deadline.business_days)
    assert rule.deadline.due(start, aware) == due


def test_a_hungarian_incident_starts_the_gdpr_and_dora_clocks() -> None:
    config = builders.firm(
        builders.store("acme-hu", shop_domain="acme-hu.myshopify.com", jurisdictions=["HU"]),
        regulators=[
            {"regime": "gdpr_art33", "authority": "NAIH (Nemzeti Adatvédelmi és Információszabadság Hatóság)"},
            {"regime": "dora", "authority": "MNB (Magyar Nemzeti Bank)"},
        ],
    )
    incident = Incident(
        incident_id="inc-20260302-hungary1",
        store_id="acme-hu",
        platform="shopify",
        rule_id="bulk-export",
        title="Bulk export",
        severity="high",
        data_categories=(DataCategory.IDENTITY,),
        scope=AffectedScope(subject_ids=("customer:1",)),
        jurisdictions=("HU",),
        aware_at=at(AWARE),
        declared_at=at(AWARE) + timedelta(minutes=3),
        signal_ids=("s",),
    )
    clocks = {c.clock_id: c for c in plan_clocks(incident, Mode.LIVE, config)[0]}
    assert clocks["gdpr_art33"].deadline == at(WORKED["gdpr_art33"][2])
    assert clocks["gdpr_art33"].authority.startswith("NAIH")
    assert {"gdpr_art34", "dora/initial", "dora/clients"} <= set(clocks)


def test_the_table_says_which_regimes_bind_the_firm() -> None:
    text = re.sub(r"\s+", " ", DOC.read_text(encoding="utf-8"))
    assert "Hungary included" in text and "bind the firm by what it is authorised as" in text
