"""Regulator notice drafts, pre-filled from the incident, the resolved audience and the ledger.

Drafts are generated and recorded, never sent: a person reviews, completes and files each one.
Which regimes apply: firm-level ones (DORA, NIS2, NYDFS, SEC, FTC, FCA) when the firm's
configuration names the regulator; GDPR and UK GDPR for the residents they protect; US state laws
by residence, for the data categories each covers. Counts come from the resolved audience, so a
whole-store export counts every customer of the store. Measures are what the ledger records (not
legal advice; each draft lists what a person must verify and add).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from functions.clocks.models import StartEvent
from functions.clocks.rules import (
    FTC_MIN_CONSUMERS,
    RULES,
    TEXAS_AG_MIN_RESIDENTS,
    StageRule,
    state_covers,
    state_stages,
)
from functions.common.config import FirmConfig, Regime
from functions.detection.models import Incident
from functions.notification.models import AudienceResolved, NoticeFacts
from functions.notification.roster import EEA

TITLES: Mapping[Regime, str] = {
    Regime.GDPR_ART33: "GDPR Article 33 notification of a personal data breach to the supervisory authority",
    Regime.UK_GDPR: "UK GDPR Article 33 notification to the Information Commissioner's Office",
    Regime.DORA: "DORA Article 19(4)(a) initial notification of a major ICT-related incident",
    Regime.NIS2: "NIS2 Article 23(4) early warning and incident notification to the CSIRT",
    Regime.NYDFS_500_17: "23 NYCRR 500.17(a) notice of cybersecurity incident to the Superintendent",
    Regime.SEC_REG_SP: "Regulation S-P (17 CFR 248.30(a)(4)) incident record and customer notice",
    Regime.FTC_SAFEGUARDS: "FTC Safeguards Rule (16 CFR 314.4(j)) notification event report",
    Regime.SEC_8K_105: "Form 8-K Item 1.05 Material Cybersecurity Incidents",
    Regime.FCA_PRINCIPLE_11: "FCA Principle 11 / SUP 15.3 notification",
    Regime.CALIFORNIA_1798_82: "California Civil Code 1798.82(f) notice (sample to the Attorney General)",
    Regime.US_STATE_BREACH: "US state data breach notice to the Attorney General",
}
DEFAULT_AUTHORITIES: Mapping[Regime, str] = {
    Regime.GDPR_ART33: "lead supervisory authority",
    Regime.UK_GDPR: "Information Commissioner's Office",
    Regime.DORA: "competent authority",
    Regime.NIS2: "CSIRT or competent authority",
    Regime.NYDFS_500_17: "NYDFS Superintendent (DFS Portal)",
    Regime.SEC_REG_SP: "SEC (kept on record; customers notified)",
    Regime.FTC_SAFEGUARDS: "Federal Trade Commission (online form)",
    Regime.SEC_8K_105: "SEC (EDGAR, public filing)",
    Regime.FCA_PRINCIPLE_11: "Financial Conduct Authority",
    Regime.CALIFORNIA_1798_82: "California Attorney General",
    Regime.US_STATE_BREACH: "state Attorney General",
}
# Firm-level regimes that have a filing, in the order a compliance officer meets their deadlines.
_FIRM_FILINGS = (
    Regime.DORA,
    Regime.NIS2,
    Regime.FCA_PRINCIPLE_11,
    Regime.NYDFS_500_17,
    Regime.SEC_8K_105,
    Regime.SEC_REG_SP,
    Regime.FTC_SAFEGUARDS,
)
_US = frozenset({Regime.NYDFS_500_17, Regime.SEC_REG_SP, Regime.FTC_SAFEGUARDS, Regime.SEC_8K_105})
_US |= {Regime.CALIFORNIA_1798_82, Regime.US_STATE_BREACH}
FTC_THRESHOLD = FTC_MIN_CONSUMERS


@dataclass(frozen=True)
class Draft:
    regime: Regime
    authority: str
    deadline: datetime | None
    name: str
    text: str


def applicable(incident: Incident, audience: AudienceResolved, config: FirmConfig) -> list[tuple[Regime, str]]:
    """(regime, authority) pairs this incident calls for, with US states one by one."""
    places = set(audience.by_jurisdiction) | set(incident.jurisdictions)
    countries = {p.split("-")[0] for p in places}
    categories = set(incident.data_categories)
    found: list[tuple[Regime, str]] = []

    def add(regime: Regime, authority: str | None = None) -> None:
        named = authority or config.authority(regime, incident.store_id) or DEFAULT_AUTHORITIES[regime]
        found.append((regime, named))

    if config.authorised(Regime.GDPR_ART33) and (countries & EEA or "EU" in places):
        add(Regime.GDPR_ART33)
    if "GB" in countries:
        add(Regime.UK_GDPR)
    for regime in _FIRM_FILINGS:
        if not config.authorised(regime):
            continue
        if regime is Regime.FTC_SAFEGUARDS and audience.customers < FTC_THRESHOLD:
            continue  # counted on the resolved audience: a whole-store export counts everyone
        add(regime)
    for state in sorted(p for p in places if p.startswith("US-")):
        if not state_covers(state) & categories:
            continue  # contact details alone are not personal information under state breach laws
        if state == "US-CA":
            add(Regime.CALIFORNIA_1798_82)
        elif _agency_notice(state, audience):
            add(Regime.US_STATE_BREACH, f"{state.removeprefix('US-')} Attorney General")
    return list(dict.fromkeys(found))


def _agency_notice(state: str, audience: AudienceResolved) -> bool:
    agency = next((s for s in state_stages(state) if s.to_authority), None)
    if agency is None:
        return False
    return state != "US-TX" or audience.by_jurisdiction.get(state, 0) >= TEXAS_AG_MIN_RESIDENTS


def draft(
    regime: Regime,
    authority: str,
    incident: Incident,
    audience: AudienceResolved,
    config: FirmConfig,
    facts: NoticeFacts | None = None,
    now: datetime | None = None,
) -> Draft:
    """One regime's draft. `facts` are what the ledger records (measures, filings, classification)."""
    facts = facts or NoticeFacts()
    stage = _first_stage(regime, authority)
    start = _start(stage, incident, facts)
    deadline = stage.deadline.due(start, incident.aware_at) if stage and start else None
    in_scope = _in_scope(regime, authority, audience)
    categories = ", ".join(c.value.replace("_", " ") for c in incident.data_categories) or "to be determined"
    lines = [
        f"# DRAFT - {TITLES[regime]}",
        "",
        "Status: DRAFT generated by Bulkhead. Not sent. Review, complete and file it yourself.",
        "",
        f"- To: {authority}",
        f"- From: {config.firm_name}; contact point: {config.contact_point}",
        f"- Incident reference: {incident.incident_id}",
        f"- Became aware: {incident.aware_at.isoformat()}",
        f"- Filing deadline (verify): {deadline.isoformat() if deadline else _waiting(stage)}",
        f"- Rule: {stage.rule} ({stage.source})" if stage else "- Rule: see the regime",
        "",
        "## Nature of the incident",
        f"{incident.title} (detection rule {incident.rule_id}, severity {incident.severity.value}).",
        f"Categories of personal data concerned: {categories}.",
        f"Approximate number of people concerned: {audience.customers} in total; {in_scope} in this authority's scope.",
        f"By jurisdiction: {_counts(audience.by_jurisdiction)}.",
    ]
    if audience.scope_widened:
        lines.append("The exported set could not be read back; every customer of the store is treated as affected.")
    lines += ["", *_specific(regime, authority, incident, audience, config, facts, deadline, now)]
    lines += ["", "## Measures taken (as the ledger records them)", *_measures(facts)]
    lines += ["", "## Information still to add before filing", *_to_add(regime)]
    return Draft(regime, authority, deadline, f"{regime.value}{_suffix(authority)}.md", "\n".join(lines) + "\n")


def _first_stage(regime: Regime, authority: str) -> StageRule | None:
    if regime is Regime.US_STATE_BREACH:
        state = f"US-{authority.split(' ', maxsplit=1)[0]}"
        return next((s for s in state_stages(state) if s.to_authority), state_stages(state)[0])
    stages = [s for s in RULES[regime].stages if s.start_event is not StartEvent.FILING]
    if regime is Regime.CALIFORNIA_1798_82:
        return RULES[regime].stages[0]
    return stages[0] if stages else None


def _start(stage: StageRule | None, incident: Incident, facts: NoticeFacts) -> datetime | None:
    if stage is None:
        return None
    if stage.start_event in (StartEvent.AWARENESS, StartEvent.DISCOVERY):
        return incident.aware_at
    if stage.start_event is StartEvent.DETERMINATION:
        return incident.declared_at
    if stage.start_event is StartEvent.CLASSIFICATION:
        return facts.classified_at
    return None  # the 8-K's materiality determination: a person records it


def _waiting(stage: StageRule | None) -> str:
    if stage is None:
        return "see the regime"
    return f"starts at the {stage.start_event.value.replace('_', ' ')} a person records"


def _specific(
    regime: Regime,
    authority: str,
    incident: Incident,
    audience: AudienceResolved,
    config: FirmConfig,
    facts: NoticeFacts,
    deadline: datetime | None,
    now: datetime | None,
) -> list[str]:
    """What this regime's own form asks for, filled where the incident holds it."""
    if regime in (Regime.GDPR_ART33, Regime.UK_GDPR):
        law = "UK GDPR" if regime is Regime.UK_GDPR else "GDPR"
        late = deadline is not None and now is not None and now > deadline
        return [
            f"## {law} Art. 33(3) content",
            f"- Approximate number of personal data records concerned: {audience.customers} customer records "
            f"(one per data subject), each holding the categories above.",
            f"- Data protection officer / contact point: {config.contact_point}.",
            "- Likely consequences: phishing and impersonation; where financial account data or credentials are "
            "concerned, unauthorised transactions and account takeover. [Complete with the firm's assessment.]",
            "- Reasons for the delay (Art. 33(1)): "
            + (
                f"this notification is made after the 72 hours ended at {deadline.isoformat() if deadline else '?'}; "
                "[state the reasons]."
                if late
                else "none at the time of drafting; if filed after the deadline above, state the reasons."
            ),
            "- Communication to data subjects (Art. 34): "
            + (
                f"planned for {audience.customers} people (high risk assessed); not yet sent at the time of this "
                "draft. [State when it was sent.]"
                if audience.required
                else "not planned: the risk to people was assessed as not high. [Confirm the assessment.]"
            ),
        ]
    if regime is Regime.DORA:
        eea = sorted(p for p in audience.by_jurisdiction if p.split("-")[0] in EEA) or ["to be determined"]
        classified = facts.classified_at.isoformat() if facts.classified_at else "not yet classified"
        return [
            "## Initial notification fields (Implementing Regulation (EU) 2025/302, Annex)",
            f"- Financial entity: {config.firm_name}; LEI: {config.lei or '[add the LEI]'}",
            f"- Competent authority: {config.authority(Regime.DORA, incident.store_id) or '[add]'}",
            f"- Incident reference code: {incident.incident_id}",
            f"- Date and time of detection: {incident.aware_at.isoformat()}",
            f"- Date and time of classification as major: {classified}",
            f"- Description: {incident.title} (severity {incident.severity.value})",
            f"- Clients affected: {audience.customers}",
            f"- Member states affected: {', '.join(eea)}",
            f"- Data losses (personal data categories): {', '.join(c.value for c in incident.data_categories)}",
            f"- Affected components: {', '.join(incident.scope.components) or '[add]'}",
            "- Classification criteria triggered (Delegated Regulation (EU) 2024/1772): [add]",
            "- Business continuity plan activated: [yes/no]",
            f"- Contact person: {config.contact_point}",
        ]
    if regime is Regime.NIS2:
        return [
            "## Early warning (Art. 23(4)(a)) and notification (Art. 23(4)(b))",
            "- Suspected unlawful or malicious act: [yes/no]",
            "- Possible cross-border impact: " + ", ".join(sorted(audience.by_jurisdiction) or ["[assess]"]),
            f"- Initial assessment: severity {incident.severity.value}; {audience.customers} customers affected",
            "- Indicators of compromise: [add]",
        ]
    if regime is Regime.NYDFS_500_17:
        return [
            "## 500.17(a) notice (DFS Portal)",
            f"- Determination that a cybersecurity incident occurred: {incident.declared_at.isoformat()}",
            f"- Affected New York residents: {audience.by_jurisdiction.get('US-NY', 0)}",
            "- Updates: provide any material change as it becomes known (500.17(a)(2)).",
            "- An extortion payment, if any, is reported within 24 hours and explained within 30 days "
            "(500.17(c)): `bulkhead clock start INCIDENT nydfs_500_17c --at TIME`.",
        ]
    if regime is Regime.SEC_8K_105:
        return [
            "## Item 1.05 content",
            "- Material aspects of the incident's nature, scope and timing: [complete]",
            "- Material impact or reasonably likely material impact on the registrant: [complete]",
            "- Date of the materiality determination: [record it: `bulkhead clock start INCIDENT sec_8k_1_05 --at`]",
            "- Do not include technical details that would impede the response or remediation (Instruction 4).",
        ]
    if regime is Regime.FTC_SAFEGUARDS:
        return [
            "## 314.4(j)(1) content",
            f"- Types of information involved: {', '.join(c.value for c in incident.data_categories)}",
            f"- Date or date range of the event: on or before {incident.aware_at.date().isoformat()}",
            f"- Number of consumers affected or potentially affected: {audience.customers}",
            "- Whether a law enforcement official requested a delay of public notice: [yes/no]",
        ]
    if regime is Regime.SEC_REG_SP:
        return [
            "## Reg S-P 248.30(a)(4) record",
            f"- Customers whose sensitive information was (reasonably likely) accessed: {audience.customers}",
            "- Customer notice: sent by Bulkhead with the 248.30(a)(4)(iv) content; see `notification.completed`.",
            "- If notice is delayed at the Attorney General's request (national security), record the request.",
        ]
    if regime is Regime.FCA_PRINCIPLE_11:
        return [
            "## SUP 15.3 notification",
            "- Why the matter has a serious regulatory impact: [complete]",
            f"- Customers affected: {audience.customers}",
        ]
    if regime is Regime.CALIFORNIA_1798_82:
        return [
            "## 1798.82(f) sample",
            f"- California residents notified: {audience.by_jurisdiction.get('US-CA', 0)} "
            "(a sample copy of the notice is due when more than 500 residents were notified)",
            "- Attach the notice as sent (`bulkhead notice preview --regime california`).",
        ]
    state = f"US-{authority.split(' ', maxsplit=1)[0]}"
    return [
        "## State agency notice",
        f"- Residents of {state} affected: {audience.by_jurisdiction.get(state, 0)}",
        "- Attach the residents' notice as sent and say when it was sent.",
    ]


def _measures(facts: NoticeFacts) -> list[str]:
    lines = [f"- Applied and verified: {', '.join(facts.measures)}"] if facts.measures else []
    lines += [f"- Degradation modes in force: {', '.join(facts.modes)}"] if facts.modes else []
    lines += [f"- Authorities already notified: {', '.join(facts.informed)}"] if facts.informed else []
    if not (facts.measures or facts.modes):
        lines.append("- None verified at the time of this draft. [Complete with what has been done since.]")
    lines.append("- Every step recorded in the incident's tamper-evident ledger.")
    return lines


def _to_add(regime: Regime) -> list[str]:
    lines = ["- Root cause and attack vector, once known", "- Name and contact details of the person filing"]
    if regime not in _US:
        lines.insert(1, "- Whether the information was encrypted or otherwise unintelligible")
    return lines


def _in_scope(regime: Regime, authority: str, audience: AudienceResolved) -> int:
    counts = audience.by_jurisdiction
    if regime is Regime.GDPR_ART33:
        return sum(n for p, n in counts.items() if p.split("-")[0] in EEA or p == "EU")
    if regime is Regime.UK_GDPR:
        return counts.get("GB", 0)
    if regime is Regime.NYDFS_500_17:
        return counts.get("US-NY", 0)
    if regime is Regime.CALIFORNIA_1798_82:
        return counts.get("US-CA", 0)
    if regime is Regime.US_STATE_BREACH:
        state = authority.split(" ", maxsplit=1)[0]
        return counts.get(f"US-{state}", 0)
    return audience.customers  # firm-level regimes: everyone affected


def _suffix(authority: str) -> str:
    state = authority.split(" ", maxsplit=1)[0]
    return f"-{state.lower()}" if len(state) == 2 and state.isupper() else ""


def _counts(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none resolved"
