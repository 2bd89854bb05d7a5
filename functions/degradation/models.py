"""Degradation modes: what checkout, payments and account gates do while an incident is contained.

One `StoreControls` item per store is the single source of truth. It holds rules: one for the whole
store (segment None) and at most one per customer segment, each with its own expiry. A gate
enforces the union of the store rule and the rules of the segments its customer belongs to.
An expired rule stays in force (protection is never dropped silently) and raises an alarm until
someone renews or clears it.
"""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, computed_field, field_validator, model_validator

from functions.common.config import Mode
from functions.common.models import INCIDENT_ID, Message

Segment = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
StoreId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")]


class DegradationMode(StrEnum):
    NORMAL = "normal"
    PAYMENTS_RESTRICTED = "payments_restricted"
    CHECKOUT_PAUSED = "checkout_paused"
    ACCOUNT_READ_ONLY = "account_read_only"
    LOGIN_STEP_UP = "login_step_up"


def active_modes(modes: tuple[DegradationMode, ...]) -> tuple[DegradationMode, ...]:
    """The modes that change behaviour, in declaration order, without duplicates or `normal`."""
    return tuple(m for m in DegradationMode if m in modes and m is not DegradationMode.NORMAL)


class DegradationPlan(Message):
    modes: tuple[DegradationMode, ...] = ()
    ttl_minutes: int = Field(default=240, ge=5, le=10_080)
    message: str = Field(default="", max_length=500, description="shown to customers by the gates")
    segment: Segment | None = Field(default=None, description="customer segment; None for the whole store")


class SetModeRequest(Message):
    """Input of the SetDegradationMode step."""

    incident_id: str
    mode: Mode
    store_id: str
    degradation: DegradationPlan


class ModeRule(Message):
    """The modes of the whole store (segment None) or of one customer segment, until `expires_at`."""

    segment: Segment | None = None
    modes: tuple[DegradationMode, ...] = Field(min_length=1)
    incident_id: str | None = None
    message: str = Field(default="", max_length=500)
    # Case-insensitive fragments of payment method names or codes that `payments_restricted` hides.
    payment_methods: tuple[str, ...] = ()
    set_by: str = Field(min_length=1)
    set_at: datetime
    expires_at: datetime

    @field_validator("modes")
    @classmethod
    def _only_active(cls, value: tuple[DegradationMode, ...]) -> tuple[DegradationMode, ...]:
        modes = active_modes(value)
        if not modes:
            raise ValueError("a rule needs at least one mode other than normal")
        return modes


class StoreControls(Message):
    """The current modes of one store: the one source of truth every gate reads."""

    store_id: str
    rules: tuple[ModeRule, ...] = ()
    version: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _one_rule_per_segment(self) -> "StoreControls":
        keys = [r.segment for r in self.rules]
        if len(keys) != len(set(keys)):
            raise ValueError("at most one rule per segment")
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def modes(self) -> tuple[DegradationMode, ...]:
        """The store-wide modes (`normal` when none); stored beside the rules for readers of the item."""
        rule = self.rule(None)
        return rule.modes if rule else (DegradationMode.NORMAL,)

    def rule(self, segment: str | None) -> ModeRule | None:
        return next((r for r in self.rules if r.segment == segment), None)

    def applicable(self, segments: frozenset[str] = frozenset()) -> tuple[ModeRule, ...]:
        """The rules that apply to a customer in `segments`: segment rules first, then the store's."""
        specific = tuple(r for r in self.rules if r.segment is not None and r.segment in segments)
        store = tuple(r for r in self.rules if r.segment is None)
        return specific + store

    @classmethod
    def from_stored(cls, data: dict[str, Any]) -> "StoreControls":
        if "rules" not in data:
            return cls._from_first_format(data)
        return cls.model_validate({k: v for k, v in data.items() if k != "modes"})

    @classmethod
    def _from_first_format(cls, data: dict[str, Any]) -> "StoreControls":
        """Items written before rules existed: one store-wide set of modes."""
        modes = active_modes(tuple(DegradationMode(m) for m in data.get("modes", ())))
        if not modes or not data.get("expires_at"):
            return cls(store_id=data["store_id"], version=int(data.get("version", 0)))
        rule = ModeRule(
            modes=modes,
            incident_id=data.get("incident_id"),
            message=data.get("message", ""),
            set_by="degradation",
            set_at=data["expires_at"],
            expires_at=data["expires_at"],
        )
        return cls(store_id=data["store_id"], rules=(rule,), version=int(data.get("version", 0)))


class IncidentModesRequest(Message):
    """Input of the restore's ClearIncidentModes step: return what this incident degraded to normal."""

    incident_id: str = Field(pattern=INCIDENT_ID)
    mode: Mode = Mode.LIVE
    reason: str = Field(default="restore", max_length=100)  # restore, or drill ended
    actor: str | None = Field(default=None, max_length=320)  # who restored (RestoreRequest.restored_by)


class ClearedRule(Message):
    store_id: str
    segment: str | None
    modes: tuple[DegradationMode, ...]


class IncidentModesCleared(Message):
    """What the step returned to normal (rules this incident set and that were still in force)."""

    incident_id: str
    cleared: tuple[ClearedRule, ...] = ()
    kept: int = 0  # rules of the same stores set by someone else, left in force

    @property
    def count(self) -> int:
        return len(self.cleared)


class DegradationOutcome(Message):
    store_id: str
    modes: tuple[DegradationMode, ...]
    applied: bool
    expires_at: datetime | None = None
    segment: str | None = None
    projection: str = "none"


class ModeChange(Message):
    """A change asked for by hand (`bulkhead degrade`) or by the response plan."""

    store_id: StoreId
    modes: tuple[DegradationMode, ...] = Field(min_length=1)
    segment: Segment | None = None
    ttl_minutes: int = Field(default=240, ge=5, le=10_080)
    message: str = Field(default="", max_length=500)
    payment_methods: tuple[str, ...] = ()
    incident_id: str | None = None
    actor: str = Field(min_length=1)
    reason: str = Field(default="", max_length=300)

    @field_validator("modes")
    @classmethod
    def _no_normal(cls, value: tuple[DegradationMode, ...]) -> tuple[DegradationMode, ...]:
        if DegradationMode.NORMAL in value:
            raise ValueError("normal is not a mode to set: clear the rule instead (bulkhead degrade STORE --clear)")
        return active_modes(value)


class ModeClear(Message):
    """Return the store, or one segment, or everything (`all_segments`) to normal."""

    store_id: StoreId
    segment: Segment | None = None
    all_segments: bool = False
    incident_id: str | None = None
    actor: str = Field(min_length=1)
    reason: str = Field(default="", max_length=300)


class ChangeResult(Message):
    store_id: str
    version: int
    changed: bool
    modes: dict[str, tuple[DegradationMode, ...]]  # "*" for the store, else the segment
    projection: str


class OverdueRule(Message):
    store_id: str
    segment: str | None
    modes: tuple[DegradationMode, ...]
    incident_id: str | None
    expires_at: datetime
    overdue_minutes: int


class ExpiryReport(Message):
    checked_stores: int
    active_rules: int
    overdue: tuple[OverdueRule, ...]
    unreachable: tuple[str, ...] = ()


class ExpiryCheckRequest(Message):
    """What the scheduler sends (EventBridge Scheduler input); empty means every configured store."""

    store_ids: tuple[str, ...] = ()


class Hook(StrEnum):
    """The Adobe Commerce synchronous webhooks Bulkhead serves as a gate."""

    ORDER_PLACEMENT = "order_placement"
    LOGIN = "login"
    ACCOUNT_CHANGE = "account_change"


class FailRule(StrEnum):
    OPEN = "open"  # answer success when the modes cannot be read
    CLOSED = "closed"  # answer exception when the modes cannot be read


class GateAnswer(Message):
    """Adobe Commerce's webhook response: `success`, or `exception` with the customer's message."""

    op: str
    message: str | None = None

    def wire(self) -> dict[str, str]:
        return {"op": self.op} if self.message is None else {"op": self.op, "message": self.message}


class ControlsReading(Message):
    """What a gate knows about a store's controls, and how it knows it."""

    controls: StoreControls | None
    basis: str  # "fresh" (just read), "cached" (within the cache window), "stale" (store unreachable), "unreachable"


class GateDecision(Message):
    answer: GateAnswer
    modes: tuple[DegradationMode, ...]
    basis: str  # "fresh", "cached", "stale", "unreachable"
    store_id: str = ""  # the verified store the hook came from


class ModesView(Message):
    """What the headless endpoint answers: the modes in force for the store, or for one segment."""

    store_id: str
    segment: str | None
    modes: tuple[DegradationMode, ...]
    message: str
    expires_at: datetime | None
    version: int
    stale: bool
    restrictions: dict[str, bool]
    payment_methods: tuple[str, ...] = ()
