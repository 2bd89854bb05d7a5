"""`bulkhead incident list | show | note | assign | escalate | close`: the people who run an incident.

Locally through the service of the state directory, or `--target aws` with the deployment's
settings in the environment; the same readers and domain code either way.
"""

from datetime import UTC, datetime
from io import StringIO
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from bulkhead.cli.identity import BY, acting, by_option, person_named
from bulkhead.cli.ids import INCIDENT
from bulkhead.cli.incident import incident_app
from bulkhead.cli.reach import STATE_DIR, TARGET, Target, reach
from bulkhead.cli.refusals import refusals

if TYPE_CHECKING:
    from functions.incidents.models import Escalated, IncidentView

console = Console()


def _left(seconds: float | None) -> str:
    from bulkhead.cli.clocks import _left as left

    return left(seconds)


def _fail(verb: str, exc: Exception, code: int = 1) -> typer.Exit:
    console.print(f"[red]{verb}:[/red] {exc}")
    return typer.Exit(code)


def _invalid(exc: Exception) -> typer.Exit:
    from pydantic import ValidationError

    assert isinstance(exc, ValidationError)
    problems = "; ".join(f"{err['loc'][0]}: {err['msg']}" for err in exc.errors())
    console.print(f"[red]invalid:[/red] {problems}")
    return typer.Exit(2)


def _bad(exc: typer.BadParameter) -> typer.Exit:
    """A person off the roster (bulkhead.cli.identity): named with the option, exit 2, nothing recorded."""
    console.print(f"[red]invalid:[/red] {exc.param_hint}: {exc.message}", soft_wrap=True)
    return typer.Exit(2)


def load_view(incident: str, now: datetime) -> "IncidentView":
    """The incident's screen, from the ledger, its clocks and its store's controls (inside `reach`)."""
    from functions.clocks.wiring import clock_store
    from functions.incidents import wiring
    from functions.incidents.domain import build_view, declaration

    entries = list(wiring.chain().entries(incident))
    store_id = str(declaration(incident, entries).data.get("store_id", ""))
    controls = wiring.controls().current(store_id) if store_id else None
    return build_view(incident, entries, clock_store().for_incident(incident), controls, now)


@incident_app.command("list")
def list_incidents(
    all_: bool = typer.Option(False, "--all", help="Also incidents a person closed."),
    target: Target = TARGET,
    state_dir: Path | None = STATE_DIR,
) -> None:
    """Every incident in the ledger, newest first: severity, state, commander, what is open."""
    from functions.incidents import wiring

    now = datetime.now(UTC)
    with reach(target, state_dir):
        views = [load_view(i, now) for i in wiring.index().incident_ids()]
    shown = [v for v in views if all_ or v.state != "resolved"]
    if not shown:
        console.print("No open incidents." + ("" if all_ else " (--all shows closed ones too)"))
        return
    table = Table(box=box.SIMPLE_HEAD, show_edge=False)
    for column in ("incident", "store", "severity", "mode", "state", "commander", "clocks", "tasks"):
        table.add_column(column, no_wrap=column == "incident")
    for v in shown:
        running = sum(1 for c in v.clocks if c.status == "open")
        table.add_row(
            v.incident_id, v.store_id, v.severity, v.mode, v.state, v.commander or "-", str(running), str(len(v.tasks))
        )
    console.print(table)


@incident_app.command("show")
def show(
    incident: str = INCIDENT,
    html: Path | None = typer.Option(None, "--html", help="Also write the screen as an HTML page (to share or print)."),
    target: Target = TARGET,
    state_dir: Path | None = STATE_DIR,
) -> None:
    """The one screen on-call needs: what is at stake, what runs, who owes what, and the next step."""
    from functions.common.errors import BulkheadError

    now = datetime.now(UTC)
    try:
        with reach(target, state_dir):
            view = load_view(incident, now)
    except BulkheadError as exc:
        raise _fail("unknown", exc) from exc
    render_view(view, now, console)
    if html is not None:
        page = Console(record=True, width=140, file=StringIO(), highlight=False)
        render_view(view, now, page)
        html.write_text(page.export_html(inline_styles=True))
        console.print(f"written: {html}")


def render_view(v: "IncidentView", now: datetime, console: Console) -> None:
    severity = v.severity + (f" (declared {v.declared_severity})" if v.severity != v.declared_severity else "")
    console.print(f"[bold]{v.incident_id}[/bold]  {v.store_id}  severity [bold]{severity}[/bold]  {v.mode}  {v.state}")
    console.print(f"commander: {v.commander or 'none assigned (bulkhead incident assign)'}")
    console.print(
        f"data: {', '.join(v.data_categories) or '-'}   scope: {v.customers} customers, "
        f"{', '.join(v.components) or 'no components'}; jurisdictions {', '.join(v.jurisdictions) or '-'}"
    )
    console.print(f"declared {v.declared_at:%Y-%m-%d %H:%M} UTC ({_left((now - v.declared_at).total_seconds())} ago)")
    clocks = Table("clock", "authority", "status", "deadline (UTC)", "left", box=box.SIMPLE_HEAD, title="Clocks")
    for c in v.clocks:
        deadline = f"{c.deadline:%Y-%m-%d %H:%M}" if c.deadline else "-"
        status = c.status + (f" ({c.reference})" if c.reference else "")
        clocks.add_row(c.clock_id, c.authority, status, deadline, _left(c.seconds_left))
    console.print(clocks if v.clocks else "Clocks: none")
    console.print(f"approval: {'WAITING - ' + v.pending_approval if v.pending_approval else 'none pending'}")
    review = f"WAITING - {v.pending_review}" if v.pending_review else "none pending"
    console.print(f"notice review: {review}", soft_wrap=True)
    console.print(f"plan: {v.plan or 'not planned yet'}", soft_wrap=True)
    tasks = Table("task", "owner", "due (UTC)", "what", box=box.SIMPLE_HEAD, title="Open tasks")
    for t in v.tasks:
        due = f"{t.due_at:%Y-%m-%d %H:%M}" + (" OVERDUE" if t.overdue else "") if t.due_at else "-"
        owner = t.owner + (f" ({t.person})" if t.person else "")
        tasks.add_row(t.task_id, owner, due, f"{t.title}\n  {t.how}")
    console.print(tasks if v.tasks else "Open tasks: none")
    actions = Table("action", "kind", "store", "state", box=box.SIMPLE_HEAD, title="Containment actions")
    for a in v.actions:
        actions.add_row(a.action_id, a.kind, a.store_id, a.state)
    console.print(actions if v.actions else "Containment actions: none")
    console.print(f"degradation in force: {'; '.join(v.modes) or 'none'}")
    console.print(
        f"notices: {v.notices_sent} sent to customers, {v.notices_owed} owed; "
        f"{v.regulator_drafts} regulator drafts (bulkhead notice drafts); {v.notes} notes"
    )
    console.print(f"[bold]next:[/bold] {v.next_step}", soft_wrap=True)


@incident_app.command("note")
def note(
    incident: str = INCIDENT,
    text: str = typer.Argument(..., help="What happened or was decided (recorded verbatim)."),
    by: str | None = BY,
    target: Target = TARGET,
    state_dir: Path | None = STATE_DIR,
) -> None:
    """Add a note to the incident's ledger, naming who wrote it."""

    from functions.common.wiring import firm_config
    from functions.incidents import domain, wiring
    from functions.incidents.models import NoteRequest
    from functions.ledger.wiring import ledger

    with refusals(console, "not recorded"), reach(target, state_dir):
        who = acting(target, by, firm_config)
        request = NoteRequest(incident_id=incident, by=who, text=text)
        entry = domain.note(request, list(wiring.chain().entries(incident)), ledger(), datetime.now(UTC))
    console.print(f"noted by {who.name} (ledger entry {entry.seq})")


@incident_app.command("assign")
def assign(
    incident: str = INCIDENT,
    person: str = typer.Option(..., "--to", help="Who takes the role: a roster person (id or name)."),
    role: str = typer.Option("incident_commander", "--role", help="incident_commander, security, dpo, ..."),
    by: str | None = BY,
    target: Target = TARGET,
    state_dir: Path | None = STATE_DIR,
) -> None:
    """Name who holds a role for this incident (by default its commander)."""

    from functions.common.wiring import firm_config
    from functions.incidents import domain, wiring
    from functions.incidents.models import AssignRequest
    from functions.ledger.wiring import ledger

    with refusals(console, "not assigned"), reach(target, state_dir):
        who = acting(target, by, firm_config)
        named = person_named(person, firm_config, "--to").name
        request = AssignRequest.model_validate({"incident_id": incident, "by": who, "role": role, "person": named})
        domain.assign(request, list(wiring.chain().entries(incident)), ledger(), datetime.now(UTC))
    console.print(f"{named} is {request.role.value} of {incident} (assigned by {who.name}; recorded)")


@incident_app.command("escalate")
def escalate(
    incident: str = INCIDENT,
    severity: str = typer.Option(..., "--severity", help="The new severity: low, medium, high, critical."),
    reason: str = typer.Option(..., "--reason", help="Why (recorded)."),
    by: str | None = BY,
    category: list[str] = typer.Option([], "--category", help="Data now known to be at stake (repeatable)."),
    customers: int | None = typer.Option(None, "--customers", min=0, help="How many customers are now known."),
    target: Target = TARGET,
    state_dir: Path | None = STATE_DIR,
) -> None:
    """Raise the severity (and what is at stake): recorded, and the clocks the new facts add start."""

    from functions.clocks.wiring import clock_store, reminders
    from functions.common.wiring import firm_config
    from functions.incidents import domain, wiring
    from functions.incidents.models import EscalateRequest
    from functions.ledger.wiring import ledger

    with refusals(console, "not escalated"), reach(target, state_dir):
        who = acting(target, by, firm_config)
        request = EscalateRequest.model_validate(
            {
                "incident_id": incident,
                "by": who,
                "severity": severity,
                "reason": reason,
                "add_categories": category,
                "customers": customers,
            }
        )
        entries = list(wiring.chain().entries(incident))
        done = domain.escalate(
            request,
            entries,
            firm_config(),
            clock_store(),
            reminders(),
            ledger(),
            wiring.escalation_runner(),
            datetime.now(UTC),
        )
    print_escalated(done, who.name, console)


def print_escalated(done: "Escalated", by: str, console: Console) -> None:
    """What the escalation did, as `incident.escalated` records it: clocks, actions and modes added."""
    started = ", ".join(done.clocks_started) or "none (the clocks already running cover it)"
    console.print(f"{done.incident_id}: {done.previous} -> {done.severity} by {by}; clocks started: {started}")
    if done.not_replanned:
        console.print(f"containment not re-planned: {done.not_replanned}", soft_wrap=True)
        return
    if not done.actions_added and not done.modes_added:
        console.print(
            "nothing new to contain: the response already planned every action and mode this severity calls for"
        )
        return
    for a in done.actions_added:
        console.print(f"action added: {a.action_id} {a.kind} ({a.subjects} subjects)", soft_wrap=True, markup=False)
    console.print(f"modes added: {', '.join(done.modes_added) or 'none'}")
    if done.not_started:
        console.print(
            f"[red]the added actions and modes did not start:[/red] {done.not_started} (recorded; on-call: "
            f"run them by hand or fix the setting and escalate again)",
            soft_wrap=True,
        )
        raise typer.Exit(1)
    if done.approval_required:
        console.print(
            f"they wait for approval ({'; '.join(done.approval_reasons)}): "
            f"bulkhead approve {done.incident_id} --as PERSON",
            soft_wrap=True,
            markup=False,
        )
    else:
        console.print(
            f"started without approval (the policy asks none for this): follow it with "
            f"bulkhead incident show {done.incident_id}"
        )


@incident_app.command("close")
def close(
    incident: str = INCIDENT,
    by: str | None = BY,
    reason: str = typer.Option("", "--reason", help="Needed when tasks or clocks are still open (recorded)."),
    target: Target = TARGET,
    state_dir: Path | None = STATE_DIR,
) -> None:
    """Close the incident; with open tasks, approvals or unfiled clocks only with --reason."""

    from functions.common.wiring import firm_config
    from functions.incidents import domain
    from functions.incidents.models import CloseRequest
    from functions.ledger.wiring import ledger

    now = datetime.now(UTC)
    with refusals(console, "not closed"), reach(target, state_dir):
        who = acting(target, by, firm_config)
        request = CloseRequest(incident_id=incident, by=who, reason=reason or None)
        closed = domain.close(request, load_view(incident, now), ledger(), now)
    left = f"; still open, recorded with the reason: {', '.join(closed.open_items)}" if closed.open_items else ""
    console.print(f"{incident} closed by {who.name}{left}", soft_wrap=True)


@incident_app.command("dpo-informed")
def dpo_informed(
    incident: str = INCIDENT,
    by: str | None = BY,
    at: str = typer.Option(
        ..., "--at", help="When the DPO was told: ISO 8601 with a timezone, e.g. 2026-11-27T10:15Z."
    ),
    channel: str = typer.Option(..., "--channel", help="phone, email, in_person, chat, video, sms or page."),
    dpo: str = typer.Option(
        "", "--dpo", help="Who was told: a roster person, id or name (default: the first DPO of the roster)."
    ),
    target: Target = TARGET,
    state_dir: Path | None = STATE_DIR,
) -> None:
    """Record when the DPO was told out of band (GDPR Art. 33: the clock runs from awareness)."""
    from pydantic import ValidationError

    from functions.common.config import Role
    from functions.common.errors import BulkheadError
    from functions.common.wiring import firm_config
    from functions.incidents import wiring
    from functions.incidents.breach_record import Channel, DpoInformedRequest, record_dpo_informed
    from functions.ledger.wiring import ledger

    try:
        told_at = datetime.fromisoformat(at.replace("Z", "+00:00") if at.endswith("Z") else at)
    except ValueError as exc:
        console.print(f"[red]invalid:[/red] --at: {at!r} is not an ISO 8601 time (e.g. 2026-11-27T10:15:00Z)")
        raise typer.Exit(2) from exc
    if channel not in {c.value for c in Channel}:
        console.print(f"[red]invalid:[/red] --channel: {channel!r} is not one of {', '.join(c.value for c in Channel)}")
        raise typer.Exit(2)
    try:
        with reach(target, state_dir):
            recorder = acting(target, by, firm_config)
            roster = firm_config().people(Role.DPO)
            who = person_named(dpo, firm_config, "--dpo").name if dpo else (roster[0].name if roster else "")
            if not who:
                console.print("[red]invalid:[/red] --dpo: the firm's configuration names no DPO; name who was told")
                raise typer.Exit(2)
            request = DpoInformedRequest(
                incident_id=incident, by=recorder, dpo=who, at=told_at, channel=Channel(channel)
            )
            done = record_dpo_informed(request, list(wiring.chain().entries(incident)), ledger(), datetime.now(UTC))
    except ValidationError as exc:
        raise _invalid(exc) from exc
    except typer.BadParameter as exc:
        raise _bad(exc) from exc
    except BulkheadError as exc:
        code = 2 if type(exc).__name__ == "InvalidRecord" else 1
        raise _fail("not recorded", exc, code) from exc
    when = f"{told_at.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"
    if not done.changed:
        console.print(f"already recorded: {who} told at {when} by {channel} (ledger entry {done.seq}); no change")
        return
    console.print(f"{who} (DPO) told at {when} by {channel}; recorded by {recorder.name} (ledger entry {done.seq})")


@incident_app.command("facts")
def facts(
    incident: str = INCIDENT,
    by: str | None = by_option(),
    facts_text: str = typer.Option("", "--facts", help="The facts of the breach."),
    effects: str = typer.Option("", "--effects", help="Its effects (likely consequences for the people)."),
    remedial: str = typer.Option("", "--remedial", help="The remedial action taken or proposed."),
    from_file: Path | None = typer.Option(
        None, "--from-file", exists=True, dir_okay=False, help="JSON with facts, effects, remedial (e.g. a --draft)."
    ),
    draft: Path | None = typer.Option(
        None, "--draft", dir_okay=False, help="Write a draft pre-filled from the ledger to FILE; records nothing."
    ),
    target: Target = TARGET,
    state_dir: Path | None = STATE_DIR,
) -> None:
    """The GDPR Art. 33(5) record (facts, effects, remedial action): recorded, or amended as a new entry."""
    import json

    from pydantic import ValidationError

    from functions.common.errors import BulkheadError
    from functions.common.wiring import firm_config
    from functions.incidents import wiring
    from functions.incidents.breach_record import FactsRequest, draft_facts, record_facts
    from functions.ledger.wiring import ledger

    if draft is not None:
        try:
            with reach(target, state_dir):
                made = draft_facts(incident, list(wiring.chain().entries(incident)))
        except BulkheadError as exc:
            raise _fail("no draft", exc) from exc
        draft.write_text(json.dumps(made.model_dump(), indent=2, ensure_ascii=False) + "\n")
        console.print(
            f"draft written: {draft} (edit it, then: bulkhead incident facts {incident} --from-file {draft} --by NAME)"
        )
        return
    if not by:
        console.print("[red]invalid:[/red] --by: name who writes the record")
        raise typer.Exit(2)
    try:
        given = json.loads(from_file.read_text()) if from_file else {}
    except ValueError as exc:
        console.print(f"[red]invalid:[/red] --from-file: {exc}")
        raise typer.Exit(2) from exc
    if not isinstance(given, dict):
        console.print("[red]invalid:[/red] --from-file: the file must hold a JSON object with facts, effects, remedial")
        raise typer.Exit(2)
    record = {
        "facts": facts_text or given.get("facts", ""),
        "effects": effects or given.get("effects", ""),
        "remedial": remedial or given.get("remedial", ""),
    }
    missing = [f"--{k}" for k, v in record.items() if not str(v).strip()]
    if missing:
        console.print(f"[red]invalid:[/red] {', '.join(missing)}: empty (the record needs facts, effects and remedial)")
        raise typer.Exit(2)
    try:
        with reach(target, state_dir):
            who = acting(target, by, firm_config)
            request = FactsRequest.model_validate({"incident_id": incident, "by": who, "record": record})
            done = record_facts(request, list(wiring.chain().entries(incident)), ledger(), datetime.now(UTC))
    except typer.BadParameter as exc:
        raise _bad(exc) from exc
    except ValidationError as exc:
        problems = "; ".join(f"--{err['loc'][-1]}: {err['msg']}" for err in exc.errors())
        console.print(f"[red]invalid:[/red] {problems}")
        raise typer.Exit(2) from exc
    except BulkheadError as exc:
        code = 2 if type(exc).__name__ == "InvalidRecord" else 1
        raise _fail("not recorded", exc, code) from exc
    if not done.changed:
        console.print(f"already recorded as revision {done.revision} (ledger entry {done.seq}); no change")
        return
    console.print(f"Art. 33(5) record revision {done.revision} by {who.name} (ledger entry {done.seq})")
