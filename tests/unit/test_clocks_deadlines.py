"""Every regime's deadline arithmetic, the federal business-day calendar, reminders.

Given an incident (aware at a known instant, touching known jurisdictions) and a firm's
regulators, When the clocks are planned, Then each clock starts at its own event and ends when
its rule says.
"""

from datetime import UTC, date, datetime, timedelta

import pytest

from functions.clocks.calendar import add_business_days, is_business_day, us_federal_holidays
from functions.clocks.domain import plan_clocks, reminders_for
from functions.clocks.models import Clock, ClockStatus, StartEvent
from functions.clocks.rules import RULES, Deadline, state_stage
from functions.common.config import FirmConfig, Mode, Regime, RegulatorConfig
from functions.detection.models import AffectedScope, Incident
from functions.ingest.models import DataCategory

AWARE = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday
DECLARED = AWARE + timedelta(hours=1)


def incident(
    jurisdictions: tuple[str, ...] = ("DE",),
    categories: tuple[DataCategory, ...] = (DataCategory.CONTACT,),
    customers: int = 4,
    aware_at: datetime = AWARE,
    declared_at: datetime = DECLARED,
) -> Incident:
    return Incident(
        incident_id="inc-20260302-abcdef12",
        store_id="acme-eu",
        platform="shopify",
        rule_id="bulk-export",
        title="Bulk export by an unknown app",
        severity="high",
        data_categories=categories,
        scope=AffectedScope(subject_ids=tuple(f"customer:{n}" for n in range(customers)), components=()),
        jurisdictions=jurisdictions,
        aware_at=aware_at,
        declared_at=declared_at,
        signal_ids=("sig-1",),
    )


def firm(*regimes: Regime, scoped: dict[Regime, tuple[str, ...]] | None = None) -> FirmConfig:
    scoped = scoped or {}
    return FirmConfig.model_validate(
        {
            "firm_name": "Acme",
            "contact_point": "DPO",
            "stores": [
                {
                    "store_id": "acme-eu",
                    "platform": "shopify",
                    "shop_domain": "acme.myshopify.com",
                    "webhook_secret_id": "s",
                    "admin_token_secret_id": "t",
                }
            ],
            "regulators": [
                RegulatorConfig(regime=r, authority=f"authority for {r.value}", jurisdictions=scoped.get(r, ()))
                for r in regimes
            ],
        }
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


def test_dora_initial_is_4_hours_after_classification_when_that_is_within_24_hours_of_awareness() -> None:
    clocks = clocks_of(incident(declared_at=AWARE + timedelta(hours=2)), firm(Regime.DORA))
    initial = clocks["dora/initial"]
    assert initial.start_event is StartEvent.CLASSIFICATION
    assert initial.deadline == AWARE + timedelta(hours=6)


def test_dora_initial_never_ends_later_than_24_hours_after_awareness() -> None:
    clocks = clocks_of(incident(declared_at=AWARE + timedelta(hours=22)), firm(Regime.DORA))
    assert clocks["dora/initial"].deadline == AWARE + timedelta(hours=24)  # not 26 h


def test_dora_intermediate_and_final_wait_for_the_filing_before_them() -> None:
    clocks = clocks_of(incident(), firm(Regime.DORA))
    assert set(clocks) == {"dora/initial"}
    stages = {s.stage: s for s in RULES[Regime.DORA].stages}
    filed = datetime(2026, 1, 31, 12, 0, tzinfo=UTC)
    assert stages["intermediate"].after == "initial"
    assert stages["intermediate"].deadline.due(filed, filed) == filed + timedelta(hours=72)
    assert stages["final"].deadline.due(filed, filed) == datetime(2026, 2, 28, 12, 0, tzinfo=UTC)  # clamped month


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
    clocks = clocks_of(incident(("US-CA", "US-TX", "US-KS")), firm())
    assert clocks["california_1798_82/residents"].deadline == AWARE + timedelta(days=30)
    assert "california_1798_82/attorney_general" not in clocks  # 15 days after residents are notified
    assert clocks["us_state_breach/US-TX"].deadline == AWARE + timedelta(days=60)
    kansas = clocks["us_state_breach/US-KS"]
    assert (kansas.deadline, kansas.statutory) == (AWARE + timedelta(days=30), False)
    assert state_stage("us-co").deadline == Deadline(days=30)


def test_regimes_follow_the_incidents_jurisdictions_and_the_regulators_configured() -> None:
    config = firm(Regime.GDPR_ART33, Regime.DORA, Regime.NYDFS_500_17, scoped={Regime.DORA: ("DE",)})
    eu = clocks_of(incident(("FR",)), config)
    assert set(eu) == {"gdpr_art33"}  # DORA is scoped to DE, NYDFS to the US
    us = clocks_of(incident(("US-NY",)), config)
    assert set(us) == {"nydfs_500_17", "us_state_breach/US-NY"}
    assert clocks_of(incident(("DE",)), firm()) == {}  # nothing configured, no state law


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
