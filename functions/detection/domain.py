"""Detection: match a signal against the store's rules, correlate it into a window, declare once, record why.

Correlation: signals of one attack (same store, actor and rule within the rule's window) share a
window and one incident id. A window declares once its total reaches the rule's threshold; the
one caller that wins the window's claim declares, every later signal merges. Dispositions are
counted per day and window (the auditor's record); the ledger gets the declaration and
tamper-evident count checkpoints (1st, 10th, 100th... signal) instead of one entry per signal, except
for a signal correlated into an incident: its own disposition goes into the day's chain, so the
incident's evidence pack carries the disposition of every signal it merged.
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from functions.common.config import FirmConfig, Mode, Severity
from functions.detection.models import (
    AffectedScope,
    Condition,
    DetectionRule,
    Disposition,
    Incident,
    IncidentDeclared,
    RuleBook,
    StoreProfile,
    Tally,
)
from functions.detection.ports import DispositionStore, IncidentBus
from functions.ingest.models import DataCategory, Signal
from functions.ledger.chains import dispositions_chain
from functions.ledger.models import EntryDraft, EntryType
from functions.ledger.ports import Ledger

ACTOR = "detection"
CLAIM_LEASE_SECONDS = 30
_ESCALATING = frozenset({DataCategory.CREDENTIALS, DataCategory.FINANCIAL_ACCOUNT})
_MANY_CUSTOMERS = 500  # FTC Safeguards and California AG thresholds start here
# A window remembers the affected records of its first signals, so an incident declared by the
# threshold's last signal covers the whole burst. Bounded twice: the window item stays far below
# DynamoDB's 400 KB, and IncidentDeclared below EventBridge's and Step Functions' 256 KB.
SUBJECTS_PER_SIGNAL = 10
SUBJECT_SIGNALS = 100
MAX_SCOPE_SUBJECTS = 1_000


@dataclass(frozen=True)
class DetectDeps:
    book: RuleBook
    config: FirmConfig
    ledger: Ledger
    dispositions: DispositionStore
    bus: IncidentBus
    now: datetime


def detect(signal: Signal, deps: DetectDeps) -> Disposition:
    """Dispose of one verified signal: ignored (which rule, why), merged (into which incident) or declared."""
    day = f"{deps.now:%Y-%m-%d}"
    profile = deps.book.profile(signal.store_id)
    rule, reason = match(signal, deps.book.rules_for(signal.store_id), profile)
    if rule is None:
        window = f"ignored|{signal.store_id}|{signal.topic}|{reason}"[:512]
        tally = deps.dispositions.count(day, window, _facts(signal, None, None, reason), signal.signal_id, deps.now, 1)
        disposition = _disposition(signal, deps, "ignored", reason)
        _checkpoint(deps, dispositions_chain(deps.now), window, tally, disposition)
        return disposition
    incident = classify(signal, rule, deps)
    window = f"{signal.store_id}|{rule.rule_id}|{incident.incident_id}"
    facts = _facts(signal, rule, incident.incident_id, rule.title)
    tally = deps.dispositions.count(day, window, facts, signal.signal_id, deps.now, _weight(signal, rule))
    if rule.threshold > 1 and tally.signals <= SUBJECT_SIGNALS:
        deps.dispositions.remember_subjects(day, window, signal.subject_ids[:SUBJECTS_PER_SIGNAL])
    if tally.weight < rule.threshold:
        deps.dispositions.count_below_threshold(day, window)
        why = f"{rule.title}: {tally.weight} of {rule.threshold} within {rule.window_minutes} min"
        disposition = _disposition(signal, deps, "ignored", why, rule.rule_id, incident.incident_id)
        _checkpoint(deps, dispositions_chain(deps.now), window, tally, disposition)
        _record(deps, signal, window, tally, disposition)
        return disposition
    if tally.declared or not deps.dispositions.claim(day, window, deps.now, CLAIM_LEASE_SECONDS):
        disposition = _disposition(
            signal, deps, "merged", f"{rule.title}: incident already open", rule.rule_id, incident.incident_id
        )
        _checkpoint(deps, incident.incident_id, window, tally, disposition)
        _record(deps, signal, window, tally, disposition)
        return disposition
    if rule.threshold > 1:
        incident = _with_window_subjects(incident, deps.dispositions.subjects(day, window))
    declared = _disposition(signal, deps, "declared", rule.title, rule.rule_id, incident.incident_id)
    _declare(incident, declared, deps)
    deps.dispositions.mark_declared(day, window, deps.now)
    _record(deps, signal, window, tally, declared)
    return declared


def match(signal: Signal, rules: Sequence[DetectionRule], profile: StoreProfile) -> tuple[DetectionRule | None, str]:
    """The first rule the signal satisfies, or None and why not (the nearest miss)."""
    why = f"no rule reads topic {signal.topic}"
    for rule in rules:
        if not _topic_matches(signal.topic, rule.topics) or (rule.sources and signal.source not in rule.sources):
            continue
        if rule.correlate_by == "actor" and signal.actor is None:
            # A rule about one actor cannot hold for a signal that names none: never a guess.
            why = f"{rule.rule_id}: the signal names no actor"
            continue
        failed = next((c for c in rule.conditions if not holds(c, signal, profile)), None)
        if failed is None:
            return rule, rule.title
        why = f"{rule.rule_id}: {failed.op}{'(' + failed.attribute + ')' if failed.attribute else ''} not met"
    return None, why


def holds(condition: Condition, signal: Signal, profile: StoreProfile) -> bool:
    value = signal.attributes.get(condition.attribute or "", "")
    match condition.op:
        case "equals_any":
            return value in condition.values
        case "equals_none":
            return value not in condition.values
        case "contains_any":
            return bool(set(value.split(",")) & set(condition.values))
        case "at_least":
            return value.isdigit() and bool(condition.values) and int(value) >= int(condition.values[0])
        case "actor_not_allowed":
            # Unknown is not "not allowed": a signal that names no actor never satisfies this.
            return signal.actor is not None and signal.actor not in profile.app_allow_list
        case "outside_change_window":
            at = signal.observed_at
            return not any(
                at.weekday() in w.weekdays and w.start_hour <= at.hour < w.end_hour for w in profile.change_windows
            )
        case "severity_at_least":
            floor = Severity(condition.values[0]) if condition.values else Severity.LOW
            return signal.severity_hint is not None and signal.severity_hint.rank >= floor.rank
    return False  # pragma: no cover - Literal exhausts the cases


def classify(signal: Signal, rule: DetectionRule, deps: DetectDeps) -> Incident:
    """Severity, data categories, affected scope and jurisdictions, as `IncidentDeclared` carries them."""
    store = deps.config.store(signal.store_id)
    categories = tuple(dict.fromkeys((*signal.data_categories, *rule.categories)))
    customers = sum(1 for s in signal.subject_ids if s.startswith("customer:"))
    if signal.attributes.get("subject_count", "").isdigit():
        customers = max(customers, int(signal.attributes["subject_count"]))
    severity = rule.severity
    if rule.severity_from_signal and signal.severity_hint and signal.severity_hint.rank > severity.rank:
        severity = signal.severity_hint
    if (customers >= _MANY_CUSTOMERS or _ESCALATING & set(categories)) and severity.rank < Severity.HIGH.rank:
        severity = Severity.HIGH
    return Incident(
        incident_id=incident_id(signal, rule),
        store_id=store.store_id,
        platform=store.platform,
        rule_id=rule.rule_id,
        title=rule.title,
        severity=severity,
        data_categories=categories,
        scope=AffectedScope(subject_ids=signal.subject_ids, components=rule.components, customers=customers),
        jurisdictions=store.jurisdictions,
        actor=signal.actor,
        aware_at=signal.observed_at,
        declared_at=deps.now,
        signal_ids=(signal.signal_id,),
        rulebook_version=deps.book.version,
    )


def _with_window_subjects(incident: Incident, remembered: tuple[str, ...]) -> Incident:
    """The scope of an incident a threshold declared: every record its window's signals named."""
    subjects = tuple(dict.fromkeys((*incident.scope.subject_ids, *remembered)))[:MAX_SCOPE_SUBJECTS]
    customers = max(incident.scope.customers, sum(1 for s in subjects if s.startswith("customer:")))
    scope = incident.scope.model_copy(update={"subject_ids": subjects, "customers": customers})
    return incident.model_copy(update={"scope": scope})


def incident_id(signal: Signal, rule: DetectionRule) -> str:
    """Deterministic per (store, correlation key, rule, window): a redelivered signal declares nothing new."""
    window = int(signal.observed_at.timestamp() // (rule.window_minutes * 60))
    key = {"actor": signal.actor, "store": "*", "signal": signal.signal_id}[rule.correlate_by]
    digest = hashlib.sha256(f"{signal.store_id}|{key}|{rule.rule_id}|{window}".encode()).hexdigest()[:12]
    return f"inc-{signal.observed_at:%Y%m%d}-{digest}"


def _declare(incident: Incident, declared: Disposition, deps: DetectDeps) -> None:
    # Sandbox stores only ever run drills: no real customer is touched.
    mode = Mode.DRILL if deps.config.store(incident.store_id).sandbox else Mode.LIVE
    entry = EntryDraft(
        type=EntryType.SIGNAL_DISPOSITION, actor=ACTOR, at=deps.now, data=declared.model_dump(mode="json")
    )
    # A claimant whose lease ran out may have opened the chain already: then this one just finishes.
    deps.ledger.open_chain(incident.incident_id, entry)
    try:
        deps.bus.declare(IncidentDeclared(incident=incident, mode=mode))
    except Exception as exc:
        deps.ledger.append(
            incident.incident_id,
            EntryDraft(
                type=EntryType.STEP_FAILED,
                actor=ACTOR,
                at=deps.now,
                data={"step": "DeclareIncident", "error": type(exc).__name__, "message": str(exc)[:300]},
            ),
        )
        raise
    deps.ledger.append(
        incident.incident_id,
        EntryDraft(
            type=EntryType.INCIDENT_DECLARED,
            actor=ACTOR,
            at=deps.now,
            data={
                "rule_id": incident.rule_id,
                "rulebook_version": deps.book.version,
                "severity": incident.severity.value,
                "store_id": incident.store_id,
                "data_categories": [c.value for c in incident.data_categories],
                "jurisdictions": list(incident.jurisdictions),
                "subjects": len(incident.scope.subject_ids),
                "customers": incident.scope.customers,
                "components": list(incident.scope.components),
                "mode": mode.value,
            },
        ),
    )


def _checkpoint(deps: DetectDeps, chain: str, window: str, tally: Tally, disposition: Disposition) -> None:
    """Ledger the window's counts at its 1st, 10th, 100th... signal: evidence without one entry per signal."""
    if not _is_checkpoint(tally.signals):
        return
    deps.ledger.append(
        chain,
        EntryDraft(
            type=EntryType.SIGNAL_DISPOSITIONS_COUNTED,
            actor=ACTOR,
            at=deps.now,
            data={
                "window_sha256": hashlib.sha256(window.encode()).hexdigest(),
                "signals": tally.signals,
                "weight": tally.weight,
                "last": disposition.model_dump(mode="json"),
            },
        ),
    )


def _record(deps: DetectDeps, signal: Signal, window: str, tally: Tally, disposition: Disposition) -> None:
    """The disposition of one signal correlated into an incident, in the day's chain: what an
    auditor samples for the incident (SOC 2 CC7.3). Signal ids, source, topic and rule: no personal data."""
    deps.ledger.append(
        dispositions_chain(deps.now),
        EntryDraft(
            type=EntryType.SIGNAL_DISPOSITION,
            actor=ACTOR,
            at=deps.now,
            data={
                **disposition.model_dump(mode="json"),
                "source": signal.source.value,
                "topic": signal.topic,
                "received_at": signal.received_at.isoformat(),
                "window_sha256": hashlib.sha256(window.encode()).hexdigest(),
                "window_signals": tally.signals,
            },
        ),
    )


def _is_checkpoint(count: int) -> bool:
    while count >= 10 and count % 10 == 0:
        count //= 10
    return count == 1


def _weight(signal: Signal, rule: DetectionRule) -> int:
    if rule.weight_attribute is None:
        return 1
    value = signal.attributes.get(rule.weight_attribute, "")
    return int(value) if value.isdigit() else 0


def _topic_matches(topic: str, patterns: Sequence[str]) -> bool:
    return any(topic.startswith(p[:-1]) if p.endswith("*") else topic == p for p in patterns)


def _disposition(
    signal: Signal,
    deps: DetectDeps,
    outcome: str,
    reason: str,
    rule_id: str | None = None,
    incident: str | None = None,
) -> Disposition:
    return Disposition(
        signal_id=signal.signal_id,
        outcome=outcome,
        rule_id=rule_id,
        incident_id=incident,
        reason=reason[:300],
        rulebook_version=deps.book.version,
    )


def _facts(signal: Signal, rule: DetectionRule | None, incident: str | None, reason: str) -> dict[str, str | int]:
    facts: dict[str, str | int] = {"store_id": signal.store_id, "reason": reason[:300], "topic": signal.topic}
    if rule is not None and incident is not None:
        facts |= {"rule_id": rule.rule_id, "incident_id": incident, "threshold": rule.threshold}
    return facts
