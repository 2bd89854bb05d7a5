"""Every regime's clocks as data, and their deadline arithmetic. Pure; not legal advice.

Each `StageRule` says when its clock starts (its own event), how its deadline is counted
(hours, calendar days, business days, a month), who is notified and which primary text says so.
Firm-level regimes (DORA, NIS2, NYDFS, SEC, FTC, FCA) apply when the firm's configuration names
the regulator, wherever the affected customers live; customer-level ones (GDPR, UK GDPR) when the
regulator is configured and the incident touches the regime's jurisdictions; US state breach laws
bind any business holding residents' data, so they apply by jurisdiction alone, and only to the
data categories each law covers.
"""

import calendar as month_calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from functions.clocks.calendar import add_business_days
from functions.clocks.models import StartEvent
from functions.common.config import FIRM_LEVEL, Regime
from functions.ingest.models import DataCategory

# EU-27 and the EEA (Iceland, Liechtenstein, Norway); "EU" stands for an unspecified member state.
_EU_EEA_CODES = "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO EU"
EU_EEA = frozenset(_EU_EEA_CODES.split(" "))
# Data whose leak is high risk to people (GDPR Art. 34 applies).
HIGH_RISK = frozenset({DataCategory.FINANCIAL_ACCOUNT, DataCategory.CREDENTIALS, DataCategory.IDENTITY})
# What US state breach laws call personal information: a name with an identity number (SSN,
# driver's licence) or a financial account number with its access code. Contact details alone
# are not covered by any of them.
US_STATE_COVERED = frozenset({DataCategory.IDENTITY, DataCategory.FINANCIAL_ACCOUNT})
# States whose definition also covers a user name or e-mail address with its password (verify
# with counsel; California's is 1798.82(h)(2)).
US_STATES_WITH_CREDENTIALS = frozenset(
    [
        "US-AZ",
        "US-CA",
        "US-CO",
        "US-CT",
        "US-DE",
        "US-FL",
        "US-IL",
        "US-MD",
        "US-NE",
        "US-NJ",
        "US-NY",
        "US-OR",
        "US-PA",
        "US-RI",
        "US-SD",
        "US-VT",
        "US-WA",
    ]
)
FTC_MIN_CONSUMERS = 500
CALIFORNIA_AG_MIN_RESIDENTS = 500
TEXAS_AG_MIN_RESIDENTS = 250
NEW_YORK = ZoneInfo("America/New_York")
EDGAR_CUTOFF = time(17, 30)  # filings after 5:30 p.m. Eastern take the next business day's date
END_OF_DAY = time(23, 59, 59)

# State breach-notice statutes with a fixed outer limit (days after discovery). States not listed
# say "without unreasonable delay": Bulkhead holds them to a 30-day target, marked non-statutory.
US_STATE_DAYS: dict[str, int] = {
    "US-AL": 45, "US-AZ": 45, "US-CO": 30, "US-CT": 60, "US-DE": 60, "US-FL": 30, "US-IN": 45, "US-LA": 60,
    "US-MD": 45, "US-ME": 30, "US-NM": 45, "US-NY": 30, "US-OH": 45, "US-OR": 45, "US-RI": 45,
    "US-SD": 60, "US-TN": 45, "US-TX": 60, "US-VT": 45, "US-WA": 30, "US-WI": 45,
}  # fmt: skip
US_STATE_SOURCES: dict[str, str] = {
    "US-IN": "Ind. Code 24-4.9-3-3(a)",
    "US-MA": "M.G.L. c. 93H s. 3(b)",
    "US-NY": "N.Y. Gen. Bus. Law 899-aa(2)",
    "US-TX": "Tex. Bus. & Com. Code 521.053(b)",
    "US-VT": "9 V.S.A. 2435(b)(1)",
}
US_STATE_TARGET_DAYS = 30


@dataclass(frozen=True)
class Deadline:
    """How a deadline is counted from its start."""

    hours: int = 0
    days: int = 0
    business_days: int = 0
    months: int = 0
    # DORA's initial report: `hours` after classification, but never later than this many hours
    # after awareness - unless classification itself came later, when `hours` after it apply.
    cap_hours_after_awareness: int | None = None
    # Business days end at EDGAR's cutoff (8-K) unless the rule counts whole days.
    business_day_end: time = EDGAR_CUTOFF

    def due(self, start: datetime, aware_at: datetime) -> datetime:
        if self.business_days:
            due = _business_deadline(start, self.business_days, self.business_day_end)
        elif self.months:
            due = _add_months(start, self.months)
        else:
            due = start + timedelta(hours=self.hours, days=self.days)
        if self.cap_hours_after_awareness is not None:
            cap = aware_at + timedelta(hours=self.cap_hours_after_awareness)
            if start <= cap:  # a deadline is never one that had already passed when the clock started
                due = min(due, cap)
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
    source: str = ""  # the primary text that sets this deadline
    min_affected: int | None = None  # starts only when at least this many people are affected


@dataclass(frozen=True)
class RegimeRule:
    regime: Regime
    title: str
    default_authority: str
    in_scope: Callable[[str], bool]
    stages: tuple[StageRule, ...]
    by_jurisdiction: bool = False  # applies without being configured (state breach laws)
    # The data categories the law covers; None: any personal data.
    covers: frozenset[DataCategory] | None = None
    # Follows another configured regime (Art. 34 follows Art. 33's authority, 500.17(c) NYDFS's).
    follows: Regime | None = None

    @property
    def firm_level(self) -> bool:
        """Binds the firm by its authorisation, wherever the affected customers live."""
        return self.regime in FIRM_LEVEL


def _eu(code: str) -> bool:
    return code.upper().split("-", maxsplit=1)[0] in EU_EEA


def _uk(code: str) -> bool:
    return code.upper() in {"GB", "UK"}


def _us(code: str) -> bool:
    return code.upper() == "US" or code.upper().startswith("US-")


def _california(code: str) -> bool:
    return code.upper() == "US-CA"


def _other_state(code: str) -> bool:
    return code.upper().startswith("US-") and not _california(code)


def _anywhere(_code: str) -> bool:
    return True


def _single(
    start: StartEvent,
    deadline: Deadline,
    rule: str,
    notify: str,
    source: str,
    statutory: bool = True,
    to_authority: bool = True,
    min_affected: int | None = None,
) -> tuple[StageRule]:
    return (StageRule("", start, deadline, rule, notify, None, statutory, to_authority, source, min_affected),)


A, D = StartEvent.AWARENESS, StartEvent.DISCOVERY
C, F = StartEvent.CLASSIFICATION, StartEvent.FILING


def _gdpr(
    art33: Regime,
    art34: Regime,
    name: str,
    authority: str,
    authority_in_full: str,
    in_scope: Callable[[str], bool],
    text: str,
    enacted_by: str = "",
) -> tuple[RegimeRule, RegimeRule]:
    """A GDPR's two clocks: Art. 33 to the supervisory authority; Art. 34 to the data subjects when
    the data is high risk, following Art. 33's authority. The EU's and the UK's read alike."""
    return (
        RegimeRule(
            art33, f"{name} Art. 33", authority, in_scope,
            _single(
                A, Deadline(hours=72), "72 hours after awareness", authority_in_full,
                f"{text} Art. 33(1){enacted_by}",
            ),
        ),
        RegimeRule(
            art34, f"{name} Art. 34", "data subjects", in_scope,
            _single(
                A, Deadline(hours=72), "without undue delay (target: 72 hours after awareness)",
                "affected data subjects", f"{text} Art. 34(1)", statutory=False, to_authority=False,
            ),
            covers=HIGH_RISK, follows=art33,
        ),
    )  # fmt: skip


RULES: dict[Regime, RegimeRule] = {
    r.regime: r
    for r in (
        *_gdpr(
            Regime.GDPR_ART33, Regime.GDPR_ART34, "GDPR", "lead supervisory authority", "lead supervisory authority",
            _eu, "Regulation (EU) 2016/679",
        ),
        *_gdpr(
            Regime.UK_GDPR, Regime.UK_GDPR_ART34, "UK GDPR", "ICO", "Information Commissioner's Office", _uk,
            "UK GDPR", enacted_by=" (Data Protection Act 2018)",
        ),
        RegimeRule(
            Regime.DORA, "DORA Art. 19", "competent authority", _anywhere,
            (
                StageRule(
                    "initial", C, Deadline(hours=4, cap_hours_after_awareness=24),
                    "4 hours after classification as major, at most 24 hours after awareness "
                    "(classified later than that: 4 hours after classification)",
                    "competent authority", source="Delegated Regulation (EU) 2025/301 Art. 5(1)(a)",
                ),
                StageRule(
                    "intermediate", F, Deadline(hours=72),
                    "72 hours after the initial notification", "competent authority", after="initial",
                    source="Delegated Regulation (EU) 2025/301 Art. 5(1)(b)",
                ),
                StageRule(
                    "final", F, Deadline(months=1),
                    "1 month after the latest intermediate report", "competent authority", after="intermediate",
                    source="Delegated Regulation (EU) 2025/301 Art. 5(1)(c)",
                ),
                StageRule(
                    "clients", C, Deadline(hours=24),
                    "without undue delay after classification as major, where clients' financial interests "
                    "are affected (target: 24 hours)", "affected clients", statutory=False, to_authority=False,
                    source="Regulation (EU) 2022/2554 Art. 19(3)",
                ),
            ),
        ),
        RegimeRule(
            Regime.NIS2, "NIS2 Art. 23", "CSIRT", _anywhere,
            (
                StageRule(
                    "early_warning", A, Deadline(hours=24), "24 hours after awareness", "CSIRT",
                    source="Directive (EU) 2022/2555 Art. 23(4)(a)",
                ),
                StageRule(
                    "notification", A, Deadline(hours=72), "72 hours after awareness", "CSIRT",
                    source="Directive (EU) 2022/2555 Art. 23(4)(b)",
                ),
                StageRule(
                    "final", F, Deadline(months=1),
                    "1 month after the incident notification", "CSIRT", after="notification",
                    source="Directive (EU) 2022/2555 Art. 23(4)(d)",
                ),
            ),
        ),
        RegimeRule(
            Regime.SEC_REG_SP, "SEC Reg S-P 248.30(a)(4)", "SEC", _anywhere,
            _single(
                A, Deadline(days=30), "30 days after awareness of unauthorised access", "affected individuals",
                "17 CFR 248.30(a)(4)(iii)", to_authority=False,
            ),
        ),
        RegimeRule(
            Regime.NYDFS_500_17, "NYDFS 23 NYCRR 500.17", "NYDFS Superintendent", _anywhere,
            _single(
                StartEvent.DETERMINATION, Deadline(hours=72), "72 hours after determination", "superintendent",
                "23 NYCRR 500.17(a)(1)",
            ),
        ),
        RegimeRule(
            Regime.NYDFS_500_17C, "NYDFS 23 NYCRR 500.17(c)", "NYDFS Superintendent", _anywhere,
            (
                StageRule(
                    "payment", StartEvent.EXTORTION_PAYMENT, Deadline(hours=24),
                    "24 hours after an extortion payment", "superintendent", source="23 NYCRR 500.17(c)(1)",
                ),
                StageRule(
                    "explanation", StartEvent.EXTORTION_PAYMENT, Deadline(days=30),
                    "30 days after an extortion payment: why it was necessary, alternatives, diligence, "
                    "sanctions compliance", "superintendent", source="23 NYCRR 500.17(c)(2)",
                ),
            ),
            follows=Regime.NYDFS_500_17,
        ),
        RegimeRule(
            Regime.FTC_SAFEGUARDS, "FTC Safeguards Rule 314.4(j)", "FTC", _anywhere,
            _single(
                D, Deadline(days=30), "30 days after discovery (500 or more consumers)", "FTC",
                "16 CFR 314.4(j)(1)", min_affected=FTC_MIN_CONSUMERS,
            ),
        ),
        RegimeRule(
            Regime.SEC_8K_105, "SEC Form 8-K Item 1.05", "SEC", _anywhere,
            _single(
                StartEvent.MATERIALITY, Deadline(business_days=4),
                "4 business days after the materiality determination", "SEC (public filing)",
                "Form 8-K General Instruction B.1, Item 1.05; 17 CFR 232.13(a)(2) (5:30 p.m. cutoff)",
            ),
        ),
        RegimeRule(
            Regime.FCA_PRINCIPLE_11, "FCA Principle 11 / SUP 15.3", "FCA", _anywhere,
            _single(
                A, Deadline(hours=24), "immediately on becoming aware (target: 24 hours)", "FCA",
                "FCA Handbook PRIN 2.1.1R Principle 11; SUP 15.3.1R", statutory=False,
            ),
        ),
        RegimeRule(
            Regime.CALIFORNIA_1798_82, "California Civ. Code 1798.82", "California Attorney General", _california,
            (
                StageRule(
                    "residents", D, Deadline(days=30), "30 days after discovery", "California residents",
                    to_authority=False, source="Cal. Civ. Code 1798.82(a) (30 days from 1 January 2026)",
                ),
                StageRule(
                    "attorney_general", F, Deadline(days=15),
                    "15 days after notifying residents (more than 500 residents)", "California Attorney General",
                    after="residents", source="Cal. Civ. Code 1798.82(f)",
                ),
            ),
            by_jurisdiction=True, covers=HIGH_RISK,
        ),
        RegimeRule(
            Regime.US_STATE_BREACH, "US state breach-notice laws", "State Attorney General", _other_state, (),
            by_jurisdiction=True, covers=HIGH_RISK,
        ),
    )
}  # fmt: skip


def first_deadline(regime: Regime, start: datetime) -> datetime:
    """When a clock of `regime` started at `start` first falls due, by its first stage's rule (as
    drills score it and the canary sizes the e-mail quota); per-state breach laws, whose stages
    differ by state, take the common target of `US_STATE_TARGET_DAYS`."""
    stages = RULES[regime].stages
    deadline = stages[0].deadline if stages else Deadline(days=US_STATE_TARGET_DAYS)
    return deadline.due(start, start)


def state_stage(state: str) -> StageRule:
    """The residents' clock of a state breach-notice law, keyed by the state's code."""
    code = state.upper()
    days = US_STATE_DAYS.get(code)
    source = US_STATE_SOURCES.get(code, f"{code} breach-notice statute")
    if days is None:
        return StageRule(
            code, D, Deadline(days=US_STATE_TARGET_DAYS),
            f"without unreasonable delay (target: {US_STATE_TARGET_DAYS} days after discovery)",
            f"residents of {code}", statutory=False, to_authority=False, source=source,
        )  # fmt: skip
    return StageRule(
        code, D, Deadline(days=days), f"{days} days after discovery", f"residents of {code}",
        to_authority=False, source=source,
    )  # fmt: skip


# Agency notices some states require besides the residents' notice (stage `US-XX/attorney_general`).
STATE_AGENCY_STAGES: dict[str, StageRule] = {
    "US-TX": StageRule(
        "US-TX/attorney_general", D, Deadline(days=30),
        "30 days after determining the breach occurred (250 or more Texas residents)", "Texas Attorney General",
        source="Tex. Bus. & Com. Code 521.053(i)", min_affected=TEXAS_AG_MIN_RESIDENTS,
    ),
    "US-VT": StageRule(
        "US-VT/attorney_general", D, Deadline(business_days=14, business_day_end=END_OF_DAY),
        "preliminary notice 14 business days after discovery (or when residents are notified, if sooner)",
        "Vermont Attorney General", source="9 V.S.A. 2435(b)(3)(A)",
    ),
    "US-MA": StageRule(
        "US-MA/attorney_general", D, Deadline(days=US_STATE_TARGET_DAYS),
        f"as soon as practicable and without unreasonable delay (target: {US_STATE_TARGET_DAYS} days)",
        "Massachusetts Attorney General and Director of Consumer Affairs and Business Regulation",
        statutory=False, source="M.G.L. c. 93H s. 3(b)",
    ),
}  # fmt: skip


def state_stages(state: str) -> tuple[StageRule, ...]:
    """Every clock a state's breach law starts: the residents' notice, and an agency notice where due."""
    code = state.upper()
    agency = STATE_AGENCY_STAGES.get(code)
    return (state_stage(code), agency) if agency else (state_stage(code),)


def state_covers(state: str) -> frozenset[DataCategory]:
    """The data categories a state's breach law covers."""
    code = state.upper()
    return US_STATE_COVERED | ({DataCategory.CREDENTIALS} if code in US_STATES_WITH_CREDENTIALS else frozenset())


def stage_rule(regime: Regime, stage: str) -> StageRule:
    """The rule of one clock (state laws' stages are keyed by the state's code)."""
    if regime is Regime.US_STATE_BREACH:
        return next(s for s in state_stages(stage.split("/", maxsplit=1)[0]) if s.stage == stage)
    return next(s for s in RULES[regime].stages if s.stage == stage)


def informs_authority(clock: str) -> bool:
    """Whether filing this clock means an authority was notified (not the affected people)."""
    regime_name, _, stage = clock.partition("/")
    rule = RULES.get(Regime(regime_name)) if regime_name in set(Regime) else None
    if rule is None:
        return False
    if rule.regime is Regime.US_STATE_BREACH:
        return stage.endswith("/attorney_general")
    found = next((s for s in rule.stages if s.stage == stage), None)
    return found is not None and found.to_authority


def clock_id(regime: Regime, stage: str) -> str:
    return f"{regime.value}/{stage}" if stage else regime.value


def _business_deadline(start: datetime, count: int, end: time) -> datetime:
    """`end` o'clock New York time on the count-th business day after `start`'s date there."""
    local = start.astimezone(NEW_YORK)
    due_day = add_business_days(local.date(), count)
    return datetime.combine(due_day, end, tzinfo=NEW_YORK).astimezone(UTC)


def _add_months(start: datetime, months: int) -> datetime:
    """Same day-of-month `months` later, clamped to the month's last day (31 Jan -> 28/29 Feb)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    day = min(start.day, month_calendar.monthrange(year, month)[1])
    return start.replace(year=year, month=month, day=day)
