"""Rules, incidents and dispositions: what detection reads, declares and records."""

from datetime import datetime
from typing import Literal

from pydantic import Field, model_validator

from functions.common.config import Mode, Platform, Severity
from functions.common.models import INCIDENT_ID, Message
from functions.ingest.models import DataCategory, SignalSource


class Condition(Message):
    """One test a signal must pass for a rule to match. Conditions of a rule are ANDed."""

    op: Literal[
        "equals_any",  # attributes[attribute] is one of values
        "equals_none",  # attributes[attribute] is none of values (absent counts as none)
        "contains_any",  # attributes[attribute] (comma-separated) holds one of values
        "at_least",  # int(attributes[attribute]) >= int(values[0])
        "actor_not_allowed",  # the signal names an actor, and it is not on the store's app allow-list
        "outside_change_window",  # observed outside every change window of the store
        "severity_at_least",  # the sender's own severity rating >= values[0]
    ]
    attribute: str | None = None
    values: tuple[str, ...] = ()


class DetectionRule(Message):
    """A rule kept as data: which signals declare an incident, how bad, what is at stake."""

    rule_id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")
    title: str
    # Exact topics, or prefixes ending in "*" (findings carry their type in the topic).
    topics: tuple[str, ...] = Field(min_length=1)
    sources: tuple[SignalSource, ...] = ()
    conditions: tuple[Condition, ...] = ()
    severity: Severity
    # Take the sender's rating when it is higher (findings, operators' declarations).
    severity_from_signal: bool = False
    categories: tuple[DataCategory, ...] = ()
    components: tuple[str, ...] = Field(description="storefront components to contain")
    window_minutes: int = Field(default=60, ge=1, le=10_080)
    # Declare once the window's total reaches this; each signal adds 1, or its `weight_attribute`.
    threshold: int = Field(default=1, ge=1)
    weight_attribute: str | None = None
    # Signals of one attack share a window key: by actor (an app token), by store, or none (each its own).
    correlate_by: Literal["actor", "store", "signal"] = "actor"


class ChangeWindow(Message):
    """When changes are expected (UTC): weekday 0 = Monday, hours [start, end)."""

    weekdays: tuple[int, ...] = Field(min_length=1)
    start_hour: int = Field(ge=0, le=23)
    end_hour: int = Field(ge=1, le=24)


class StoreProfile(Message):
    """A store's own detection data: allow-lists, change windows, its own or disabled rules."""

    app_allow_list: tuple[str, ...] = ()
    change_windows: tuple[ChangeWindow, ...] = ()
    rules: tuple[DetectionRule, ...] = ()  # replace a book rule of the same id, or add one
    disabled_rules: tuple[str, ...] = ()


class RuleBook(Message):
    version: str = Field(pattern=r"^[0-9A-Za-z.+-]{1,32}$")
    rules: tuple[DetectionRule, ...]
    stores: dict[str, StoreProfile] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _unique_ids(self) -> "RuleBook":
        ids = [r.rule_id for r in self.rules]
        if len(ids) != len(set(ids)):
            raise ValueError("rule ids must be unique")
        return self

    def profile(self, store_id: str) -> StoreProfile:
        return self.stores.get(store_id, StoreProfile())

    def rules_for(self, store_id: str) -> tuple[DetectionRule, ...]:
        profile = self.profile(store_id)
        own = {r.rule_id: r for r in profile.rules}
        merged = [own.pop(r.rule_id, r) for r in self.rules] + list(own.values())
        return tuple(r for r in merged if r.rule_id not in profile.disabled_rules)


class AffectedScope(Message):
    subject_ids: tuple[str, ...] = ()
    components: tuple[str, ...] = ()
    customers: int = Field(default=0, ge=0, description="how many customers are known to be affected")


class Incident(Message):
    incident_id: str = Field(pattern=INCIDENT_ID)
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
    rulebook_version: str | None = None


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
    rulebook_version: str | None = None


class Tally(Message):
    """A correlation window's running totals after counting one more signal."""

    signals: int
    weight: int
    declared: bool


class WindowSummary(Message):
    """One correlation window of one day, as an auditor reads it."""

    day: str
    window: str
    store_id: str
    rule_id: str | None
    incident_id: str | None
    reason: str
    signals: int
    weight: int
    threshold: int
    declared: bool
    first_signal_id: str
    last_signal_id: str
    first_at: str
    last_at: str

    below_threshold: int = 0

    @property
    def outcomes(self) -> dict[str, int]:
        """How many signals were ignored, declared and merged in this window."""
        if self.rule_id is None:
            return {"ignored": self.signals, "declared": 0, "merged": 0}
        declared = int(self.declared)
        return {
            "ignored": self.below_threshold,
            "declared": declared,
            "merged": max(0, self.signals - self.below_threshold - declared),
        }
