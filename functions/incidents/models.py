"""Incident command: the one screen on-call reads, and what the people running an incident record."""

from datetime import datetime

from pydantic import Field

from functions.common.config import Role, Severity
from functions.common.models import Message
from functions.common.people import Acted


class ClockLine(Message):
    clock_id: str
    authority: str
    status: str
    deadline: datetime | None = None
    seconds_left: float | None = None
    reference: str | None = None


class ActionLine(Message):
    action_id: str
    kind: str
    store_id: str
    state: str  # the last thing recorded of it: planned, applied, verified, failed, manual_task, reverted


class TaskLine(Message):
    """An open task: a manual containment step, or a role's task."""

    task_id: str
    owner: str  # a role, or "operator" for a manual containment step
    person: str | None = None
    title: str
    due_at: datetime | None = None
    overdue: bool = False
    how: str  # the command that closes it


class IncidentView(Message):
    """Everything `bulkhead incident show` prints, computed from the ledger, the clocks and the controls."""

    incident_id: str
    store_id: str
    mode: str
    severity: str
    declared_severity: str
    data_categories: tuple[str, ...]
    jurisdictions: tuple[str, ...]
    customers: int
    components: tuple[str, ...]
    declared_at: datetime
    # responding, waiting for approval / notice review, awaiting a person (tasks open), response done, resolved
    state: str
    commander: str | None = None
    clocks: tuple[ClockLine, ...] = ()
    pending_approval: str | None = None  # what the approval waits for, when one does
    pending_review: str | None = None  # the customer notice waiting for its reviewer, when one does
    plan: str | None = None  # the planned response's blast radius: actions, modes, customers
    tasks: tuple[TaskLine, ...] = ()
    actions: tuple[ActionLine, ...] = ()
    modes: tuple[str, ...] = ()
    notices_sent: int = 0
    notices_owed: int = 0
    regulator_drafts: int = 0
    notes: int = 0
    next_step: str


class NoteRequest(Message):
    incident_id: str
    by: Acted  # as the roster names them (functions.common.people)
    text: str = Field(min_length=1, max_length=2000)


class AssignRequest(Message):
    incident_id: str
    by: Acted  # as the roster names them (functions.common.people)
    role: Role = Role.INCIDENT_COMMANDER
    person: str = Field(min_length=1, max_length=128)


class EscalateRequest(Message):
    incident_id: str
    by: Acted  # as the roster names them (functions.common.people)
    severity: Severity
    reason: str = Field(min_length=1, max_length=1000)
    add_categories: tuple[str, ...] = ()
    customers: int | None = Field(default=None, ge=0)


class AddedAction(Message):
    """An action the plan at the new severity holds and the response had not planned."""

    action_id: str
    kind: str
    # How many subjects it acts on; as `action.planned`, never what it acts on (a username, a customer).
    subjects: int


class Escalated(Message):
    incident_id: str
    previous: str
    severity: str
    clocks_started: tuple[str, ...]
    actions_added: tuple[AddedAction, ...] = ()
    modes_added: tuple[str, ...] = ()
    approval_required: bool = False
    approval_reasons: tuple[str, ...] = ()
    # Why containment was not re-planned (the response has not planned yet), when it was not.
    not_replanned: str | None = None
    execution: str | None = None  # the Escalation state machine's execution that runs the difference
    not_started: str | None = None  # why that execution did not start (recorded as step.failed)


class CloseRequest(Message):
    incident_id: str
    by: Acted  # as the roster names them (functions.common.people)
    reason: str | None = Field(default=None, max_length=1000)


class Closed(Message):
    incident_id: str
    open_items: tuple[str, ...]  # what was still open, as recorded with the reason
