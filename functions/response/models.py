"""Contracts of the response state machine (statemachines/response.asl.json).

The execution input is `IncidentDeclared`; each step adds its result under its own key.
"""

from typing import Any, Literal

from pydantic import Field

from functions.common.config import Mode
from functions.common.models import Message, StepError
from functions.containment.models import ActionOutcome, PlannedAction
from functions.degradation.models import DegradationMode, DegradationOutcome, DegradationPlan
from functions.detection.models import Incident
from functions.notification.models import NotificationOutcome, NotificationPlan


class ResponsePlan(Message):
    """Output of PlanResponse, at `$.plan`."""

    actions: tuple[PlannedAction, ...]
    degradation: DegradationPlan
    notification: NotificationPlan
    approval_required: bool
    approval_reasons: tuple[str, ...] = ()


class PlanRequest(Message):
    """Input of PlanResponse: the execution input."""

    incident: Incident
    mode: Mode


class ContainmentResult(Message):
    isolation: tuple[ActionOutcome, ...]
    degradation: DegradationOutcome


class CloseRequest(Message):
    """Input of CloseResponse: the whole state after notification."""

    incident: Incident
    mode: Mode
    plan: ResponsePlan
    containment: ContainmentResult
    notification: NotificationOutcome
    approval: dict[str, Any] | None = None
    review: dict[str, Any] | None = None  # the customer-notice review's decision (approval.notice_review)


class MilestoneRequest(Message):
    """Input of RecordContained and RecordNotified: the phase that just ended, as counts."""

    incident_id: str
    mode: Mode
    milestone: Literal["contained", "notified"]
    containment: ContainmentResult | None = None
    notification: NotificationOutcome | None = None


class MilestoneRecorded(Message):
    incident_id: str
    milestone: str
    seq: int


class ResponseOutcome(Message):
    incident_id: str
    mode: Mode
    actions_applied: int
    actions_failed: int
    manual_tasks: int
    modes: tuple[str, ...]
    customers_notified: int
    ledger_entries: int
    ledger_valid: bool
    # False while manual tasks are open: the response recorded `response.completed`, not `incident.closed`.
    incident_closed: bool = True
    open_tasks: tuple[str, ...] = ()  # the manual tasks' action ids


class FailureRequest(Message):
    """Input of RecordFailure: which incident, which step, what went wrong."""

    incident_id: str
    mode: Mode
    step: str = Field(min_length=1, max_length=64)
    error: StepError


class FailureRecorded(Message):
    incident_id: str
    step: str
    error: str
    seq: int


class EscalationRun(Message):
    """Input of the Escalation state machine (statemachines/escalation.asl.json): what an escalation
    adds to the response, run through the response's own steps.

    `plan.actions` holds the added actions only. `plan.degradation.modes` holds the modes already
    planned and the added ones together, since a mode rule replaces its segment's rule; the machine
    sets them only when `modes_added` names one.
    """

    incident: Incident
    mode: Mode
    plan: ResponsePlan
    modes_added: tuple[DegradationMode, ...] = ()
    escalation: int = Field(ge=1, description="which escalation of the incident this is (1 = the first)")
