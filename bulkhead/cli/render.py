"""How the CLI shows a run to a person: tables, not JSON."""

from typing import Any

from rich.console import Console
from rich.table import Table

from bulkhead.local.drill import DrillRun


def awaiting(console: Console, incident_id: str, outcome: dict[str, Any]) -> None:
    """Whether the response closed the incident, or left it open for a person (manual tasks)."""
    if outcome.get("incident_closed", True):
        console.print(f"Incident {incident_id} closed by the response: no manual task is open.")
        return
    tasks = list(outcome.get("open_tasks", []))
    console.print(
        f"[yellow]Incident {incident_id} stays open: {len(tasks)} manual tasks await a person "
        f"({', '.join(tasks)}).[/yellow] Record each with `bulkhead action done {incident_id} ACTION --operator NAME` "
        f"(the last one closes the incident), or close it with `bulkhead incident close {incident_id} --by NAME "
        "--reason WHY`.",
        soft_wrap=True,
    )


def drill_run(console: Console, run: DrillRun) -> None:
    console.print(f"Forged webhook: HTTP {run.forged_status}, events emitted: {run.forged_emitted}")
    console.print(f"Signed webhook: HTTP {run.accepted_status}")
    if run.incident_id is None:
        console.print("[red]No incident was declared.[/red]")
        return
    console.print(f"Incident [bold]{run.incident_id}[/bold]: response {run.execution_status}")
    table = Table(title="Timeline", show_lines=False)
    for column, justify in (("step", "left"), ("start", "right"), ("duration", "right"), ("outcome", "left")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    origin = run.steps[0].started if run.steps else None
    for step in run.steps:
        offset = (step.started - origin).total_seconds() * 1000 if origin else 0.0
        colour = "green" if step.outcome == "ok" else "yellow" if step.outcome == "retried" else "red"
        table.add_row(step.name, f"+{offset:,.0f} ms", f"{step.seconds * 1000:,.0f} ms", f"[{colour}]{step.outcome}[/]")
    console.print(table)
    outcome = run.outcome
    if outcome:
        console.print(
            f"Outcome: {outcome.get('actions_applied', 0)} actions applied, {outcome.get('manual_tasks', 0)} manual "
            f"tasks, {outcome.get('actions_failed', 0)} failed; modes {', '.join(outcome.get('modes', [])) or 'none'}; "
            f"{outcome.get('customers_notified', 0)} customers notified"
        )
        awaiting(console, run.incident_id, outcome)
    ledger = Table(title=f"Ledger of {run.incident_id}")
    for column in ("seq", "type", "actor", "hash"):
        ledger.add_column(column)
    for entry in run.entries:
        ledger.add_row(str(entry.seq), entry.type.value, entry.actor, entry.hash[:16] + "...")
    console.print(ledger)
    verdict = run.verdict
    if verdict and verdict.valid:
        milestones = [a for a in verdict.anchors if a.milestone.value != "checkpoint"]
        anchored = ", ".join(f"{a.milestone.value} (seq {a.seq})" for a in milestones)
        console.print(
            f"[green]Ledger verified[/green]: {verdict.entries} entries chained, head {verdict.head_hash[:16]}...; "
            f"{len(verdict.anchors)} heads signed and anchored, milestones at {anchored or 'none'}"
        )
    elif verdict:
        console.print(f"[red]Ledger broken at seq {verdict.first_bad_seq}[/red]: {verdict.problem}")
    console.print(f"Webhook receipt to response complete: {run.webhook_to_done_seconds * 1000:,.0f} ms")
