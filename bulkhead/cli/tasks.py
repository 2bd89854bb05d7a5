"""`bulkhead task list | done | sweep`: the roles' tasks of an incident (DPO, customer service, ...)."""

from datetime import UTC, datetime
from pathlib import Path

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from bulkhead.cli.identity import BY, acting
from bulkhead.cli.ids import INCIDENT, incident_argument
from bulkhead.cli.reach import STATE_DIR, TARGET, Target, reach
from bulkhead.cli.refusals import refusals

console = Console()
task_app = typer.Typer(help="Tasks per role across departments, due from the clocks.", no_args_is_help=True)


@task_app.command("list")
def task_list(
    incident: str = incident_argument("", help="One incident; default: every incident not closed by a person."),
    target: Target = TARGET,
    state_dir: Path | None = STATE_DIR,
) -> None:
    """Open tasks, soonest due first: role, person, due time, what and how to close it."""
    from functions.incidents import wiring
    from functions.incidents.domain import build_view

    now = datetime.now(UTC)
    with refusals(console, "unknown"), reach(target, state_dir):
        wanted = [incident] if incident else wiring.index().incident_ids()
        views = [build_view(i, list(wiring.chain().entries(i)), (), None, now) for i in wanted]
    rows = [(v.incident_id, t) for v in views if incident or v.state != "resolved" for t in v.tasks]
    if not rows:
        console.print("No open tasks.")
        return
    table = Table("incident", "task", "owner", "due (UTC)", "what / done with", box=box.SIMPLE_HEAD)
    for incident_id, t in sorted(rows, key=lambda r: (r[1].due_at is None, r[1].due_at or now)):
        due = (f"{t.due_at:%Y-%m-%d %H:%M}" + (" OVERDUE" if t.overdue else "")) if t.due_at else "-"
        owner = t.owner + (f" ({t.person})" if t.person else "")
        table.add_row(incident_id, t.task_id, owner, due, f"{t.title}\n{t.how}")
    console.print(table)


@task_app.command("done")
def task_done(
    incident: str = INCIDENT,
    task: str = typer.Argument(..., help="The task id (bulkhead task list)."),
    by: str | None = BY,
    note: str = typer.Option("", "--note", help="What was decided (recorded)."),
    target: Target = TARGET,
    state_dir: Path | None = STATE_DIR,
) -> None:
    """Record a task as done, naming who did it."""
    from functions.common.wiring import firm_config
    from functions.incidents import wiring
    from functions.incidents.tasks import TaskDone, complete_task
    from functions.ledger.wiring import ledger

    with refusals(console, "not recorded"), reach(target, state_dir):
        who = acting(target, by, firm_config)
        request = TaskDone(incident_id=incident, task_id=task, by=who, note=note)
        complete_task(request, list(wiring.chain().entries(incident)), ledger(), datetime.now(UTC))
    console.print(f"{task} done by {who.name}; recorded in the ledger")


@task_app.command("sweep")
def task_sweep(target: Target = TARGET, state_dir: Path | None = STATE_DIR) -> None:
    """What the scheduled clock sweep does for tasks, now: create the due ones, escalate the overdue."""
    from functions.incidents import wiring

    with reach(target, state_dir):
        created, overdue = wiring.sweep_tasks(wiring.index().incident_ids(), datetime.now(UTC))
    console.print(f"tasks created: {', '.join(created) or 'none'}", soft_wrap=True)
    console.print(f"tasks overdue, escalated: {', '.join(overdue) or 'none'}", soft_wrap=True)
