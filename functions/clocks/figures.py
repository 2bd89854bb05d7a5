"""The on-call figures, from the ledger (the one record of what happened) and the clocks.

The sweep emits them as CloudWatch metrics (EMF) every few minutes; `bulkhead status` prints the
same figures from the local run. Pure: callers pass in what they read.

Live incidents and drills are counted apart: a drill never raises a live figure (open incidents,
clocks, approvals, tasks, notices owed), so no alarm fires for one; drills have figures of their own
(drills open, and the last drill's age and verdict, from the `drills-YYYY` index chain).
"""

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime

from pydantic import Field

from functions.clocks.models import Clock, ClockStatus
from functions.common.config import Mode
from functions.common.models import Message
from functions.degradation.models import DegradationMode, StoreControls
from functions.ledger.models import EntryType, LedgerEntry

_CONTAINED = {EntryType.ACTION_APPLIED, EntryType.DEGRADATION_SET}
_DECIDED = {EntryType.APPROVAL_GRANTED, EntryType.APPROVAL_REJECTED, EntryType.APPROVAL_EXPIRED}
_REVIEWED = {EntryType.NOTICE_REVIEW_APPROVED, EntryType.NOTICE_REVIEW_REJECTED, EntryType.NOTICE_REVIEW_EXPIRED}


class IncidentFigures(Message):
    incident_id: str
    severity: str
    store_id: str
    open: bool
    mode: str = Mode.LIVE.value
    pending_approvals: int = 0  # requested, not yet granted, rejected or expired
    pending_notice_reviews: int = 0  # a customer notice waits for its reviewer
    open_manual_tasks: int = 0  # raised, not yet reported done
    notices_owed: int = 0  # reachable customers planned, not yet reached
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


class LastDrill(Message):
    """The newest scored drill, from the drills index chain."""

    incident_id: str
    scenario: str
    passed: bool
    scored_at: datetime


class Figures(Message):
    """Live figures (what pages on-call) and drill figures, never mixed."""

    at: datetime
    incidents: tuple[IncidentFigures, ...]
    open_by_severity: dict[str, int] = Field(default_factory=dict)
    clocks_open: int = 0
    clocks_near: int = 0
    clocks_missed: int = 0
    soonest_clock: str | None = None
    soonest_incident: str | None = None
    soonest_seconds_left: float | None = None
    pending_approvals: int = 0
    pending_notice_reviews: int = 0
    open_manual_tasks: int = 0
    notices_sent: int = 0
    notices_owed: int = 0
    stores: tuple[StoreMode, ...] = ()
    drills_open: int = 0
    drill_clocks_open: int = 0
    last_drill: LastDrill | None = None

    @property
    def live_incidents(self) -> tuple[IncidentFigures, ...]:
        return tuple(i for i in self.incidents if i.mode == Mode.LIVE.value)

    def last_drill_age_hours(self) -> float | None:
        return None if self.last_drill is None else (self.at - self.last_drill.scored_at).total_seconds() / 3600


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
    # Closed by the machine (nothing left open) or by a person; `response.completed` leaves it open.
    closed = counts[EntryType.INCIDENT_CLOSED] + counts[EntryType.INCIDENT_RESOLVED] > 0
    planned = next((e.data for e in ordered if e.type is EntryType.NOTIFICATION_PLANNED), {})
    reached = sum(int(b.get("customers_reached", 0)) for b in batches)
    return IncidentFigures(
        incident_id=incident_id,
        severity=str(data.get("severity", "unknown")),
        store_id=str(data.get("store_id", "unknown")),
        open=not closed or live_clocks > 0,
        mode=str(data.get("mode", Mode.LIVE.value)),
        pending_approvals=_pending_approvals(ordered),
        pending_notice_reviews=_pending_reviews(ordered),
        open_manual_tasks=_open_manual_tasks(ordered),
        notices_owed=max(0, int(planned.get("reachable", 0)) - reached),
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
    incidents: Iterable[IncidentFigures],
    clocks: Iterable[Clock],
    controls: Iterable[StoreControls],
    now: datetime,
    drills_scored: Iterable[LedgerEntry] = (),
) -> Figures:
    listed = tuple(incidents)
    every = list(clocks)
    real = [c for c in every if c.mode is Mode.LIVE]
    live = [c for c in real if c.status is ClockStatus.OPEN and c.deadline is not None]
    soonest = min(live, key=lambda c: c.deadline or now, default=None)
    near = 4 * 3600
    open_live = [i for i in listed if i.open and i.mode == Mode.LIVE.value]
    return Figures(
        at=now,
        incidents=listed,
        open_by_severity=dict(Counter(i.severity for i in open_live)),
        clocks_open=len(live),
        clocks_near=sum(1 for c in live if 0 < (c.seconds_left(now) or 0) <= near),
        clocks_missed=sum(1 for c in real if c.status is ClockStatus.MISSED) + _overdue(live, now),
        soonest_clock=f"{soonest.incident_id}/{soonest.clock_id}" if soonest else None,
        soonest_incident=soonest.incident_id if soonest else None,
        soonest_seconds_left=soonest.seconds_left(now) if soonest else None,
        pending_approvals=sum(i.pending_approvals for i in open_live),
        pending_notice_reviews=sum(i.pending_notice_reviews for i in open_live),
        open_manual_tasks=sum(i.open_manual_tasks for i in open_live),
        notices_sent=sum(i.notifications_sent for i in open_live),
        notices_owed=sum(i.notices_owed for i in open_live),
        stores=tuple(_store_mode(c, now) for c in controls),
        drills_open=sum(1 for i in listed if i.open and i.mode != Mode.LIVE.value),
        drill_clocks_open=sum(1 for c in every if c.mode is not Mode.LIVE and c.status is ClockStatus.OPEN),
        last_drill=last_drill(drills_scored),
    )


def last_drill(index: Iterable[LedgerEntry]) -> LastDrill | None:
    """The newest `drill.scored` of the drills index chain (entries name their incident)."""
    newest = max((e for e in index if e.type is EntryType.DRILL_SCORED), key=lambda e: e.at, default=None)
    if newest is None:
        return None
    return LastDrill(
        incident_id=str(newest.data.get("incident_id", "")),
        scenario=str(newest.data.get("scenario", "")),
        passed=bool(newest.data.get("passed")),
        scored_at=newest.at,
    )


def _pending_approvals(entries: list[LedgerEntry]) -> int:
    """1 when the latest approval request has no decision after it (escalations keep it pending)."""
    requested = [n for n, e in enumerate(entries) if e.type is EntryType.APPROVAL_REQUESTED]
    if not requested:
        return 0
    return 0 if any(e.type in _DECIDED for e in entries[requested[-1] :]) else 1


def _pending_reviews(entries: list[LedgerEntry]) -> int:
    """1 when the latest notice review request has no decision after it."""
    requested = [n for n, e in enumerate(entries) if e.type is EntryType.NOTICE_REVIEW_REQUESTED]
    if not requested:
        return 0
    return 0 if any(e.type in _REVIEWED for e in entries[requested[-1] :]) else 1


def _open_manual_tasks(entries: list[LedgerEntry]) -> int:
    """Manual tasks raised whose action was not reported done (done records `action.applied`)."""
    tasks = {e.data.get("action_id") for e in entries if e.type is EntryType.ACTION_MANUAL_TASK}
    done = {e.data.get("action_id") for e in entries if e.type is EntryType.ACTION_APPLIED}
    return len(tasks - done)


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
    """The dimensionless gauges the dashboard and the alarms read (live incidents only, drills apart)."""
    values: dict[str, float] = {
        "ClocksOpen": figures_.clocks_open,
        "ClocksNear": figures_.clocks_near,
        "ClocksMissed": figures_.clocks_missed,
        "OpenIncidents": sum(figures_.open_by_severity.values()),
        "DegradationPastExpiry": sum(1 for s in figures_.stores if s.past_expiry),
        "PendingApprovals": figures_.pending_approvals,
        "OpenManualTasks": figures_.open_manual_tasks,
        "NoticesOwed": figures_.notices_owed,
        "DrillsOpen": figures_.drills_open,
    }
    if figures_.soonest_seconds_left is not None:
        values["SoonestClockSecondsLeft"] = figures_.soonest_seconds_left
    age = figures_.last_drill_age_hours()
    if age is not None and figures_.last_drill is not None:
        values["LastDrillAgeHours"] = age
        values["LastDrillPassed"] = int(figures_.last_drill.passed)
    return values
