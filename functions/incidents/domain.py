"""Incident command, pure: the on-call screen from the record, and the people's entries.

Every change is a ledger entry whose actor is `person:<name>`: notes, assignments, escalations and
the commander's closure. Escalation re-plans only the difference: the clocks the new facts add are
started, the clocks already running are left as they are; the containment actions and degradation
modes the plan at the new facts adds run through the Escalation state machine (`replan.py`).
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from functions.clocks.domain import plan_clocks, record_clock_start
from functions.clocks.models import Clock, ClockStatus
from functions.clocks.ports import ClockStore, ReminderScheduler
from functions.common.config import FirmConfig, Mode, Severity
from functions.common.errors import BulkheadError
from functions.degradation.models import DegradationMode, StoreControls
from functions.detection.models import AffectedScope, Incident
from functions.incidents.models import (
    ActionLine,
    AddedAction,
    AssignRequest,
    ClockLine,
    Closed,
    CloseRequest,
    Escalated,
    EscalateRequest,
    IncidentView,
    NoteRequest,
    TaskLine,
)
from functions.incidents.ports import EscalationRunner
from functions.incidents.replan import difference
from functions.ingest.models import DataCategory
from functions.ledger.models import EntryDraft, EntryType, LedgerEntry
from functions.ledger.ports import Ledger
from functions.response.models import EscalationRun


class UnknownIncident(BulkheadError):
    """No declaration of this incident in the ledger."""


class NotAnEscalation(BulkheadError):
    """The new severity is not above the current one and adds nothing."""


class CloseNeedsReason(BulkheadError):
    """Tasks or clocks are still open: closing needs a reason, recorded with what was open."""


class AlreadyResolved(BulkheadError):
    """The incident was closed by a person already."""


class ApprovalPending(BulkheadError):
    """An approval waits for a decision: an escalation would ask a second one over it."""


_ACTION_STATES = {
    EntryType.ACTION_PLANNED: "planned",
    EntryType.ACTION_APPLIED: "applied",
    EntryType.ACTION_VERIFIED: "verified",
    EntryType.ACTION_FAILED: "failed",
    EntryType.ACTION_MANUAL_TASK: "manual task",
    EntryType.ACTION_REVERTED: "reverted",
}
_DECIDED = {EntryType.APPROVAL_GRANTED, EntryType.APPROVAL_REJECTED, EntryType.APPROVAL_EXPIRED}
_REVIEWED = {EntryType.NOTICE_REVIEW_APPROVED, EntryType.NOTICE_REVIEW_REJECTED, EntryType.NOTICE_REVIEW_EXPIRED}
_RUNNING = (ClockStatus.OPEN, ClockStatus.WAITING)


def declaration(incident_id: str, entries: list[LedgerEntry]) -> LedgerEntry:
    found = next((e for e in entries if e.type is EntryType.INCIDENT_DECLARED), None)
    if found is None:
        raise UnknownIncident(f"no incident {incident_id} in the ledger: check the id (bulkhead incident list)")
    return found


def severity(entries: list[LedgerEntry]) -> str:
    """The declared severity, or the last one a person escalated it to."""
    raised = [e.data["severity"] for e in entries if e.type is EntryType.INCIDENT_ESCALATED]
    return str(raised[-1]) if raised else str(declaration("", entries).data.get("severity", "unknown"))


def categories(entries: list[LedgerEntry]) -> tuple[str, ...]:
    declared = [str(c) for c in declaration("", entries).data.get("data_categories", [])]
    added = [str(c) for e in entries if e.type is EntryType.INCIDENT_ESCALATED for c in e.data.get("added", [])]
    return tuple(dict.fromkeys([*declared, *added]))


def build_view(
    incident_id: str,
    entries: Iterable[LedgerEntry],
    clocks: Iterable[Clock],
    controls: StoreControls | None,
    now: datetime,
) -> IncidentView:
    """The one screen: what is at stake, what runs, what waits for whom, and the next thing to do."""
    ordered = list(entries)
    declared = declaration(incident_id, ordered)
    facts = declared.data
    every = sorted(clocks, key=lambda c: (c.deadline is None, c.deadline or now))
    lines = tuple(
        ClockLine(
            clock_id=c.clock_id,
            authority=c.authority,
            status=c.status.value,
            deadline=c.deadline,
            seconds_left=c.seconds_left(now) if c.status is ClockStatus.OPEN else None,
            reference=c.reference,
        )
        for c in every
    )
    actions = _actions(ordered)
    tasks = (*_manual_tasks(incident_id, ordered, actions), *open_role_tasks(ordered, now))
    modes = _modes(controls, incident_id)
    planned = next((e.data for e in ordered if e.type is EntryType.NOTIFICATION_PLANNED), {})
    batches = [e.data for e in ordered if e.type is EntryType.NOTIFICATION_BATCH_SENT]
    reached = sum(int(b.get("customers_reached", 0)) for b in batches)
    pending = pending_approval(ordered)
    review = pending_review(ordered)
    view = IncidentView(
        incident_id=incident_id,
        store_id=str(facts.get("store_id", "unknown")),
        mode=str(facts.get("mode", Mode.LIVE.value)),
        severity=severity(ordered),
        declared_severity=str(facts.get("severity", "unknown")),
        data_categories=categories(ordered),
        jurisdictions=tuple(str(j) for j in facts.get("jurisdictions", [])),
        customers=int(facts.get("customers", 0)),
        components=tuple(str(c) for c in facts.get("components", [])),
        declared_at=declared.at,
        state=_state(ordered, pending, review),
        commander=commander(ordered),
        clocks=lines,
        pending_approval=pending,
        pending_review=review,
        plan=_plan(ordered),
        tasks=tasks,
        actions=actions,
        modes=modes,
        notices_sent=sum(int(b.get("emailed", 0)) + int(b.get("texted", 0)) for b in batches),
        notices_owed=max(0, int(planned.get("reachable", 0)) - reached),
        regulator_drafts=sum(1 for e in ordered if e.type is EntryType.REGULATOR_NOTICE_DRAFTED),
        notes=sum(1 for e in ordered if e.type is EntryType.INCIDENT_NOTED),
        next_step="",
    )
    return view.model_copy(update={"next_step": next_step(view)})


def pending_approval(entries: list[LedgerEntry]) -> str | None:
    asked = [n for n, e in enumerate(entries) if e.type is EntryType.APPROVAL_REQUESTED]
    if not asked or any(e.type in _DECIDED for e in entries[asked[-1] :]):
        return None
    reasons = entries[asked[-1]].data.get("reasons", [])
    return "; ".join(str(r) for r in reasons) or "the response plan"


def pending_review(entries: list[LedgerEntry]) -> str | None:
    """The customer notice waiting for its reviewer: whom it goes to, its hash, who is asked, until when."""
    asked = [n for n, e in enumerate(entries) if e.type is EntryType.NOTICE_REVIEW_REQUESTED]
    if not asked or any(e.type in _REVIEWED for e in entries[asked[-1] :]):
        return None
    data = entries[asked[-1]].data
    who = f"{data.get('person')} ({data.get('role')})" if data.get("person") else str(data.get("role"))
    return (
        f"customer notice to {data.get('customers')} customers by {', '.join(data.get('channels', []))}, "
        f"sha256 {str(data.get('sha256'))[:12]}, waits for {who} until {str(data.get('expires_at'))[:16]} UTC"
    )


def _plan(entries: list[LedgerEntry]) -> str | None:
    """The blast radius of the planned response, as the approver weighs it."""
    planned = next((e.data for e in entries if e.type is EntryType.RESPONSE_PLANNED), None)
    if planned is None:
        return None
    declared = declaration("", entries).data
    actions = [str(a) for a in planned.get("actions", [])]
    modes = ", ".join(str(m) for m in planned.get("modes", [])) or "none"
    added = [
        f"; escalation to {e.data.get('severity')} added {len(e.data.get('actions_added', []))} actions "
        f"({', '.join(dict.fromkeys(str(a['kind']) for a in e.data.get('actions_added', []))) or 'none'}) "
        f"and modes {', '.join(str(m) for m in e.data.get('modes_added', [])) or 'none'}"
        for e in entries
        if e.type is EntryType.INCIDENT_ESCALATED and (e.data.get("actions_added") or e.data.get("modes_added"))
    ]
    return (
        f"{len(actions)} actions ({', '.join(dict.fromkeys(actions)) or 'none'}) on store {declared.get('store_id')}; "
        f"modes {modes}; {declared.get('customers', 0)} customers known; "
        f"customer notice {'planned' if planned.get('notify') else 'not planned'}" + "".join(added)
    )


def commander(entries: list[LedgerEntry]) -> str | None:
    assigned = [e.data for e in entries if e.type is EntryType.INCIDENT_ASSIGNED]
    named = [a for a in assigned if a.get("role") == "incident_commander"]
    return str(named[-1]["person"]) if named else None


def _state(entries: list[LedgerEntry], pending: str | None, review: str | None = None) -> str:
    types = {e.type for e in entries}
    if EntryType.INCIDENT_RESOLVED in types:
        return "resolved"
    if pending:
        return "waiting for approval"
    if review:
        return "waiting for notice review"
    if EntryType.INCIDENT_CLOSED in types:
        return "response done"
    if EntryType.RESPONSE_COMPLETED in types:
        return "awaiting a person"  # the response ended with manual tasks open
    return "responding"


def _actions(entries: list[LedgerEntry]) -> tuple[ActionLine, ...]:
    lines: dict[str, ActionLine] = {}
    for e in entries:
        if e.type is EntryType.INCIDENT_ESCALATED:
            lines |= _added(e, entries)
            continue
        state = _ACTION_STATES.get(e.type)
        action_id = e.data.get("action_id")
        if state is None or not action_id:
            continue
        known = lines.get(action_id)
        lines[action_id] = ActionLine(
            action_id=action_id,
            kind=str(e.data.get("kind", known.kind if known else "")),
            store_id=str(e.data.get("store_id", known.store_id if known else "")),
            state=state,
        )
    return tuple(lines.values())


def _added(escalated: LedgerEntry, entries: list[LedgerEntry]) -> dict[str, ActionLine]:
    """The actions an escalation added, as they stand before their own entries: waiting for the
    approval, approved, or not approved (rejected, or unanswered and stopped)."""
    state = "added"
    if escalated.data.get("approval_required"):
        later = [e for e in entries if e.seq > escalated.seq and e.type in _DECIDED]
        decided = later[0] if later else None
        stopped = decided is not None and (
            decided.type is EntryType.APPROVAL_REJECTED or decided.data.get("policy") == "stop"
        )
        state = "waiting for approval" if decided is None else "not approved" if stopped else "approved"
    return {
        str(a["action_id"]): ActionLine(
            action_id=str(a["action_id"]),
            kind=str(a["kind"]),
            store_id=str(declaration("", entries).data.get("store_id", "")),
            state=f"{state} (escalation)",
        )
        for a in escalated.data.get("actions_added", [])
    }


def _manual_tasks(incident_id: str, entries: list[LedgerEntry], actions: tuple[ActionLine, ...]) -> list[TaskLine]:
    raised = {e.data.get("action_id"): e for e in entries if e.type is EntryType.ACTION_MANUAL_TASK}
    return [
        TaskLine(
            task_id=a.action_id,
            owner="operator",
            title=manual_instructions(a),
            due_at=None,
            how=f"bulkhead action done {incident_id} {a.action_id} --operator NAME",
        )
        for a in actions
        if a.action_id in raised and a.state == "manual task"
    ]


def manual_instructions(action: ActionLine) -> str:
    return f"carry out {action.kind} in store {action.store_id} by hand (docs/containment.md names the steps)"


def open_role_tasks(entries: list[LedgerEntry], now: datetime) -> list[TaskLine]:
    done = {e.data.get("task_id") for e in entries if e.type is EntryType.TASK_DONE}
    return [
        TaskLine(
            task_id=str(e.data["task_id"]),
            owner=str(e.data["role"]),
            person=e.data.get("person"),
            title=str(e.data["title"]),
            due_at=_parse(e.data.get("due_at")),
            overdue=(_parse(e.data.get("due_at")) or now) < now,
            how=f"bulkhead task done {e.incident_id} {e.data['task_id']} --by NAME",
        )
        for e in entries
        if e.type is EntryType.TASK_CREATED and e.data.get("task_id") not in done
    ]


def _modes(controls: StoreControls | None, incident_id: str) -> tuple[str, ...]:
    if controls is None:
        return ()
    mine = [r for r in controls.rules if r.incident_id in (incident_id, None)]
    return tuple(
        dict.fromkeys(
            f"{m.value}" + (f" (segment {r.segment})" if r.segment else "") + f" until {r.expires_at:%Y-%m-%d %H:%M}"
            for r in mine
            for m in r.modes
            if m is not DegradationMode.NORMAL
        )
    )


def next_step(view: IncidentView) -> str:
    """The one thing to do next, most urgent first."""
    if view.state == "resolved":
        return f"nothing: resolved. Review it: bulkhead review {view.incident_id}"
    if view.pending_approval:
        return f"decide the approval ({view.pending_approval}): bulkhead approve {view.incident_id} --as PERSON"
    if view.pending_review:
        return (
            f"review the customer notice: bulkhead notice review {view.incident_id} --show, then "
            f"--approve or --reject --reason WHY, --as PERSON"
        )
    missed = [c for c in view.clocks if c.status == ClockStatus.MISSED.value and c.reference is None]
    if missed:
        return f"file {missed[0].clock_id} now (missed): {_file_command(view.incident_id, missed[0].clock_id)}"
    overdue = [t for t in view.tasks if t.overdue]
    if overdue:
        return f"overdue task for {overdue[0].owner}: {overdue[0].title} ({overdue[0].how})"
    running = [c for c in view.clocks if c.status == ClockStatus.OPEN.value]
    if running:
        c = running[0]
        return f"file {c.clock_id} with {c.authority}: {_file_command(view.incident_id, c.clock_id)}"
    if view.tasks:
        return f"{view.tasks[0].owner}: {view.tasks[0].title} ({view.tasks[0].how})"
    if view.state == "responding":
        return "wait for the response to finish (bulkhead status)"
    return f"close it: bulkhead incident close {view.incident_id} --by NAME"


def _file_command(incident_id: str, clock_id: str) -> str:
    regime, _, stage = clock_id.partition("/")
    staged = f" --stage {stage}" if stage else ""
    return f"bulkhead clock file {incident_id} {regime}{staged} --reference RECEIPT"


# --- what people record -------------------------------------------------------------------------


def note(request: NoteRequest, entries: list[LedgerEntry], ledger: Ledger, now: datetime) -> LedgerEntry:
    declaration(request.incident_id, entries)
    return ledger.append(
        request.incident_id,
        EntryDraft(
            type=EntryType.INCIDENT_NOTED,
            actor=request.by.actor,
            at=now,
            data={**request.by.facts, "text": request.text},
        ),
    )


def assign(request: AssignRequest, entries: list[LedgerEntry], ledger: Ledger, now: datetime) -> LedgerEntry:
    declaration(request.incident_id, entries)
    return ledger.append(
        request.incident_id,
        EntryDraft(
            type=EntryType.INCIDENT_ASSIGNED,
            actor=request.by.actor,
            at=now,
            data={**request.by.facts, "role": request.role.value, "person": request.person},
        ),
    )


def escalate(
    request: EscalateRequest,
    entries: list[LedgerEntry],
    config: FirmConfig,
    store: ClockStore,
    scheduler: ReminderScheduler,
    ledger: Ledger,
    runner: EscalationRunner,
    now: datetime,
) -> Escalated:
    """Record the new severity (and data now known to be at stake); start the clocks they add; run
    the containment and degradation the plan at the new facts adds (behind an approval where the
    policy asks for one) through the Escalation state machine."""
    declared = declaration(request.incident_id, entries)
    if _resolved(entries):
        raise AlreadyResolved(f"{request.incident_id} was closed by a person; declare a new incident instead")
    before = Severity(severity(entries))
    had = categories(entries)
    bad = [c for c in request.add_categories if c not in {d.value for d in DataCategory}]
    if bad:
        raise NotAnEscalation(f"--category: {bad[0]!r} is not one of {', '.join(d.value for d in DataCategory)}")
    added = tuple(c for c in dict.fromkeys(request.add_categories) if c not in had)
    if request.severity.rank <= before.rank and not added and request.customers is None:
        raise NotAnEscalation(
            f"{request.incident_id} is {before.value} already: escalate to a higher severity, or add data at stake"
        )
    waiting = pending_approval(entries)
    if waiting:
        raise ApprovalPending(
            f"{request.incident_id} waits for an approval ({waiting}): decide it first "
            f"(bulkhead approve {request.incident_id} --as PERSON), then escalate"
        )
    raised = max(before, request.severity, key=lambda s: s.rank)
    incident = _incident(request, declared, [*had, *added], config, store, raised)
    mode = Mode(str(declared.data.get("mode", Mode.LIVE.value)))
    existing = {c.clock_id for c in store.for_incident(request.incident_id)}
    wanted, _ = plan_clocks(incident, mode, config)
    new = [c for c in wanted if c.clock_id not in existing]
    ordinal = 1 + sum(1 for e in entries if e.type is EntryType.INCIDENT_ESCALATED)
    planned = any(e.type is EntryType.RESPONSE_PLANNED for e in entries)
    delta = difference(incident, mode, entries, config, ordinal) if planned else None
    not_replanned = None if planned else "the response has not planned yet: it plans from the declaration"
    actions = tuple(
        AddedAction(action_id=a.action_id, kind=a.kind.value, subjects=len(a.subjects))
        for a in (delta.actions if delta else ())
    )
    modes = tuple(m.value for m in delta.modes) if delta else ()
    approval = delta.plan.approval_required if delta and not delta.empty else False
    reasons = delta.plan.approval_reasons if delta and approval else ()
    ledger.append(
        request.incident_id,
        EntryDraft(
            type=EntryType.INCIDENT_ESCALATED,
            actor=request.by.actor,
            at=now,
            data={
                **request.by.facts,
                "from": before.value,
                "severity": raised.value,
                "added": list(added),
                "customers": request.customers,
                "reason": request.reason,
                "clocks_added": [c.clock_id for c in new],
                "actions_added": [a.model_dump() for a in actions],
                "modes_added": list(modes),
                "approval_required": approval,
                "approval_reasons": list(reasons),
                "mode": mode.value,
            }
            | ({"not_replanned": not_replanned} if not_replanned else {}),
        ),
    )
    started = [c for c in new if record_clock_start(c, store, scheduler, ledger, now, actor=request.by.actor)]
    execution = not_started = None
    if delta is not None and not delta.empty:
        run = EscalationRun(incident=incident, mode=mode, plan=delta.plan, modes_added=delta.modes, escalation=ordinal)
        execution, not_started = _start(run, runner, ledger, request.by.actor, now)
    return Escalated(
        incident_id=request.incident_id,
        previous=before.value,
        severity=raised.value,
        clocks_started=tuple(c.clock_id for c in started),
        actions_added=actions,
        modes_added=modes,
        approval_required=approval,
        approval_reasons=reasons,
        not_replanned=not_replanned,
        execution=execution,
        not_started=not_started,
    )


def _start(
    run: EscalationRun, runner: EscalationRunner, ledger: Ledger, actor: str, now: datetime
) -> tuple[str | None, str | None]:
    """The Escalation machine's execution, or why it did not start: recorded, so the ledger never
    leaves the added actions looking as if they run when they do not."""
    try:
        return runner.start(run), None
    except BulkheadError as exc:
        reason = str(exc)[:300]
        data = {"step": "StartEscalation", "error": type(exc).__name__, "message": reason}
        ledger.append(run.incident.incident_id, EntryDraft(type=EntryType.STEP_FAILED, actor=actor, at=now, data=data))
        return None, reason


def _incident(
    request: EscalateRequest,
    declared: LedgerEntry,
    cats: list[str],
    config: FirmConfig,
    store: ClockStore,
    raised: Severity,
) -> Incident:
    """The incident as the clocks and the planner see it, from the declaration and what the escalation adds."""
    facts: dict[str, Any] = declared.data
    known = [c.aware_at for c in store.for_incident(request.incident_id) if c.aware_at is not None]
    customers = request.customers if request.customers is not None else int(facts.get("customers", 0))
    return Incident(
        incident_id=request.incident_id,
        store_id=str(facts["store_id"]),
        platform=config.store(str(facts["store_id"])).platform,
        rule_id=str(facts.get("rule_id") or "declared"),
        title=f"escalated to {raised.value}",
        severity=raised,
        data_categories=tuple(DataCategory(c) for c in cats),
        scope=AffectedScope(components=tuple(facts.get("components", [])), customers=customers),
        jurisdictions=tuple(facts.get("jurisdictions", [])),
        aware_at=min(known, default=declared.at),
        declared_at=declared.at,
        signal_ids=(),
    )


def _resolved(entries: list[LedgerEntry]) -> bool:
    return any(e.type is EntryType.INCIDENT_RESOLVED for e in entries)


def close(request: CloseRequest, view: IncidentView, ledger: Ledger, now: datetime) -> Closed:
    """The commander closes the incident; with tasks or clocks still open only with a reason."""
    if view.state == "resolved":
        raise AlreadyResolved(f"{request.incident_id} is closed already")
    still = [f"clock {c.clock_id} ({c.status})" for c in view.clocks if c.status in {s.value for s in _RUNNING}]
    still += [f"task {t.task_id} ({t.owner})" for t in view.tasks]
    if view.pending_approval:
        still.append("an approval waits for a decision")
    if view.pending_review:
        still.append("a customer notice waits for its review")
    if still and not request.reason:
        raise CloseNeedsReason(f"still open: {', '.join(still)}. Close anyway with --reason WHY (recorded)")
    ledger.append(
        request.incident_id,
        EntryDraft(
            type=EntryType.INCIDENT_RESOLVED,
            actor=request.by.actor,
            at=now,
            data={**request.by.facts, "reason": request.reason, "open_items": still, "severity": view.severity},
        ),
    )
    return Closed(incident_id=request.incident_id, open_items=tuple(still))


def _parse(value: object) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None
