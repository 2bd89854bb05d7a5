"""Every regime's clocks as data, and their deadline arithmetic. Pure; not legal advice.

Each `StageRule` says when its clock starts (its own event), how its deadline is counted
(hours, calendar days, business days, a month) and who is notified. Regimes apply when the firm's
configuration names the regulator and the incident touches the regime's jurisdictions; US state
breach laws bind any business holding residents' data, so they apply by jurisdiction alone.
"""

import calendar as month_calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from functions.clocks.calendar import add_business_days
from functions.clocks.models import StartEvent
from functions.common.config import Regime
from functions.ingest.models import DataCategory

_EU_EEA_CODES = "AT BE BG HR CY CZ DK EE FI FR DE GR IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO EU"
EU_EEA = frozenset(_EU_EEA_CODES.split(" "))
# Data whose leak is high risk to people (GDPR Art. 34 applies).
HIGH_RISK = frozenset({DataCategory.FINANCIAL_ACCOUNT, DataCategory.CREDENTIALS, DataCategory.IDENTITY})
FTC_MIN_CONSUMERS = 500
CALIFORNIA_AG_MIN_RESIDENTS = 500
NEW_YORK = ZoneInfo("America/New_York")
EDGAR_CUTOFF = time(17, 30)  # filings after 5:30 p.m. Eastern take the next business day's date

# State breach-notice statutes with a fixed outer limit (days after discovery). States not listed
# say "without unreasonable delay": Bulkhead holds them to a 30-day target, marked non-statutory.
US_STATE_DAYS: dict[str, int] = {
    "US-AL": 45, "US-AZ": 45, "US-CO": 30, "US-CT": 60, "US-DE": 60, "US-FL": 30, "US-LA": 60,
    "US-MD": 45, "US-ME": 30, "US-NM": 45, "US-NY": 30, "US-OH": 45, "US-OR": 45, "US-RI": 45,
    "US-SD": 60, "US-TN": 45, "US-TX": 60, "US-VT": 45, "US-WA": 30, "US-WI": 45,
}  # fmt: skip
US_STATE_TARGET_DAYS = 30


@dataclass(frozen=True)
class Deadline:
    """How a deadline is counted from its start."""

    hours: int = 0
    days: int = 0
    business_days: int = 0
    months: int = 0
    # DORA's initial report: `hours` after classification, but never later than this many hours
    # after awareness.
    cap_hours_after_awareness: int | None = None

    def due(self, start: datetime, aware_at: datetime) -> datetime:
        if self.business_days:
            due = _business_deadline(start, self.business_days)
        elif self.months:
            due = _add_months(start, self.months)
        else:
            due = start + timedelta(hours=self.hours, days=self.days)
        if self.cap_hours_after_awareness is not None:
            due = min(due, aware_at + timedelta(hours=self.cap_hours_after_awareness))
        return due


@dataclass(frozen=True)
class StageRule:
    stage: str
    start_event: StartEvent
    deadline: Deadline
    rule: str
    notify: str
    after: str | None = None  # the stage whose filing starts this one
    statutory: bool = True
    to_authority: bool = True  # False: the notice goes to the people affected, not to an authority


@dataclass(frozen=True)
class RegimeRule:
    regime: Regime
    title: str
    default_authority: str
    in_scope: Callable[[str], bool]
    stages: tuple[StageRule, ...]
    by_jurisdiction: bool = False  # applies without being configured (state breach laws)


def _eu(code: str) -> bool:
    return code.upper() in EU_EEA


def _uk(code: str) -> bool:
    return code.upper() in {"GB", "UK"}


def _us(code: str) -> bool:
    return code.upper() == "US" or code.upper().startswith("US-")


def _california(code: str) -> bool:
    return code.upper() == "US-CA"


def _other_state(code: str) -> bool:
    return code.upper().startswith("US-") and not _california(code)


def _single(
    start: StartEvent, deadline: Deadline, rule: str, notify: str, statutory: bool = True, to_authority: bool = True
) -> tuple[StageRule]:
    return (StageRule("", start, deadline, rule, notify, statutory=statutory, to_authority=to_authority),)


A, D = StartEvent.AWARENESS, StartEvent.DISCOVERY
RULES: dict[Regime, RegimeRule] = {
    r.regime: r
    for r in (
        RegimeRule(
            Regime.GDPR_ART33, "GDPR Art. 33", "lead supervisory authority", _eu,
            _single(A, Deadline(hours=72), "72 hours after awareness", "lead supervisory authority"),
        ),
        RegimeRule(
            Regime.GDPR_ART34, "GDPR Art. 34", "data subjects", _eu,
            _single(
                A, Deadline(hours=72), "without undue delay (target: 72 hours after awareness)",
                "affected data subjects", statutory=False, to_authority=False,
            ),
        ),
        RegimeRule(
            Regime.UK_GDPR, "UK GDPR Art. 33", "ICO", _uk,
            _single(A, Deadline(hours=72), "72 hours after awareness", "Information Commissioner's Office"),
        ),
        RegimeRule(
            Regime.DORA, "DORA Art. 19", "competent authority", _eu,
            (
                StageRule(
                    "initial", StartEvent.CLASSIFICATION, Deadline(hours=4, cap_hours_after_awareness=24),
                    "4 hours after classification as major, at most 24 hours after awareness",
                    "competent authority",
                ),
                StageRule(
                    "intermediate", StartEvent.FILING, Deadline(hours=72),
                    "72 hours after the initial notification", "competent authority", after="initial",
                ),
                StageRule(
                    "final", StartEvent.FILING, Deadline(months=1),
                    "1 month after the latest intermediate report", "competent authority", after="intermediate",
                ),
            ),
        ),
        RegimeRule(
            Regime.NIS2, "NIS2 Art. 23", "CSIRT", _eu,
            (
                StageRule("early_warning", A, Deadline(hours=24), "24 hours after awareness", "CSIRT"),
                StageRule("notification", A, Deadline(hours=72), "72 hours after awareness", "CSIRT"),
                StageRule(
                    "final", StartEvent.FILING, Deadline(months=1),
                    "1 month after the incident notification", "CSIRT", after="notification",
                ),
            ),
        ),
        RegimeRule(
            Regime.SEC_REG_SP, "SEC Reg S-P 248.30(a)(4)", "SEC", _us,
            _single(
                A, Deadline(days=30), "30 days after awareness of unauthorised access", "affected individuals",
                to_authority=False,
            ),
        ),
        RegimeRule(
            Regime.NYDFS_500_17, "NYDFS 23 NYCRR 500.17", "NYDFS Superintendent", _us,
            _single(StartEvent.DETERMINATION, Deadline(hours=72), "72 hours after determination", "superintendent"),
        ),
        RegimeRule(
            Regime.FTC_SAFEGUARDS, "FTC Safeguards Rule 314.4(j)", "FTC", _us,
            _single(D, Deadline(days=30), "30 days after discovery (500 or more consumers)", "FTC"),
        ),
        RegimeRule(
            Regime.SEC_8K_105, "SEC Form 8-K Item 1.05", "SEC", _us,
            _single(
                StartEvent.MATERIALITY, Deadline(business_days=4),
                "4 business days after the materiality determination", "SEC (public filing)",
            ),
        ),
        RegimeRule(
            Regime.CALIFORNIA_1798_82, "California Civ. Code 1798.82", "California Attorney General", _california,
            (
                StageRule(
                    "residents", D, Deadline(days=30), "30 days after discovery", "California residents",
                    to_authority=False,
                ),
                StageRule(
                    "attorney_general", StartEvent.FILING, Deadline(days=15),
                    "15 days after notifying residents (more than 500 residents)", "California Attorney General",
                    after="residents",
                ),
            ),
            by_jurisdiction=True,
        ),
        RegimeRule(
            Regime.US_STATE_BREACH, "US state breach-notice laws", "State Attorney General", _other_state, (),
            by_jurisdiction=True,
        ),
    )
}  # fmt: skip


def state_stage(state: str) -> StageRule:
    """The one clock of a state breach-notice law, keyed by the state's code."""
    days = US_STATE_DAYS.get(state.upper())
    if days is None:
        return StageRule(
            state.upper(), D, Deadline(days=US_STATE_TARGET_DAYS),
            f"without unreasonable delay (target: {US_STATE_TARGET_DAYS} days after discovery)",
            f"residents of {state.upper()}", statutory=False,
        )  # fmt: skip
    code = state.upper()
    return StageRule(code, D, Deadline(days=days), f"{days} days after discovery", f"residents of {code}")


def informs_authority(clock: str) -> bool:
    """Whether filing this clock means an authority was notified (not the affected people)."""
    regime_name, _, stage = clock.partition("/")
    rule = RULES.get(Regime(regime_name)) if regime_name in set(Regime) else None
    if rule is None:
        return False
    if rule.regime is Regime.US_STATE_BREACH:
        return stage.endswith(("/attorney_general", "/agency"))
    found = next((s for s in rule.stages if s.stage == stage), None)
    return found is not None and found.to_authority


def clock_id(regime: Regime, stage: str) -> str:
    return f"{regime.value}/{stage}" if stage else regime.value


def _business_deadline(start: datetime, count: int) -> datetime:
    """The end of the count-th business day after `start`'s date in New York (EDGAR's cutoff)."""
    local = start.astimezone(NEW_YORK)
    due_day = add_business_days(local.date(), count)
    return datetime.combine(due_day, EDGAR_CUTOFF, tzinfo=NEW_YORK).astimezone(UTC)


def _add_months(start: datetime, months: int) -> datetime:
    """Same day-of-month `months` later, clamped to the month's last day (31 Jan -> 28/29 Feb)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    day = min(start.day, month_calendar.monthrange(year, month)[1])
    return start.replace(year=year, month=month, day=day)
