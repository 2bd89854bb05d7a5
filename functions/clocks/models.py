"""Regulatory clocks: one per (incident, regime, stage), each from its own start event."""

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from functions.common.config import Mode, Regime, Severity
from functions.common.models import Message
from functions.common.people import Acted
from functions.detection.models import Incident


class StartEvent(StrEnum):
    AWARENESS = "awareness"  # the firm became aware of the breach
    DISCOVERY = "discovery"  # the breach was discovered (state laws, FTC)
    CLASSIFICATION = "classification"  # classified as major (DORA): recorded by a person
    DETERMINATION = "determination"  # determined that a reportable event occurred (NYDFS)
    MATERIALITY = "materiality"  # determined to be material (SEC 8-K): recorded by a person
    EXTORTION_PAYMENT = "extortion_payment"  # an extortion payment was made (NYDFS 500.17(c)): recorded by a person
    FILING = "filing"  # the preceding stage was filed


class ClockStatus(StrEnum):
    WAITING = "waiting"  # its start event has not happened yet
    OPEN = "open"
    MET = "met"  # filed before the deadline
    MISSED = "missed"  # the deadline passed unfiled (a late filing still stops it)
    NOT_REQUIRED = "not_required"  # a person classified the incident as not reportable (DORA: not major)


class Clock(Message):
    """One legal deadline of one incident, as stored and shown."""

    incident_id: str
    clock_id: str = Field(description="regime, or regime/stage")
    regime: Regime
    stage: str = ""
    authority: str
    notify: str = Field(description="who must be notified")
    rule: str = Field(description="the deadline rule in words")
    statutory: bool = True  # False: no fixed statutory period, Bulkhead's own target
    source: str = ""  # the primary text that sets the deadline
    aware_at: datetime | None = None  # the incident's awareness (DORA's cap counts from it)
    start_event: StartEvent
    started_at: datetime | None = None
    deadline: datetime | None = None
    status: ClockStatus
    severity: Severity
    store_id: str
    mode: Mode
    filed_at: datetime | None = None
    reference: str | None = None
    filed_by: str | None = None
    recipients: int | None = Field(default=None, ge=0, description="how many were notified (a count)")
    missed_at: datetime | None = None

    def seconds_left(self, now: datetime) -> float | None:
        return None if self.deadline is None else (self.deadline - now).total_seconds()


class StartClocksRequest(Message):
    """Input of the StartClocks step."""

    incident: Incident
    mode: Mode


class SkippedRegime(Message):
    clock_id: str
    reason: str


class ClocksStarted(Message):
    incident_id: str
    started: tuple[str, ...]
    waiting: tuple[str, ...]
    skipped: tuple[SkippedRegime, ...]
    reminders: int
    soonest_deadline: datetime | None = None


class FileRequest(Message):
    """Stop a clock: the notification it counts down to was filed."""

    incident_id: str
    clock: str = Field(min_length=1, description="regime (earliest open stage) or regime/stage")
    reference: str = Field(min_length=1, max_length=200, description="the authority's case or receipt number")
    filed_by: Acted  # as the roster names them (functions.common.people)
    filed_at: datetime | None = None
    recipients: int | None = Field(default=None, ge=0, description="how many were notified, if a count matters")


class WithdrawRequest(Message):
    """Undo a filing recorded in error, with the reason."""

    incident_id: str
    clock: str = Field(min_length=1, description="regime/stage, or a regime (its earliest filed stage)")
    withdrawn_by: Acted  # as the roster names them (functions.common.people)
    reason: str = Field(min_length=1, max_length=1000)


class StartEventRequest(Message):
    """Record a start event a person determines (materiality for SEC 8-K)."""

    incident_id: str
    clock: str = Field(min_length=1)
    at: datetime
    recorded_by: Acted  # as the roster names them (functions.common.people)


class ClassifyRequest(Message):
    """A person classifies the incident under a regime that asks for it (DORA: major or not)."""

    incident_id: str
    regime: Regime
    major: bool
    at: datetime = Field(description="when the classification was made")
    classified_by: Acted  # as the roster names them (functions.common.people)


class Reminder(Message):
    name: str
    incident_id: str
    clock_id: str
    at: datetime
    subject: str
    message: str


class SweepResult(Message):
    open_clocks: int
    missed: tuple[str, ...]
    near: int
    soonest_seconds_left: float | None = None
    drill_clocks: int = 0  # open clocks of drills and dry runs, left alone
