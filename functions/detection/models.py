"""Incidents: what detection declares and the response state machine receives."""

from datetime import datetime

from pydantic import Field

from functions.common.config import Mode, Platform, Severity
from functions.common.models import Message
from functions.ingest.models import DataCategory, SignalSource


class DetectionRule(Message):
    """A rule kept as data: which signals declare an incident, how bad, what is at stake."""

    rule_id: str
    title: str
    topics: tuple[str, ...]
    sources: tuple[SignalSource, ...] = ()
    severity: Severity
    components: tuple[str, ...] = Field(description="storefront components to contain")
    window_minutes: int = Field(default=60, ge=1, le=10_080)


class AffectedScope(Message):
    subject_ids: tuple[str, ...] = ()
    components: tuple[str, ...] = ()


class Incident(Message):
    incident_id: str = Field(pattern=r"^inc-[0-9a-z-]{8,80}$")
    store_id: str
    platform: Platform
    rule_id: str
    title: str
    severity: Severity
    data_categories: tuple[DataCategory, ...]
    scope: AffectedScope
    jurisdictions: tuple[str, ...]
    actor: str | None = None
    aware_at: datetime
    declared_at: datetime
    signal_ids: tuple[str, ...]


class IncidentDeclared(Message):
    """Detail of the `IncidentDeclared` event, and the response state machine's input."""

    incident: Incident
    mode: Mode = Mode.LIVE


class Disposition(Message):
    signal_id: str
    outcome: str = Field(pattern=r"^(ignored|merged|declared)$")
    rule_id: str | None = None
    incident_id: str | None = None
    reason: str
