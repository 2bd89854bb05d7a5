"""The on-call figures, from the ledger (the one record of what happened) and the clocks.

The sweep emits them as CloudWatch metrics (EMF) every few minutes; `bulkhead status` prints the
same figures from the local run. Pure: callers pass in what they read.
"""

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime

from pydantic import Field

from functions.clocks.models import Clock, ClockStatus
from functions.common.models import Message
from functions.degradation.models import DegradationMode, StoreControls
from functions.ledger.models import EntryType, LedgerEntry

_CONTAINED = {EntryType.ACTION_APPLIED, EntryType.DEGRADATION_SET}


class IncidentFigures(Message):
    incident_id: str
    severity: str
    store_id: str
    open: bool
    time_to_detect_seconds: float | None = None  # awareness -> declared
    time_to_contain_seconds: float | None = None  # awareness -> first containment (action or mode)
    time_to_notify_seconds: float | None = None  # awareness -> first notification batch
    actions_applied: int = 0
    actions_failed: int = 0
    notifications_sent: int = 0
    notifications_bounced: int = 0
    notifications_failed: int = 0
    steps_failed: int = 0


class StoreMode(Message):
    store_id: str
    modes: tuple[str, ...]
    expires_at: datetime | None = None
    past_expiry: bool = False


class Figures(Message):
    at: datetime
    incidents: tuple[IncidentFigures, ...]
    open_by_severity: dict[str, int] = Field(default_factory=dict)
    clocks_open: int = 0
    clocks_near: int = 0
    clocks_missed: int = 0
    soonest_clock: str | None = None
    soonest_seconds_left: float | None = None
    stores: tuple[StoreMode, ...] = ()


def incident_figures(incident_id: str, entries: Iterable[LedgerEntry], live_clocks: int) -> IncidentFigures | None:
    """One incident's figures; None when its chain holds no declaration (nothing to show)."""
    ordered = list(entries)
    declared = next((e for e in ordered if e.type is EntryType.INCIDENT_DECLARED), None)
    if declared is None:
        return None
    data = declared.data
    aware = _parse(data.get("aware_at")) or _aware_from_clocks(ordered)
    origin = aware or declared.at
    counts = Counter(e.type for e in ordered)
    batches = [e.data for e in ordered if e.type is EntryType.NOTIFICATION_BATCH_SENT]
    closed = counts[EntryType.INCIDENT_CLOSED] > 0
    return IncidentFigures(
        incident_id=incident_id,
        severity=str(data.get("severity", "unknown")),
        store_id=str(data.get("store_id", "unknown")),
        open=not closed or live_clocks > 0,
        time_to_detect_seconds=(declared.at - aware).total_seconds() if aware else None,
        time_to_contain_seconds=_first(ordered, _CONTAINED, origin),
        time_to_notify_seconds=_first(ordered, {EntryType.NOTIFICATION_BATCH_SENT}, origin),
        actions_applied=counts[EntryType.ACTION_APPLIED],
        actions_failed=counts[EntryType.ACTION_FAILED],
        notifications_sent=sum(int(b.get("emailed", 0)) + int(b.get("texted", 0)) for b in batches),
        notifications_bounced=sum(
            int(e.data.get("bounces", 0)) for e in ordered if e.type is EntryType.NOTIFICATION_FEEDBACK
        ),
        notifications_failed=sum(int(b.get("failed", 0)) for b in batches),
        steps_failed=counts[EntryType.STEP_FAILED],
    )


def figures(
    incidents: Iterable[IncidentFigures], clocks: Iterable[Clock], controls: Iterable[StoreControls], now: datetime
) -> Figures:
    listed = tuple(incidents)
    live = [c for c in clocks if c.status is ClockStatus.OPEN and c.deadline is not None]
    soonest = min(live, key=lambda c: c.deadline or now, default=None)
    near = 4 * 3600
    return Figures(
        at=now,
        incidents=listed,
        open_by_severity=dict(Counter(i.severity for i in listed if i.open)),
        clocks_open=len(live),
        clocks_near=sum(1 for c in live if 0 < (c.seconds_left(now) or 0) <= near),
        clocks_missed=sum(1 for c in clocks if c.status is ClockStatus.MISSED) + _overdue(live, now),
        soonest_clock=f"{soonest.incident_id}/{soonest.clock_id}" if soonest else None,
        soonest_seconds_left=soonest.seconds_left(now) if soonest else None,
        stores=tuple(_store_mode(c, now) for c in controls),
    )


def _overdue(live: list[Clock], now: datetime) -> int:
    """Open clocks past their deadline that the sweep has not marked yet."""
    return sum(1 for c in live if (c.seconds_left(now) or 0) <= 0)


def _store_mode(controls: StoreControls, now: datetime) -> StoreMode:
    """The store-wide modes, the earliest expiry of any rule, and whether a rule outlived it."""
    degraded = [m.value for m in controls.modes if m is not DegradationMode.NORMAL]
    expiries = [r.expires_at for r in controls.rules]
    return StoreMode(
        store_id=controls.store_id,
        modes=tuple(degraded) or (DegradationMode.NORMAL.value,),
        expires_at=min(expiries, default=None),
        past_expiry=any(e < now for e in expiries),
    )


def _first(entries: list[LedgerEntry], types: set[EntryType], aware: datetime) -> float | None:
    hit = next((e for e in entries if e.type in types), None)
    return None if hit is None else (hit.at - aware).total_seconds()


def _aware_from_clocks(entries: list[LedgerEntry]) -> datetime | None:
    """Awareness, as the clocks that start from it recorded it."""
    starts = [
        _parse(e.data.get("started_at"))
        for e in entries
        if e.type is EntryType.CLOCK_STARTED and e.data.get("start_event") in ("awareness", "discovery")
    ]
    return min((s for s in starts if s), default=None)


def _parse(value: object) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def metric_values(figures_: Figures) -> Mapping[str, float]:
    """The dimensionless gauges the dashboard and the alarms read."""
    values: dict[str, float] = {
        "ClocksOpen": figures_.clocks_open,
        "ClocksNear": figures_.clocks_near,
        "ClocksMissed": figures_.clocks_missed,
        "OpenIncidents": sum(figures_.open_by_severity.values()),
        "DegradationPastExpiry": sum(1 for s in figures_.stores if s.past_expiry),
    }
    if figures_.soonest_seconds_left is not None:
        values["SoonestClockSecondsLeft"] = figures_.soonest_seconds_left
    return values
