"""`bulkhead status`: the on-call dashboard's figures, from the local run."""

from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.console import Console

console = Console()


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f} s"


def status(
    state_dir: Path | None = typer.Option(None, "--state-dir", help="Local state directory (default .bulkhead/state)."),
) -> None:
    """Open incidents, time to detect/contain/notify, clock burn-down, actions, notifications, modes."""
    from bulkhead.cli.local import fabric
    from functions.clocks.wiring import oncall_figures
    from functions.common import clients

    with fabric(state_dir) as service:
        console.print(service.info.line())
        pages = (
            clients.client("dynamodb")
            .get_paginator("scan")
            .paginate(TableName=service.describe()["tables"]["Ledger"], ProjectionExpression="incident_id")
        )
        found = {i["incident_id"]["S"] for page in pages for i in page.get("Items", [])}
        incident_ids = sorted(i for i in found if i.startswith("inc-"))
        figures = oncall_figures(datetime.now(UTC), incident_ids)
        interrupted = service.describe()["interrupted"]
    for cut in interrupted:
        console.print(
            f"[red]Interrupted response[/red] {cut['incident_id']} (cut off at {cut['interrupted_at']}): "
            f"bulkhead incident resume {cut['incident_id']}  |  bulkhead incident abandon {cut['incident_id']}",
            soft_wrap=True,
        )
    by_severity = ", ".join(f"{k} {v}" for k, v in sorted(figures.open_by_severity.items())) or "none"
    console.print(f"Open incidents: {by_severity}")
    soonest = (
        f"{figures.soonest_clock} in {_seconds(figures.soonest_seconds_left)}" if figures.soonest_clock else "none"
    )
    console.print(
        f"Clocks: {figures.clocks_open} open, {figures.clocks_near} near (< 4 h), {figures.clocks_missed} missed; "
        f"soonest: {soonest}"
    )
    console.print(
        f"Waiting on people: {figures.pending_approvals} approvals, {figures.pending_notice_reviews} notice reviews, "
        f"{figures.open_manual_tasks} manual tasks, "
        f"{figures.notices_owed} notices owed ({figures.notices_sent} sent)"
    )
    last = figures.last_drill
    last_text = (
        f"{last.scenario} {'passed' if last.passed else 'FAILED'} {figures.last_drill_age_hours():.1f} h ago"
        if last
        else "none scored"
    )
    console.print(
        f"Drills (apart from the live figures): {figures.drills_open} open, {figures.drill_clocks_open} clocks "
        f"open (never paged); last drill: {last_text}"
    )
    # One block per incident, not a wide table: it reads on an 80-column terminal at 3 a.m.
    console.print("Incidents:" if figures.incidents else "Incidents: none")
    for i in figures.incidents:
        waiting = "  NOTICE REVIEW PENDING" if i.pending_notice_reviews else ""
        waiting += "  APPROVAL PENDING" if i.pending_approvals else ""
        console.print(f"  {i.incident_id}  {i.mode}  {i.severity}  {'open' if i.open else 'closed'}{waiting}")
        console.print(
            f"    detect {_seconds(i.time_to_detect_seconds)} · contain {_seconds(i.time_to_contain_seconds)} · "
            f"notify {_seconds(i.time_to_notify_seconds)}; actions {i.actions_applied} applied, "
            f"{i.actions_failed} failed; notices {i.notifications_sent} sent, {i.notifications_bounced} bounced, "
            f"{i.notifications_failed} failed; steps failed {i.steps_failed}",
            markup=False,
        )
    for store in figures.stores:
        expiry = f", expires {store.expires_at:%Y-%m-%d %H:%M} UTC" if store.expires_at else ""
        warn = " [red]PAST EXPIRY[/red]" if store.past_expiry else ""
        console.print(f"Store {store.store_id}: {', '.join(store.modes)}{expiry}{warn}")
    console.print(
        "Ingest 4xx/5xx and state machine failures: CloudWatch only (API Gateway and Step Functions metrics)."
    )
