"""Start, remind, file and sweep regulatory clocks. Every change is a ledger entry."""

import hashlib
from datetime import UTC, datetime, timedelta

from functions.clocks.models import (
    ClassifyRequest,
    Clock,
    ClocksStarted,
    ClockStatus,
    FileRequest,
    Reminder,
    SkippedRegime,
    StartClocksRequest,
    StartEvent,
    StartEventRequest,
    SweepResult,
    WithdrawRequest,
)
from functions.clocks.ports import ClockStore, ReminderScheduler
from functions.clocks.rules import (
    CALIFORNIA_AG_MIN_RESIDENTS,
    RULES,
    RegimeRule,
    StageRule,
    clock_id,
    stage_rule,
    state_covers,
    state_stages,
)
from functions.common.config import FirmConfig, Mode, Regime, RegulatorConfig
from functions.common.errors import BulkheadError
from functions.common.people import Acted
from functions.detection.models import Incident
from functions.ingest.models import DataCategory
from functions.ledger.models import EntryDraft, EntryType
from functions.ledger.ports import Ledger
from functions.paging.models import Page
from functions.paging.ports import Pager

ACTOR = "clocks"
REMINDER_OFFSETS = (timedelta(hours=24), timedelta(hours=4), timedelta(hours=1))
NEAR = timedelta(hours=4)  # a clock with less left than this is "near": alarmed and shown in red


class UnknownClock(BulkheadError):
    """No such clock for the incident (the message lists the clocks it has)."""


class ClockAlreadyStopped(BulkheadError):
    """The clock was already filed."""


class AlreadyFiled(BulkheadError):
    """The same filing was recorded before: nothing changes (a repeated command is harmless)."""

    def __init__(self, clock: Clock) -> None:
        super().__init__(
            f"{clock.clock_id} was filed at {clock.filed_at:%Y-%m-%d %H:%M} UTC with reference {clock.reference} "
            f"by {clock.filed_by}: no change"
        )
        self.clock = clock


class NotFiled(BulkheadError):
    """A withdrawal of a clock that has no filing recorded."""


class ClockNotWaiting(BulkheadError):
    """The clock's start event is not one a person records, or it already started."""


class ImpossibleTime(BulkheadError):
    """A recorded event time before the incident's awareness, or in the future."""


# --- which clocks an incident gets -------------------------------------------------------------


def plan_clocks(incident: Incident, mode: Mode, config: FirmConfig) -> tuple[list[Clock], list[SkippedRegime]]:
    """The clocks this incident starts, and every regime considered but not started (with why)."""
    clocks: list[Clock] = []
    skipped: list[SkippedRegime] = []
    for regime, rule in RULES.items():
        regulator = _regulator(config, rule)
        if regulator is None and not rule.by_jurisdiction:
            continue
        touched = _touched(rule, regulator, incident)
        if not touched:
            skipped.append(SkippedRegime(clock_id=regime.value, reason="no affected jurisdiction in its scope"))
            continue
        reason = _not_applicable(rule, incident)
        if reason:
            skipped.append(SkippedRegime(clock_id=regime.value, reason=reason))
            continue
        authority = _authority(config, rule, incident.store_id)
        for stage in _stages(rule, touched):
            if stage.start_event is StartEvent.FILING:
                continue  # starts when the stage before it is filed
            why = _stage_not_applicable(rule, stage, incident)
            if why:
                skipped.append(SkippedRegime(clock_id=clock_id(regime, stage.stage), reason=why))
                continue
            notified = f"{stage.notify}" if regime is Regime.US_STATE_BREACH else authority
            if regime is Regime.US_STATE_BREACH and stage.to_authority is False:
                notified = f"Attorney General ({stage.stage})"
            clocks.append(_new_clock(incident, mode, regime, stage, notified))
    return clocks, skipped


def _regulator(config: FirmConfig, rule: RegimeRule) -> RegulatorConfig | None:
    """The configured regulator of this regime, or of the regime it follows (Art. 34 follows Art. 33)."""
    own = next((r for r in config.regulators if r.regime is rule.regime), None)
    if own is None and rule.follows is not None:
        return next((r for r in config.regulators if r.regime is rule.follows), None)
    return own


def _authority(config: FirmConfig, rule: RegimeRule, store_id: str) -> str:
    own = config.authority(rule.regime, store_id)
    followed = config.authority(rule.follows, store_id) if rule.follows else None
    return own or followed or rule.default_authority


def _touched(rule: RegimeRule, regulator: RegulatorConfig | None, incident: Incident) -> list[str]:
    """The incident's jurisdictions this regime reaches; a firm-level regime reaches them all."""
    if regulator is not None and regulator.jurisdictions:  # the firm narrowed it on purpose
        wanted = {j.upper() for j in regulator.jurisdictions}
        return [j for j in incident.jurisdictions if j.upper() in wanted]
    if rule.firm_level:
        return list(incident.jurisdictions) or ["*"]
    return [j for j in incident.jurisdictions if rule.in_scope(j)]


def _stages(rule: RegimeRule, touched: list[str]) -> tuple[StageRule, ...]:
    if rule.regime is Regime.US_STATE_BREACH:
        return tuple(s for code in dict.fromkeys(j.upper() for j in touched) for s in state_stages(code))
    return rule.stages


def _not_applicable(rule: RegimeRule, incident: Incident) -> str | None:
    categories = set(incident.data_categories)
    if rule.covers is not None and rule.regime is not Regime.US_STATE_BREACH and not rule.covers & categories:
        if rule.regime in (Regime.GDPR_ART34, Regime.UK_GDPR_ART34):
            return "no high-risk data categories (Art. 34 needs a high risk to people)"
        return f"{_names(categories)} only: not personal information under this law"
    return None


def _stage_not_applicable(rule: RegimeRule, stage: StageRule, incident: Incident) -> str | None:
    if rule.regime is Regime.US_STATE_BREACH:
        state = stage.stage.split("/", maxsplit=1)[0]
        if not state_covers(state) & set(incident.data_categories):
            return f"{_names(set(incident.data_categories))} only: not personal information under {state} law"
    affected = affected_count(incident)
    if stage.min_affected is not None and affected is not None and affected < stage.min_affected:
        return f"{affected} people affected, fewer than {stage.min_affected}"
    return None


def _names(categories: set[DataCategory]) -> str:
    return ", ".join(sorted(c.value.replace("_", " ") for c in categories)) or "no data categories"


_GROUP_SCOPES = ("store:all", "s3:", "tag:", "segment:", "gid://shopify/BulkOperation/")


def affected_count(incident: Incident) -> int | None:
    """How many people the incident affects, for a threshold; None when only the resolved audience
    can tell (a whole-store export, a bucket, a tag or segment): such an incident meets every
    threshold until counted, since missing a clock is the worse error."""
    subjects = incident.scope.subject_ids
    named = sum(1 for s in subjects if s.startswith("customer:"))
    known = max(named, incident.scope.customers)
    if any(s == _GROUP_SCOPES[0] or s.startswith(_GROUP_SCOPES[1:]) for s in subjects):
        return known if incident.scope.customers else None
    return known


def _start_time(event: StartEvent, incident: Incident) -> datetime | None:
    """When the start event happened, if detection knows it; None: a person records it."""
    if event in (StartEvent.AWARENESS, StartEvent.DISCOVERY):
        return incident.aware_at
    if event is StartEvent.DETERMINATION:
        return incident.declared_at  # declaring is determining that a reportable event occurred
    return None  # classification, materiality, an extortion payment: a person's record


def _new_clock(incident: Incident, mode: Mode, regime: Regime, stage: StageRule, authority: str) -> Clock:
    started = _start_time(stage.start_event, incident)
    deadline = stage.deadline.due(started, incident.aware_at) if started else None
    return _stage_clock(incident, mode, regime, stage, authority, started, deadline)


def _stage_clock(
    of: Incident | Clock,
    mode: Mode,
    regime: Regime,
    stage: StageRule,
    authority: str,
    started: datetime | None,
    deadline: datetime | None,
) -> Clock:
    """The clock of one stage of a regime, for the incident `of` names (or the clock it follows)."""
    return Clock(
        incident_id=of.incident_id,
        clock_id=clock_id(regime, stage.stage),
        regime=regime,
        stage=stage.stage,
        authority=authority,
        notify=stage.notify,
        rule=stage.rule,
        statutory=stage.statutory,
        source=stage.source,
        aware_at=of.aware_at,
        start_event=stage.start_event,
        started_at=started,
        deadline=deadline,
        status=ClockStatus.OPEN if started else ClockStatus.WAITING,
        severity=of.severity,
        store_id=of.store_id,
        mode=mode,
    )


# --- starting -----------------------------------------------------------------------------------


def start_clocks(
    request: StartClocksRequest,
    config: FirmConfig,
    store: ClockStore,
    scheduler: ReminderScheduler,
    ledger: Ledger,
    now: datetime,
) -> ClocksStarted:
    """Start every clock the incident owes; safe to run twice (a redelivered step starts nothing new)."""
    clocks, skipped = plan_clocks(request.incident, request.mode, config)
    reminders = 0
    if request.mode is not Mode.DRY_RUN:
        for clock in clocks:
            if store.put_new(clock):
                _record_start(clock, ledger, now)
                reminders += _schedule_reminders(clock, scheduler, now)
    opened = [c for c in clocks if c.status is ClockStatus.OPEN]
    return ClocksStarted(
        incident_id=request.incident.incident_id,
        started=tuple(c.clock_id for c in opened),
        waiting=tuple(c.clock_id for c in clocks if c.status is ClockStatus.WAITING),
        skipped=tuple(skipped),
        reminders=reminders,
        soonest_deadline=min((c.deadline for c in opened if c.deadline), default=None),
    )


def _record_start(clock: Clock, ledger: Ledger, now: datetime, actor: str = ACTOR) -> None:
    ledger.append(
        clock.incident_id,
        EntryDraft(
            type=EntryType.CLOCK_STARTED,
            actor=actor,
            at=now,
            data={
                "clock": clock.clock_id,
                "authority": clock.authority,
                "start_event": clock.start_event.value,
                "started_at": clock.started_at.isoformat() if clock.started_at else None,
                "deadline": clock.deadline.isoformat() if clock.deadline else None,
                "rule": clock.rule,
                "source": clock.source,
                "statutory": clock.statutory,
                "status": clock.status.value,
            },
        ),
    )


def record_clock_start(
    clock: Clock, store: ClockStore, scheduler: ReminderScheduler, ledger: Ledger, now: datetime, actor: str = ACTOR
) -> bool:
    """Start one planned clock unless it exists (an escalation adds clocks); False when it did."""
    if not store.put_new(clock):
        return False
    _record_start(clock, ledger, now, actor=actor)
    _schedule_reminders(clock, scheduler, now)
    return True


def reminder_name(clock: Clock, offset: timedelta) -> str:
    """A schedule name (at most 64 characters of [0-9A-Za-z-_.]) unique per clock and offset."""
    digest = hashlib.sha256(f"{clock.incident_id}|{clock.clock_id}".encode()).hexdigest()[:24]
    return f"bh-{digest}-t{int(offset.total_seconds() // 3600)}h"


def reminders_for(clock: Clock, now: datetime) -> list[Reminder]:
    """T-24h, T-4h and T-1h before the deadline, those still in the future."""
    if clock.deadline is None or clock.status is not ClockStatus.OPEN:
        return []
    result = []
    for offset in REMINDER_OFFSETS:
        at = clock.deadline - offset
        if at <= now:
            continue
        hours = int(offset.total_seconds() // 3600)
        result.append(
            Reminder(
                name=reminder_name(clock, offset),
                incident_id=clock.incident_id,
                clock_id=clock.clock_id,
                at=at,
                subject=f"Bulkhead: {clock.clock_id} due in {hours} h",
                message=(
                    f"Incident {clock.incident_id}: the {clock.clock_id} notice to {clock.authority} is due "
                    f"{clock.deadline:%Y-%m-%d %H:%M} UTC ({hours} h from this reminder; {clock.rule}). "
                    f"When filed: bulkhead clock file {clock.incident_id} {clock.clock_id} --reference <receipt>"
                ),
            )
        )
    return result


def _schedule_reminders(clock: Clock, scheduler: ReminderScheduler, now: datetime) -> int:
    # Only a live incident's deadlines are real: a drill's or a dry run's clocks never reach on-call.
    if clock.mode is not Mode.LIVE:
        return 0
    reminders = reminders_for(clock, now)
    for reminder in reminders:
        scheduler.schedule(reminder)
    return len(reminders)


def _cancel_reminders(clock: Clock, scheduler: ReminderScheduler) -> None:
    for offset in REMINDER_OFFSETS:
        scheduler.cancel(reminder_name(clock, offset))


# --- a person records an event ------------------------------------------------------------------


def now_max() -> datetime:
    return datetime.max.replace(tzinfo=UTC)


def resolve(clocks: list[Clock], incident_id: str, wanted: str, statuses: tuple[ClockStatus, ...]) -> Clock:
    """`regime/stage` exactly, or a bare regime: its earliest stage in one of `statuses`."""
    exact = next((c for c in clocks if c.clock_id == wanted), None)
    if exact:
        return exact
    matching = [c for c in clocks if c.regime.value == wanted and c.status in statuses]
    if matching:
        return min(matching, key=lambda c: (c.deadline is None, c.deadline or c.started_at or now_max()))
    known = ", ".join(sorted(c.clock_id for c in clocks)) or "none"
    raise UnknownClock(f"incident {incident_id} has no clock {wanted!r} (its clocks: {known})")


def file_clock(
    request: FileRequest, store: ClockStore, scheduler: ReminderScheduler, ledger: Ledger, now: datetime
) -> Clock:
    """Stop a clock with the filing's reference; start the stages its filing opens."""
    clocks = store.for_incident(request.incident_id)
    clock = resolve(clocks, request.incident_id, request.clock, (ClockStatus.OPEN, ClockStatus.MISSED))
    if clock.filed_at is not None and clock.reference == request.reference:
        raise AlreadyFiled(clock)
    if clock.filed_at is not None:
        raise ClockAlreadyStopped(
            f"{clock.clock_id} was filed at {clock.filed_at:%Y-%m-%d %H:%M} UTC ({clock.reference})"
        )
    if clock.status is ClockStatus.WAITING:
        raise ClockNotWaiting(
            f"{clock.clock_id} has not started: its start event ({clock.start_event}) is not recorded"
        )
    if clock.status is ClockStatus.NOT_REQUIRED:
        raise ClockNotWaiting(
            f"{clock.clock_id} is not required: {clock.filed_by} classified the incident as not major"
        )
    filed_at = request.filed_at or now
    late = clock.deadline is not None and filed_at > clock.deadline
    status = ClockStatus.MISSED if late else ClockStatus.MET
    stopped = clock.model_copy(
        update={
            "status": status,
            "filed_at": filed_at,
            "reference": request.reference,
            "filed_by": request.filed_by.name,
            "recipients": request.recipients,
        }
    )
    if late and clock.status is ClockStatus.OPEN:
        stopped = stopped.model_copy(update={"missed_at": clock.deadline})
    if not store.replace(stopped, clock.status):
        raise ClockAlreadyStopped(f"{clock.clock_id} changed while filing; look again with `bulkhead clocks`")
    facts = {
        "clock": clock.clock_id,
        "reference": request.reference,
        "filed_at": filed_at.isoformat(),
        "deadline": clock.deadline.isoformat() if clock.deadline else None,
        "late": late,
        "recipients": request.recipients,
        **request.filed_by.facts,
    }
    entry_type = EntryType.CLOCK_MISSED if late and clock.status is ClockStatus.OPEN else EntryType.CLOCK_MET
    if late and clock.status is ClockStatus.MISSED:
        entry_type = EntryType.CLOCK_FILED_LATE
    ledger.append(clock.incident_id, EntryDraft(type=entry_type, actor=request.filed_by.actor, at=now, data=facts))
    _cancel_reminders(clock, scheduler)
    _start_following(stopped, clocks, filed_at, scheduler, store, ledger, now, request.filed_by)
    return stopped


def withdraw_filing(
    request: WithdrawRequest, store: ClockStore, scheduler: ReminderScheduler, ledger: Ledger, now: datetime
) -> Clock:
    """Undo a filing recorded in error: the clock runs again (or stands missed, if its deadline passed).

    The stages the filing started stay: they count from a filing the authority may hold already,
    and each is filed or withdrawn on its own.
    """
    clocks = store.for_incident(request.incident_id)
    clock = resolve(clocks, request.incident_id, request.clock, (ClockStatus.MET, ClockStatus.MISSED))
    if clock.filed_at is None:
        raise NotFiled(f"{clock.clock_id} has no filing recorded: nothing to withdraw")
    past = clock.deadline is not None and clock.deadline <= now
    reopened = clock.model_copy(
        update={
            "status": ClockStatus.MISSED if past else ClockStatus.OPEN,
            "filed_at": None,
            "reference": None,
            "filed_by": None,
            "recipients": None,
            "missed_at": clock.deadline if past else None,
        }
    )
    if not store.replace(reopened, clock.status):
        raise ClockAlreadyStopped(f"{clock.clock_id} changed while withdrawing; look again with `bulkhead clocks`")
    ledger.append(
        clock.incident_id,
        EntryDraft(
            type=EntryType.CLOCK_WITHDRAWN,
            actor=request.withdrawn_by.actor,
            at=now,
            data={
                "clock": clock.clock_id,
                "reference": clock.reference,
                "filed_at": clock.filed_at.isoformat(),
                "filed_by": clock.filed_by,
                "withdrawn_by": request.withdrawn_by.name,
                **request.withdrawn_by.facts,
                "reason": request.reason,
                "status": reopened.status.value,
            },
        ),
    )
    if reopened.status is ClockStatus.OPEN:
        _schedule_reminders(reopened, scheduler, now)
    return reopened


def _start_following(
    filed: Clock,
    clocks: list[Clock],
    filed_at: datetime,
    scheduler: ReminderScheduler,
    store: ClockStore,
    ledger: Ledger,
    now: datetime,
    operator: Acted,
) -> None:
    rule = RULES[filed.regime]
    for stage in rule.stages:
        if stage.after != filed.stage or any(c.clock_id == clock_id(filed.regime, stage.stage) for c in clocks):
            continue
        # An unknown count starts the AG clock anyway: notifying the AG needlessly is the safe error.
        few = filed.recipients is not None and filed.recipients <= CALIFORNIA_AG_MIN_RESIDENTS
        if filed.regime is Regime.CALIFORNIA_1798_82 and few:
            continue
        deadline = stage.deadline.due(filed_at, filed_at)
        clock = _stage_clock(filed, filed.mode, filed.regime, stage, filed.authority, filed_at, deadline)
        if store.put_new(clock):
            _record_start(clock, ledger, now, actor=operator.actor)
            _schedule_reminders(clock, scheduler, now)


def record_start_event(
    request: StartEventRequest, store: ClockStore, scheduler: ReminderScheduler, ledger: Ledger, now: datetime
) -> Clock:
    """A person records a start event (SEC 8-K materiality, a NYDFS extortion payment): the clock starts then."""
    clocks = store.for_incident(request.incident_id)
    clock = resolve(clocks, request.incident_id, request.clock, (ClockStatus.WAITING,))
    if clock.status is not ClockStatus.WAITING:
        raise ClockNotWaiting(f"{clock.clock_id} already started at {clock.started_at:%Y-%m-%d %H:%M} UTC")
    if clock.start_event is StartEvent.CLASSIFICATION:
        raise ClockNotWaiting(
            f"{clock.clock_id} starts with a classification: bulkhead clock classify {clock.incident_id} "
            f"{clock.regime.value} --major|--not-major --at TIME --by NAME"
        )
    _check_time(request.at, clock.aware_at, now, str(clock.start_event))
    started = _started(clock, request.at)
    if not store.replace(started, ClockStatus.WAITING):
        raise ClockNotWaiting(f"{clock.clock_id} changed meanwhile; look again with `bulkhead clocks`")
    _record_start(started, ledger, now, actor=request.recorded_by.actor)
    _schedule_reminders(started, scheduler, now)
    return started


def _check_time(at: datetime, aware_at: datetime | None, now: datetime, what: str) -> None:
    if at > now:
        raise ImpossibleTime(f"--at: the {what} time {at:%Y-%m-%d %H:%M} UTC is in the future")
    if aware_at is not None and at < aware_at:
        raise ImpossibleTime(
            f"--at: the {what} time {at:%Y-%m-%d %H:%M} UTC is before the incident's awareness "
            f"({aware_at:%Y-%m-%d %H:%M} UTC)"
        )


def _started(clock: Clock, at: datetime) -> Clock:
    stage = stage_rule(clock.regime, clock.stage)
    return clock.model_copy(
        update={"started_at": at, "deadline": stage.deadline.due(at, clock.aware_at or at), "status": ClockStatus.OPEN}
    )


def classify(
    request: ClassifyRequest, store: ClockStore, scheduler: ReminderScheduler, ledger: Ledger, now: datetime
) -> list[Clock]:
    """A person classifies the incident (DORA Art. 18: major or not), with the time it was decided.

    Major starts the clocks that wait for it, each from the classification time (the initial
    report: 4 hours, at most 24 hours after awareness unless classified later than that). Not major
    closes them as not required; a later major classification (the incident grew) starts them.
    """
    clocks = store.for_incident(request.incident_id)
    mine = [c for c in clocks if c.regime is request.regime and c.start_event is StartEvent.CLASSIFICATION]
    if not mine:
        known = ", ".join(sorted(c.clock_id for c in clocks)) or "none"
        raise UnknownClock(
            f"incident {request.incident_id} has no {request.regime.value} clock that waits for a classification "
            f"(its clocks: {known})"
        )
    running = [c for c in mine if c.status not in (ClockStatus.WAITING, ClockStatus.NOT_REQUIRED)]
    if running:
        raise ClockNotWaiting(
            f"{request.regime.value} was classified major at {running[0].started_at:%Y-%m-%d %H:%M} UTC; "
            "its clocks run (file them with `bulkhead clock file`)"
        )
    _check_time(request.at, mine[0].aware_at, now, "classification")
    actor = request.classified_by.actor
    ledger.append(
        request.incident_id,
        EntryDraft(
            type=EntryType.INCIDENT_CLASSIFIED,
            actor=actor,
            at=now,
            data={
                "regime": request.regime.value,
                "major": request.major,
                "classified_at": request.at.isoformat(),
                "classified_by": request.classified_by.name,
                **request.classified_by.facts,
            },
        ),
    )
    changed: list[Clock] = []
    for clock in mine:
        if request.major:
            moved = _started(clock, request.at)
        elif clock.status is ClockStatus.WAITING:
            moved = clock.model_copy(
                update={"status": ClockStatus.NOT_REQUIRED, "filed_by": request.classified_by.name}
            )
        else:
            continue
        if not store.replace(moved, clock.status):
            raise ClockNotWaiting(f"{clock.clock_id} changed meanwhile; look again with `bulkhead clocks`")
        if moved.status is ClockStatus.OPEN:
            _record_start(moved, ledger, now, actor=actor)
            _schedule_reminders(moved, scheduler, now)
        changed.append(moved)
    return changed


# --- the sweep ----------------------------------------------------------------------------------


def sweep(store: ClockStore, ledger: Ledger, pager: Pager, now: datetime) -> SweepResult:
    """Mark every open clock of a live incident past its deadline as missed, record it and page on-call.

    Drill and dry-run clocks are left alone: a drill scores its clocks itself (`drills.domain`), and
    a drill's deadline passing is no one's emergency.
    """
    everything = store.live()
    live = [c for c in everything if c.mode is Mode.LIVE]
    missed: list[str] = []
    for clock in live:
        if clock.status is not ClockStatus.OPEN or clock.deadline is None or clock.deadline > now:
            continue
        late = clock.model_copy(update={"status": ClockStatus.MISSED, "missed_at": clock.deadline})
        if not store.replace(late, ClockStatus.OPEN):
            continue  # filed or swept by someone else meanwhile
        ledger.append(
            clock.incident_id,
            EntryDraft(
                type=EntryType.CLOCK_MISSED,
                actor=ACTOR,
                at=now,
                data={"clock": clock.clock_id, "deadline": clock.deadline.isoformat(), "authority": clock.authority},
            ),
        )
        pager.page(
            Page(
                subject=f"Bulkhead: {clock.clock_id} deadline MISSED",
                message=(
                    f"Incident {clock.incident_id}: the {clock.clock_id} notice to {clock.authority} was due "
                    f"{clock.deadline:%Y-%m-%d %H:%M} UTC and is not recorded as filed. File now, then run "
                    f"`bulkhead clock file {clock.incident_id} {clock.clock_id} --reference <receipt>`."
                ),
                incident_id=clock.incident_id,
                severity="critical",
                dedup_key=f"{clock.incident_id}/{clock.clock_id}/missed",
            )
        )
        missed.append(f"{clock.incident_id}/{clock.clock_id}")
    still_open = [c for c in live if c.status is ClockStatus.OPEN and c.deadline and c.deadline > now]
    left = [c.seconds_left(now) or 0.0 for c in still_open]
    return SweepResult(
        open_clocks=len(still_open),
        missed=tuple(missed),
        near=sum(1 for s in left if s <= NEAR.total_seconds()),
        soonest_seconds_left=min(left, default=None),
        drill_clocks=len(everything) - len(live),
    )
