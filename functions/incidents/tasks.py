"""Tasks per role, due from the clocks: who in the firm owes what, by when. Pure.

The clock sweep (every few minutes) creates the tasks an incident's record calls for and escalates
the overdue ones; each creation, completion and escalation is a ledger entry naming the person.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta

from pydantic import Field

from functions.clocks.models import Clock, ClockStatus
from functions.common.config import FirmConfig, Mode, Regime, Role
from functions.common.errors import BulkheadError
from functions.common.models import Message
from functions.common.people import Acted
from functions.incidents.breach_record import dpo_paged
from functions.incidents.domain import declaration, open_role_tasks
from functions.ledger.models import EntryDraft, EntryType, LedgerEntry
from functions.ledger.ports import Ledger
from functions.paging.models import Page
from functions.paging.ports import Pager

ACTOR = "tasks"
# Filings under data-protection law are the DPO's (or legal's) decision; the rest are compliance's.
_DPO_REGIMES = {Regime.GDPR_ART33, Regime.GDPR_ART34, Regime.UK_GDPR}
NOTICE_REVIEW = timedelta(hours=4)  # customer service reads the notice and the agent script
CHECKOUT_CONFIRM = timedelta(hours=1)  # e-commerce confirms the checkout mode the response set


class UnknownTask(BulkheadError):
    """No open task of that id for the incident."""


class PlannedTask(Message):
    task_id: str = Field(pattern=r"^task-[0-9a-z_/-]{1,80}$")
    role: Role
    title: str
    due_at: datetime


class TaskDone(Message):
    incident_id: str
    task_id: str
    by: Acted  # as the roster names them
    note: str = Field(default="", max_length=1000)


def plan_tasks(entries: list[LedgerEntry], clocks: Iterable[Clock]) -> list[PlannedTask]:
    """The tasks the record calls for: one per running filing clock, the notice review, the checkout mode."""
    declared = declaration("", entries)
    tasks: list[PlannedTask] = []
    for clock in clocks:
        if clock.status is not ClockStatus.OPEN or clock.deadline is None or clock.started_at is None:
            continue
        role = Role.DPO if clock.regime in _DPO_REGIMES else Role.COMPLIANCE
        # Due with a quarter of the window left (at most 6 h before): time to file after deciding.
        margin = min(timedelta(hours=6), (clock.deadline - clock.started_at) / 4)
        tasks.append(
            PlannedTask(
                task_id=f"task-{clock.clock_id.replace('_', '-')}",
                role=role,
                title=f"decide on the {clock.clock_id} filing to {clock.authority} and file it, or record why not",
                due_at=clock.deadline - margin,
            )
        )
    types = {e.type for e in entries}
    if EntryType.NOTIFICATION_PLANNED in types or declared.data.get("customers"):
        tasks.append(
            PlannedTask(
                task_id="task-customer-notice",
                role=Role.CUSTOMER_SERVICE,
                title="approve the customer notice (bulkhead notice drafts) and brief agents with its script",
                due_at=declared.at + NOTICE_REVIEW,
            )
        )
    set_at = next((e.at for e in entries if e.type is EntryType.DEGRADATION_SET), None)
    if set_at is not None:
        tasks.append(
            PlannedTask(
                task_id="task-checkout-mode",
                role=Role.ECOMMERCE,
                title="confirm the checkout mode in force with the business (bulkhead degrade --show)",
                due_at=set_at + CHECKOUT_CONFIRM,
            )
        )
    return tasks


def create_tasks(
    incident_id: str,
    entries: list[LedgerEntry],
    clocks: Iterable[Clock],
    config: FirmConfig,
    ledger: Ledger,
    now: datetime,
) -> list[str]:
    """Record the tasks not yet created (safe to repeat); each names the person of the role."""
    if any(e.type is EntryType.INCIDENT_RESOLVED for e in entries):
        return []
    known = {e.data.get("task_id") for e in entries if e.type is EntryType.TASK_CREATED}
    made: list[str] = []
    for task in plan_tasks(entries, clocks):
        if task.task_id in known:
            continue
        people = config.people(task.role)
        ledger.append(
            incident_id,
            EntryDraft(
                type=EntryType.TASK_CREATED,
                actor=ACTOR,
                at=now,
                data={
                    "task_id": task.task_id,
                    "role": task.role.value,
                    "person": people[0].name if people else None,
                    "contact": people[0].contact if people else None,
                    "title": task.title,
                    "due_at": task.due_at.isoformat(),
                },
            ),
        )
        made.append(task.task_id)
    return made


def page_dpo_tasks(
    incident_id: str, entries: list[LedgerEntry], made: list[str], ledger: Ledger, pager: Pager, now: datetime
) -> list[str]:
    """Page each DPO task just created (stage `dpo`: the DPO's subscription filters on it) and record
    the time the DPO was told. A drill's tasks are never paged, so a drill records no such time here."""
    if str(declaration(incident_id, entries).data.get("mode", Mode.LIVE.value)) != Mode.LIVE.value:
        return []
    created = {e.data.get("task_id"): e.data for e in entries if e.type is EntryType.TASK_CREATED}
    paged: list[str] = []
    for task_id in made:
        task = created.get(task_id)
        if task is None or task.get("role") != Role.DPO.value or not task.get("person"):
            continue
        pager.page(
            Page(
                subject=f"Bulkhead: DPO task, incident {incident_id}"[:100],
                message=(
                    f"Incident {incident_id}: {task['title']}. Due {task['due_at'][:16]} UTC. "
                    f"Done: bulkhead task done {incident_id} {task_id} --by NAME"
                ),
                incident_id=incident_id,
                stage=Role.DPO.value,
                severity="high",
                dedup_key=f"{incident_id}/{task_id}/created",
            )
        )
        dpo_paged(incident_id, str(task["person"]), f"task {task_id}", ledger, now, actor=ACTOR)
        paged.append(task_id)
    return paged


def escalate_overdue(
    incident_id: str, entries: list[LedgerEntry], config: FirmConfig, ledger: Ledger, pager: Pager, now: datetime
) -> list[str]:
    """Each open task past its due time: recorded once as overdue, and on-call and the backup paged."""
    live = str(declaration(incident_id, entries).data.get("mode", Mode.LIVE.value)) == Mode.LIVE.value
    if any(e.type is EntryType.INCIDENT_RESOLVED for e in entries):
        return []
    flagged = {e.data.get("task_id") for e in entries if e.type is EntryType.TASK_OVERDUE}
    escalated: list[str] = []
    for task in open_role_tasks(entries, now):
        if not task.overdue or task.task_id in flagged:
            continue
        backups = config.people(Role(task.owner))[1:] or config.people(Role.INCIDENT_COMMANDER)
        to = backups[0].name if backups else None
        ledger.append(
            incident_id,
            EntryDraft(
                type=EntryType.TASK_OVERDUE,
                actor=ACTOR,
                at=now,
                data={"task_id": task.task_id, "role": task.owner, "person": task.person, "escalated_to": to},
            ),
        )
        if live:  # a drill's task being late is scored, never paged
            pager.page(
                Page(
                    subject=f"Bulkhead: task overdue ({task.owner})"[:100],
                    message=(
                        f"Incident {incident_id}: {task.owner} task {task.task_id} was due "
                        f"{task.due_at:%Y-%m-%d %H:%M} UTC ({task.title}). Escalated to {to or 'on-call'}. "
                        f"Done: {task.how}"
                    ),
                    incident_id=incident_id,
                    severity="high",
                    dedup_key=f"{incident_id}/{task.task_id}/overdue",
                )
            )
        escalated.append(task.task_id)
    return escalated


def complete_task(request: TaskDone, entries: list[LedgerEntry], ledger: Ledger, now: datetime) -> LedgerEntry:
    declaration(request.incident_id, entries)
    open_ids = [t.task_id for t in open_role_tasks(entries, now)]
    if request.task_id not in open_ids:
        done = any(e.type is EntryType.TASK_DONE and e.data.get("task_id") == request.task_id for e in entries)
        why = "it is done already" if done else f"its open tasks: {', '.join(open_ids) or 'none'}"
        raise UnknownTask(f"incident {request.incident_id} has no open task {request.task_id} ({why})")
    return ledger.append(
        request.incident_id,
        EntryDraft(
            type=EntryType.TASK_DONE,
            actor=request.by.actor,
            at=now,
            data={"task_id": request.task_id, **request.by.facts, "note": request.note},
        ),
    )
