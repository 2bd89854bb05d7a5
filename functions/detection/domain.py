"""Detection: match a signal against the rules, correlate it into an incident, record why."""

import hashlib
from collections.abc import Sequence
from datetime import datetime

from functions.common.config import FirmConfig, Mode
from functions.detection.models import AffectedScope, DetectionRule, Disposition, Incident, IncidentDeclared
from functions.detection.ports import IncidentBus
from functions.ingest.models import Signal
from functions.ledger.models import EntryDraft, EntryType
from functions.ledger.ports import Ledger

ACTOR = "detection"


def detect(
    signal: Signal,
    rules: Sequence[DetectionRule],
    config: FirmConfig,
    ledger: Ledger,
    bus: IncidentBus,
    now: datetime,
) -> Disposition:
    """Declare an incident for a signal that matches a rule; record the disposition either way."""
    rule = _first_match(signal, rules)
    if rule is None:
        disposition = Disposition(signal_id=signal.signal_id, outcome="ignored", reason="no rule matches")
        ledger.append(daily_chain(now), _disposition_entry(disposition, now))
        return disposition
    incident = _incident(signal, rule, config, now)
    # Sandbox stores only ever run drills: no real customer is touched.
    mode = Mode.DRILL if config.store(signal.store_id).sandbox else Mode.LIVE
    declared = Disposition(
        signal_id=signal.signal_id,
        outcome="declared",
        rule_id=rule.rule_id,
        incident_id=incident.incident_id,
        reason=rule.title,
    )
    # Opening the incident's chain is the atomic guard: one signal of a correlation window declares,
    # every later one (a redelivery, the rest of a burst) merges into it.
    if ledger.open_chain(incident.incident_id, _disposition_entry(declared, now)) is None:
        merged = declared.model_copy(update={"outcome": "merged", "reason": f"{rule.title}: incident already open"})
        ledger.append(incident.incident_id, _disposition_entry(merged, now))
        if ledger.has_entry(incident.incident_id, EntryType.INCIDENT_DECLARED):
            return merged
        # The chain was opened but the declaration never reached the bus (an outage, a crash):
        # this retry finishes it. The response is idempotent per incident should both land.
    _declare(incident, mode, ledger, bus, now)
    return declared


def _declare(incident: Incident, mode: Mode, ledger: Ledger, bus: IncidentBus, now: datetime) -> None:
    bus.declare(IncidentDeclared(incident=incident, mode=mode))
    ledger.append(
        incident.incident_id,
        EntryDraft(
            type=EntryType.INCIDENT_DECLARED,
            actor=ACTOR,
            at=now,
            data={
                "rule_id": incident.rule_id,
                "severity": incident.severity.value,
                "store_id": incident.store_id,
                "data_categories": [c.value for c in incident.data_categories],
                "jurisdictions": list(incident.jurisdictions),
                "subjects": len(incident.scope.subject_ids),
                "mode": mode.value,
            },
        ),
    )


def daily_chain(at: datetime) -> str:
    """Dispositions of signals that declared nothing go to one chain per day."""
    return f"dispositions-{at:%Y-%m-%d}"


def _first_match(signal: Signal, rules: Sequence[DetectionRule]) -> DetectionRule | None:
    for rule in rules:
        if signal.topic in rule.topics and (not rule.sources or signal.source in rule.sources):
            return rule
    return None


def _incident(signal: Signal, rule: DetectionRule, config: FirmConfig, now: datetime) -> Incident:
    store = config.store(signal.store_id)
    return Incident(
        incident_id=incident_id(signal, rule),
        store_id=store.store_id,
        platform=store.platform,
        rule_id=rule.rule_id,
        title=rule.title,
        severity=rule.severity,
        data_categories=signal.data_categories,
        scope=AffectedScope(subject_ids=signal.subject_ids, components=rule.components),
        jurisdictions=store.jurisdictions,
        actor=signal.actor,
        aware_at=signal.observed_at,
        declared_at=now,
        signal_ids=(signal.signal_id,),
    )


def incident_id(signal: Signal, rule: DetectionRule) -> str:
    """Deterministic per (store, actor, rule, window): a redelivered signal declares nothing new."""
    window = int(signal.observed_at.timestamp() // (rule.window_minutes * 60))
    key = f"{signal.store_id}|{signal.actor}|{rule.rule_id}|{window}"
    return f"inc-{signal.observed_at:%Y%m%d}-{hashlib.sha256(key.encode()).hexdigest()[:12]}"


def _disposition_entry(disposition: Disposition, now: datetime) -> EntryDraft:
    return EntryDraft(type=EntryType.SIGNAL_DISPOSITION, actor=ACTOR, at=now, data=disposition.model_dump(mode="json"))
