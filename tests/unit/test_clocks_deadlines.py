"""Every regime's deadline arithmetic, the federal business-day calendar, reminders.

Given an incident (aware at a known instant, touching known jurisdictions) and a firm's
regulators, When the clocks are planned, Then each clock starts at its own event and ends when
its rule says.
"""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from functions.clocks.calendar import add_business_days, is_business_day, us_federal_holidays
from functions.clocks.domain import (
    ClockNotWaiting,
    ImpossibleTime,
    affected_count,
    classify,
    file_clock,
    plan_clocks,
    reminders_for,
)
from functions.clocks.models import ClassifyRequest, Clock, ClockStatus, FileRequest, StartEvent
from functions.clocks.rules import RULES, Deadline, state_stage
from functions.common.config import FirmConfig, Mode, Regime, RegulatorConfig
from functions.detection.models import AffectedScope, Incident
from functions.ingest.models import DataCategory
from functions.ledger.models import EntryType
from tests.fakes import builders
from tests.fakes.ledger import MemoryLedger
from tests.fakes.people import person

AWARE = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday
DECLARED = AWARE + timedelta(hours=1)


def incident(
    jurisdictions: tuple[str, ...] = ("DE",),
    categories: tuple[DataCategory, ...] = (DataCategory.CONTACT,),
    customers: int = 4,
    aware_at: datetime = AWARE,
    declared_at: datetime = DECLARED,
) -> Incident:
    return builders.incident(
        incident_id="inc-20260302-abcdef12",
        data_categories=categories,
        scope=AffectedScope(subject_ids=tuple(f"customer:{n}" for n in range(customers)), components=()),
        jurisdictions=jurisdictions,
        aware_at=aware_at,
        declared_at=declared_at,
    )


def firm(*regimes: Regime, scoped: dict[Regime, tuple[str, ...]] | None = None) -> FirmConfig:
    scoped = scoped or {}
    return builders.firm(
        regulators=[
            RegulatorConfig(regime=r, authority=f"authority for {r.value}", jurisdictions=scoped.get(r, ()))
            for r in regimes
        ]
    )


def clocks_of(inc: Incident, config: FirmConfig) -> dict[str, Clock]:
    clocks, _ = plan_clocks(inc, Mode.LIVE, config)
    return {c.clock_id: c for c in clocks}


# --- the calendar -------------------------------------------------------------------------------


def test_federal_holidays_of_2026_are_the_statutory_eleven_with_observed_days() -> None:
    assert sorted(us_federal_holidays(2026)) == [
        date(2026, 1, 1),
        date(2026, 1, 19),  # MLK, third Monday
        date(2026, 2, 16),  # Washington's Birthday
        date(2026, 5, 25),  # Memorial Day, last Monday
        date(2026, 6, 19),
        date(2026, 7, 3),  # July 4 is a Saturday: observed Friday
        date(2026, 9, 7),
        date(2026, 10, 12),
        date(2026, 11, 11),
        date(2026, 11, 26),  # Thanksgiving, fourth Thursday
        date(2026, 12, 25),
    ]


def test_new_years_day_on_a_saturday_is_observed_on_the_last_day_of_the_year_before() -> None:
    assert date(2021, 12, 31) in us_federal_holidays(2021)
    assert date(2021, 12, 31) not in us_federal_holidays(2022)
    assert not is_business_day(date(2021, 12, 31))


def test_business_days_skip_a_holiday_and_a_weekend() -> None:
    # Thursday 2 July 2026; Friday 3 July is Independence Day observed, then the weekend.
    assert add_business_days(date(2026, 7, 2), 4) == date(2026, 7, 9)
    # Wednesday before Thanksgiving: Thu holiday, Fri, weekend, Mon, Tue, Wed.
    assert add_business_days(date(2026, 11, 25), 4) == date(2026, 12, 2)


# --- each regime --------------------------------------------------------------------------------


def test_gdpr_art33_and_uk_gdpr_run_72_hours_from_awareness() -> None:
    clocks = clocks_of(incident(("DE", "GB")), firm(Regime.GDPR_ART33, Regime.UK_GDPR))
    assert clocks["gdpr_art33"].deadline == AWARE + timedelta(hours=72)
    assert clocks["uk_gdpr"].deadline == AWARE + timedelta(hours=72)
    assert clocks["gdpr_art33"].start_event is StartEvent.AWARENESS
    assert clocks["gdpr_art33"].authority == "authority for gdpr_art33"


def test_gdpr_art34_starts_only_for_high_risk_data_and_is_a_target_not_a_statutory_period() -> None:
    config = firm(Regime.GDPR_ART33)
    assert "gdpr_art34" not in clocks_of(incident(categories=(DataCategory.CONTACT,)), config)
    high = clocks_of(incident(categories=(DataCategory.FINANCIAL_ACCOUNT,)), config)["gdpr_art34"]
    assert (high.deadline, high.statutory) == (AWARE + timedelta(hours=72), False)


class MemoryClocks:
    """A clock store with the conditional semantics of the DynamoDB one."""

    def __init__(self, clocks: list[Clock]) -> None:
        self.clocks = {c.clock_id: c for c in clocks}

    def put_new(self, clock: Clock) -> bool:
        return self.clocks.setdefault(clock.clock_id, clock) is clock

    def replace(self, clock: Clock, expected: ClockStatus) -> bool:
        if self.clocks[clock.clock_id].status is not expected:
            return False
        self.clocks[clock.clock_id] = clock
        return True

    def for_incident(self, incident_id: str) -> list[Clock]:
        return list(self.clocks.values())

    def live(self) -> list[Clock]:
        return [c for c in self.clocks.values() if c.status in (ClockStatus.OPEN, ClockStatus.WAITING)]


class NoReminders:
    def __init__(self) -> None:
        self.scheduled: list[str] = []

    def schedule(self, reminder: Any) -> None:
        self.scheduled.append(reminder.name)

    def cancel(self, name: str) -> None:
        return None


def classified(major: bool, at: datetime, inc: Incident | None = None) -> tuple[MemoryClocks, MemoryLedger]:
    clocks, _ = plan_clocks(inc or incident(), Mode.LIVE, firm(Regime.DORA))
    store, ledger = MemoryClocks(clocks), MemoryLedger()
    request = ClassifyRequest(
        incident_id="inc-20260302-abcdef12",
        regime=Regime.DORA,
        major=major,
        at=at,
        classified_by=person("Lena Fischer"),
    )
    classify(request, store, NoReminders(), ledger, at + timedelta(minutes=5))
    return store, ledger


def test_declaring_is_not_classifying_dora_waits_for_a_person() -> None:
    clocks = clocks_of(incident(), firm(Regime.DORA))
    assert {c: clocks[c].status for c in clocks} == {
        "dora/initial": ClockStatus.WAITING,
        "dora/clients": ClockStatus.WAITING,
    }
    assert clocks["dora/initial"].source == "Delegated Regulation (EU) 2025/301 Art. 5(1)(a)"


def test_dora_initial_is_4_hours_after_a_major_classification_within_24_hours_of_awareness() -> None:
    store, ledger = classified(True, AWARE + timedelta(hours=2))
    initial = store.clocks["dora/initial"]
    assert (initial.status, initial.started_at) == (ClockStatus.OPEN, AWARE + timedelta(hours=2))
    assert initial.deadline == AWARE + timedelta(hours=6)
    [entry] = [e for e in ledger.entries["inc-20260302-abcdef12"] if e.type is EntryType.INCIDENT_CLASSIFIED]
    assert (entry.data["major"], entry.data["classified_by"], entry.actor) == (
        True,
        "Lena Fischer",
        "person:Lena Fischer",
    )


def test_dora_initial_never_ends_later_than_24_hours_after_awareness() -> None:
    store, _ = classified(True, AWARE + timedelta(hours=22))
    assert store.clocks["dora/initial"].deadline == AWARE + timedelta(hours=24)  # not 26 h


def test_a_dora_classification_later_than_24_hours_gets_4_hours_not_a_deadline_already_past() -> None:
    at = AWARE + timedelta(hours=30)
    store, _ = classified(True, at)
    assert store.clocks["dora/initial"].deadline == at + timedelta(hours=4)


def test_not_major_closes_the_dora_clocks_and_a_later_major_classification_starts_them() -> None:
    store, ledger = classified(False, AWARE + timedelta(hours=3))
    assert {c.status for c in store.clocks.values()} == {ClockStatus.NOT_REQUIRED}
    filing = FileRequest(
        incident_id="inc-20260302-abcdef12", clock="dora/initial", reference="R", filed_by=person("Lena Fischer")
    )
    with pytest.raises(ClockNotWaiting, match="not required"):
        file_clock(filing, store, NoReminders(), ledger, AWARE + timedelta(hours=4))
    grew = ClassifyRequest(
        incident_id="inc-20260302-abcdef12",
        regime=Regime.DORA,
        major=True,
        at=AWARE + timedelta(hours=8),
        classified_by=person("Paul Richter"),
    )
    classify(grew, store, NoReminders(), ledger, AWARE + timedelta(hours=8))
    assert store.clocks["dora/initial"].deadline == AWARE + timedelta(hours=12)
    with pytest.raises(ClockNotWaiting, match="classified major"):
        classify(grew, store, NoReminders(), ledger, AWARE + timedelta(hours=9))


def test_a_classification_before_awareness_or_in_the_future_is_refused_and_nothing_recorded() -> None:
    clocks, _ = plan_clocks(incident(), Mode.LIVE, firm(Regime.DORA))
    store, ledger = MemoryClocks(clocks), MemoryLedger()
    for at, says in (
        (AWARE - timedelta(hours=1), "before the incident's awareness"),
        (AWARE + timedelta(days=9), "future"),
    ):
        request = ClassifyRequest(
            incident_id=clocks[0].incident_id,
            regime=Regime.DORA,
            major=True,
            at=at,
            classified_by=person("Lena Fischer"),
        )
        with pytest.raises(ImpossibleTime, match=says):
            classify(request, store, NoReminders(), ledger, AWARE + timedelta(days=1))
    assert ledger.entries == {} and {c.status for c in store.clocks.values()} == {ClockStatus.WAITING}


def test_dora_intermediate_and_final_wait_for_the_filing_before_them() -> None:
    stages = {s.stage: s for s in RULES[Regime.DORA].stages}
    filed = datetime(2026, 1, 31, 12, 0, tzinfo=UTC)
    assert stages["intermediate"].after == "initial" and stages["final"].after == "intermediate"
    assert stages["intermediate"].deadline.due(filed, filed) == filed + timedelta(hours=72)
    assert stages["final"].deadline.due(filed, filed) == datetime(2026, 2, 28, 12, 0, tzinfo=UTC)  # clamped month


def test_dora_binds_the_firm_whatever_the_customers_residence() -> None:
    us_only = clocks_of(incident(("US-NY",)), firm(Regime.DORA))
    assert {"dora/initial", "dora/clients"} <= set(us_only)  # a BaFin-authorised firm, US customers


def test_nis2_early_warning_24h_and_notification_72h_from_awareness() -> None:
    clocks = clocks_of(incident(), firm(Regime.NIS2))
    assert clocks["nis2/early_warning"].deadline == AWARE + timedelta(hours=24)
    assert clocks["nis2/notification"].deadline == AWARE + timedelta(hours=72)
    assert "nis2/final" not in clocks  # one month after the notification is filed


def test_us_regimes_reg_sp_30_days_nydfs_72h_from_determination() -> None:
    clocks = clocks_of(incident(("US-NY",)), firm(Regime.SEC_REG_SP, Regime.NYDFS_500_17))
    assert clocks["sec_reg_sp"].deadline == AWARE + timedelta(days=30)
    nydfs = clocks["nydfs_500_17"]
    assert (nydfs.start_event, nydfs.started_at) == (StartEvent.DETERMINATION, DECLARED)
    assert nydfs.deadline == DECLARED + timedelta(hours=72)


def test_ftc_safeguards_needs_500_consumers() -> None:
    config = firm(Regime.FTC_SAFEGUARDS)
    clocks, skipped = plan_clocks(incident(("US-NY",), customers=499), Mode.LIVE, config)
    assert "ftc_safeguards" not in {c.clock_id for c in clocks}
    assert any(s.clock_id == "ftc_safeguards" and "fewer than 500" in s.reason for s in skipped)
    big = clocks_of(incident(("US-NY",), customers=500), config)["ftc_safeguards"]
    assert big.deadline == AWARE + timedelta(days=30)


def test_sec_8k_waits_for_the_materiality_determination_then_counts_4_business_days() -> None:
    clock = clocks_of(incident(("US-NY",)), firm(Regime.SEC_8K_105))["sec_8k_1_05"]
    assert (clock.status, clock.deadline) == (ClockStatus.WAITING, None)
    rule = RULES[Regime.SEC_8K_105].stages[0].deadline
    determined = datetime(2026, 7, 2, 14, 0, tzinfo=UTC)  # Thursday 10:00 in New York
    # Fri 3 July (holiday), weekend, then Mon-Thu: due Thursday 9 July, 17:30 EDT.
    assert rule.due(determined, determined) == datetime(2026, 7, 9, 21, 30, tzinfo=UTC)


def test_california_applies_by_jurisdiction_alone_and_other_states_by_their_own_statute() -> None:
    clocks = clocks_of(incident(("US-CA", "US-TX", "US-KS"), (DataCategory.IDENTITY,), customers=300), firm())
    assert clocks["california_1798_82/residents"].deadline == AWARE + timedelta(days=30)
    assert "california_1798_82/attorney_general" not in clocks  # 15 days after residents are notified
    assert clocks["us_state_breach/US-TX"].deadline == AWARE + timedelta(days=60)
    assert clocks["us_state_breach/US-TX/attorney_general"].deadline == AWARE + timedelta(days=30)
    kansas = clocks["us_state_breach/US-KS"]
    assert (kansas.deadline, kansas.statutory) == (AWARE + timedelta(days=30), False)
    assert state_stage("us-co").deadline == Deadline(days=30)


def test_state_clocks_start_only_for_the_data_their_law_covers() -> None:
    contact = incident(("US-CA", "US-TX", "US-NY"), (DataCategory.CONTACT,))
    clocks, skipped = plan_clocks(contact, Mode.LIVE, firm())
    assert clocks == []  # contact details alone are nobody's "personal information"
    assert any(s.clock_id == "california_1798_82" and "contact only" in s.reason for s in skipped)
    logins = clocks_of(incident(("US-NY", "US-TX"), (DataCategory.CREDENTIALS,)), firm())
    assert set(logins) == {"us_state_breach/US-NY"}  # New York covers user name and password; Texas does not


def test_the_texas_agency_notice_needs_250_residents_and_a_whole_store_export_counts_everyone() -> None:
    few = clocks_of(incident(("US-TX",), (DataCategory.IDENTITY,), customers=10), firm())
    assert "us_state_breach/US-TX/attorney_general" not in few
    export = incident(("US-TX",), (DataCategory.IDENTITY,), customers=0)
    export = export.model_copy(update={"scope": AffectedScope(subject_ids=("store:all",))})
    assert "us_state_breach/US-TX/attorney_general" in clocks_of(export, firm())
    assert affected_count(export) is None  # only the resolved audience can count it


def test_regimes_follow_the_incidents_jurisdictions_and_the_regulators_configured() -> None:
    config = firm(Regime.GDPR_ART33, Regime.DORA, Regime.NYDFS_500_17, scoped={Regime.DORA: ("DE",)})
    eu = clocks_of(incident(("FR",)), config)
    # DORA is narrowed to DE on purpose; NYDFS binds the licensee wherever customers live.
    assert set(eu) == {"gdpr_art33", "nydfs_500_17", "nydfs_500_17c/payment", "nydfs_500_17c/explanation"}
    us = clocks_of(incident(("US-NY",), (DataCategory.IDENTITY,)), config)
    assert set(us) == {"nydfs_500_17", "nydfs_500_17c/payment", "nydfs_500_17c/explanation", "us_state_breach/US-NY"}
    assert clocks_of(incident(("DE",)), firm()) == {}  # nothing configured, no state law


def test_hungary_is_in_the_eea() -> None:
    clocks = clocks_of(incident(("HU",), (DataCategory.IDENTITY,)), firm(Regime.GDPR_ART33))
    assert set(clocks) == {"gdpr_art33", "gdpr_art34"}


# --- reminders ----------------------------------------------------------------------------------


def test_reminders_fall_24_4_and_1_hours_before_the_deadline_and_only_in_the_future() -> None:
    clock = clocks_of(incident(), firm(Regime.GDPR_ART33))["gdpr_art33"]
    deadline = AWARE + timedelta(hours=72)
    assert [r.at for r in reminders_for(clock, AWARE)] == [
        deadline - timedelta(hours=24),
        deadline - timedelta(hours=4),
        deadline - timedelta(hours=1),
    ]
    late = reminders_for(clock, deadline - timedelta(hours=2))
    assert [r.at for r in late] == [deadline - timedelta(hours=1)]
    assert all(len(r.name) <= 64 for r in late)
    assert "bulkhead clock file inc-20260302-abcdef12 gdpr_art33" in late[0].message


@pytest.mark.parametrize("regime", list(RULES))
def test_every_regime_has_a_rule_in_words(regime: Regime) -> None:
    rule = RULES[regime]
    assert rule.title and all(stage.rule for stage in rule.stages)
