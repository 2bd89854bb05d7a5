"""`bulkhead restore` and `bulkhead action done`: undo an incident's containment; close manual tasks.

In AWS, `restore INCIDENT --target aws --state-machine-arn ARN` starts the Restore state machine,
recorded under the caller's IAM principal, and waits for its outcome. Locally, `restore INCIDENT
--as PERSON` runs the same state machine on the local fabric, whose state directory keeps the
ledger, the sealed pre-states, their key and the sandbox stores between commands (`bulkhead drill`,
then `bulkhead restore INC --as PERSON`); `restore --drill` contains and restores in one run.
"""

import json
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from bulkhead.cli.identity import BY, acting, by_option
from bulkhead.cli.ids import INCIDENT, incident_argument
from bulkhead.cli.reach import STATE_DIR, TARGET, Target, reach

if TYPE_CHECKING:
    from functions.common.config import FirmConfig
    from functions.common.people import Acted

console = Console()
action_app = typer.Typer(help="Containment actions: record manual tasks as done.", no_args_is_help=True)


def _wait(sfn: Any, arn: str, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        execution = dict(sfn.describe_execution(executionArn=arn))
        if execution["status"] != "RUNNING":
            return execution
        time.sleep(0.5 if timeout > 60 else 0.05)
    raise TimeoutError(f"restore {arn} still running after {timeout:.0f} s")


def _start(sfn: Any, machine: str, incident: str, dry_run: bool, restored_by: str, mode: str = "live") -> str:
    body = {"incident_id": incident, "mode": "dry_run" if dry_run else mode, "restored_by": restored_by}
    return str(
        sfn.start_execution(stateMachineArn=machine, input=json.dumps(body), name=str(uuid.uuid4()))["executionArn"]
    )


# What the restore's outcome counts, as the ledger records it (containment.models.RestoreOutcome).
_COLUMNS = (
    ("reverted", "reverted (changed)"),
    ("unchanged", "already as before"),
    ("already_reverted", "reverted earlier"),
    ("would_revert", "would revert"),
    ("not_reversible", "not reversible"),
    ("manual_tasks", "manual tasks"),
    ("failed", "failed"),
    ("modes_cleared", "modes cleared"),
)


def _refuse(message: str) -> NoReturn:
    console.print(f"[red]{message}[/red]", soft_wrap=True)
    raise typer.Exit(2)


def _firm() -> "FirmConfig":
    from functions.common.wiring import firm_config

    return firm_config()


def _verified(action: dict[str, Any]) -> str:
    if action.get("verified") is None:
        return "-"
    return "yes" if action["verified"] else "NO"


def _summary(state: dict[str, Any] | None) -> str:
    if state is None:
        return "-"
    return ", ".join(f"{k} {v}" for k, v in sorted(state.items()) if k != "sha256")


def _show(execution: dict[str, Any]) -> None:
    if execution["status"] != "SUCCEEDED":
        error, cause = execution.get("error", ""), execution.get("cause", "")
        reason = json.loads(cause).get("errorMessage", cause) if cause.startswith("{") else cause
        console.print(f"[red]restore {execution['status'].lower()}:[/red] {error}: {reason}")
        raise typer.Exit(1)
    outcome = json.loads(execution["output"])
    for action in outcome.get("actions", []):
        console.print(
            f"{action['action_id']} {action['kind']}: {action['status']}, {action['changed']} changed; "
            f"before {_summary(action.get('before'))} -> after {_summary(action.get('after'))}; "
            f"verified {_verified(action)}" + (f" ({action['detail']})" if action["detail"] else ""),
            soft_wrap=True,
            markup=False,
        )
    figures = ", ".join(f"{outcome.get(key, 0)} {label}" for key, label in _COLUMNS)
    console.print(f"Restore of {outcome['incident_id']} by {outcome['restored_by']}: {figures}.", soft_wrap=True)
    if not any(outcome.get(k) for k in ("reverted", "unchanged", "modes_cleared", "manual_tasks", "failed")):
        console.print("Nothing left to restore: every action was reverted before (a restore is safe to repeat).")
    if outcome["failed_actions"]:
        console.print(
            f"[red]Not restored (on-call paged): {', '.join(outcome['failed_actions'])}[/red]: restore them by hand "
            "or run the restore again; see the incident's ledger.",
            soft_wrap=True,
        )
    if outcome["manual_tasks"] or outcome.get("modes_failed"):
        console.print("[yellow]Some steps need a human: see the incident's ledger (bulkhead ledger verify).[/yellow]")
    if outcome["failed"] or outcome.get("modes_failed"):
        raise typer.Exit(1)


def restore(
    incident: str = incident_argument("", help="Incident whose containment to undo (AWS: with --state-machine-arn)."),
    state_machine_arn: str = typer.Option("", "--state-machine-arn", help="The deployed Restore state machine."),
    as_person: str | None = BY,
    target: Target = TARGET,
    drill: bool = typer.Option(False, "--drill", help="Locally: contain a drill incident, then restore it."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Plan the restore; change nothing."),
    timeout: float = typer.Option(900.0, help="Seconds to wait for the outcome."),
    state_dir: Path | None = typer.Option(None, "--state-dir", help="Local state directory (default .bulkhead/state)."),
) -> None:
    """Undo every containment action of an incident, newest first, from its stored pre-state.

    Each action is read back against its pre-state; one that does not match counts as failed (exit 1).
    Without --target aws it runs on the local fabric, against the sandbox stores.
    """
    try:
        _restore(incident, state_machine_arn, target, drill, dry_run, timeout, state_dir, as_person)
    except typer.BadParameter as exc:  # who restores is not on the roster (bulkhead.cli.identity)
        _refuse(f"{exc.param_hint}: {exc.message}")


def _restore(
    incident: str,
    state_machine_arn: str,
    target: Target,
    drill: bool,
    dry_run: bool,
    timeout: float,
    state_dir: Path | None,
    as_person: str | None,
) -> None:
    if state_machine_arn:
        target = Target.AWS
    if drill:
        _restore_drill(dry_run, as_person)
        return
    if not incident:
        console.print("[red]restore needs INCIDENT (or --drill to try it locally)[/red]")
        raise typer.Exit(2)
    if target is Target.LOCAL:
        _restore_local(incident, dry_run, state_dir, as_person)
        return
    if not state_machine_arn:
        _refuse("--state-machine-arn: --target aws needs the deployed Restore state machine's ARN")
    from functions.common.clients import client
    from functions.common.wiring import firm_config

    by = acting(Target.AWS, as_person, firm_config, "--as").actor
    sfn = client("stepfunctions")
    _show(_wait(sfn, _start(sfn, state_machine_arn, incident, dry_run, by), timeout))


def _restore_local(incident: str, dry_run: bool, state_dir: Path | None, as_person: str | None) -> None:
    from bulkhead.cli.local import fabric
    from bulkhead.local import paths
    from functions.common.clients import client

    where = state_dir or paths.DEFAULT_STATE_DIR
    if not (where / "fabric.json").exists():
        console.print(f"[red]no local state[/red] in {where}: run `bulkhead drill` first")
        raise typer.Exit(1)
    with fabric(where) as service:
        by = acting(Target.LOCAL, as_person, _firm, "--as").actor
        before = service.control("GET", "/local/sandboxes")["sandboxes"]
        sfn = client("stepfunctions")
        machine = service.describe()["state_machines"]["Restore"]
        # Locally every store is a sandbox: the restore is a drill-mode run, like the response was.
        execution = _wait(sfn, _start(sfn, machine, incident, dry_run, by, mode="drill"), 120)
        after = service.control("GET", "/local/sandboxes")["sandboxes"]
    changed = [store_id for store_id in before if before[store_id] != after[store_id]]
    console.print(f"Sandbox stores changed by the restore: {', '.join(changed) or 'none'}")
    _show(execution)


def _restore_drill(dry_run: bool, as_person: str | None) -> None:
    from bulkhead.local.drill import run_thin_path
    from bulkhead.local.runtime import local_fabric
    from functions.common.clients import client
    from functions.containment.adapters.shopify import CONTAINMENT_TAG

    with local_fabric(log_level="ERROR") as fabric:
        by = acting(Target.LOCAL, as_person, _firm, "--as").actor
        sandbox = fabric.sandboxes["acme-eu"]
        before = sandbox.snapshot()
        run = run_thin_path(fabric)
        if run.incident_id is None:
            console.print("[red]the drill declared no incident[/red]")
            raise typer.Exit(1)
        contained = sandbox.snapshot()
        sfn = client("stepfunctions")
        execution = _wait(sfn, _start(sfn, fabric.state_machines["Restore"], run.incident_id, dry_run, by), 120)
        after = sandbox.snapshot()
    table = Table("sandbox acme-eu", "before", "contained", "restored")
    tagged = [sum(CONTAINMENT_TAG in c["tags"] for c in s["customers"].values()) for s in (before, contained, after)]
    table.add_row("storefront tokens", *(str(len(s["storefront_tokens"])) for s in (before, contained, after)))
    table.add_row("webhook subscriptions", *(str(len(s["webhooks"])) for s in (before, contained, after)))
    table.add_row(f"customers tagged {CONTAINMENT_TAG}", *(str(n) for n in tagged))
    console.print(table)
    _show(execution)


@action_app.command("done")
def action_done(
    incident: str = INCIDENT,
    action_id: str = typer.Argument(..., help="The manual task's action id (act-...)."),
    operator: str | None = by_option("-o"),
    target: Target = TARGET,
    state_dir: Path | None = STATE_DIR,
) -> None:
    """Record a manual containment task as done; where an API can read it back, Bulkhead checks first.

    Locally through the service; `--target aws` with the deployed fabric's settings in the environment
    (LEDGER_TABLE_NAME, PRESTATES_TABLE_NAME, PRESTATE_KEY_ID, BULKHEAD_CONFIG_PARAMETER) and AWS credentials.
    """
    try:
        with reach(target, state_dir):
            _action_done(incident, action_id, acting(target, operator, _firm, "--operator"))
    except typer.BadParameter as exc:
        _refuse(f"{exc.param_hint}: {exc.message}")


def _action_done(incident: str, action_id: str, operator: "Acted") -> None:
    from functions.common.errors import BulkheadError
    from functions.common.wiring import utc_now
    from functions.containment import wiring
    from functions.containment.domain import complete_manual_task
    from functions.ledger.wiring import ledger

    try:
        vault = wiring.vault()
        stored = vault.get(incident, action_id)
        catalogue = wiring.catalogue_for(stored[0].action.store_id) if stored else wiring.catalogue_for_none()
        outcome = complete_manual_task(
            incident, action_id, operator, catalogue, ledger(), wiring.journal(), vault, utc_now(), wiring.audit_trail()
        )
    except BulkheadError as exc:
        console.print(f"[red]not recorded:[/red] {exc}")
        raise typer.Exit(1) from exc
    console.print(f"[green]{outcome.action_id}: {outcome.status.value}[/green] (recorded by {operator.name})")
    if outcome.detail:  # the last open task of a response that left the incident to a person
        console.print(outcome.detail, soft_wrap=True)


@action_app.command("list")
def action_list(
    incident: str = incident_argument("", help="One incident; default: every incident not closed by a person."),
    target: Target = TARGET,
    state_dir: Path | None = STATE_DIR,
) -> None:
    """Open manual containment tasks, with the instructions and the command that closes each."""
    from datetime import UTC, datetime

    from functions.incidents import wiring
    from functions.incidents.domain import build_view

    now = datetime.now(UTC)
    with reach(target, state_dir):
        wanted = [incident] if incident else wiring.index().incident_ids()
        views = [build_view(i, list(wiring.chain().entries(i)), (), None, now) for i in wanted]
    tasks = [(v.incident_id, t) for v in views if v.state != "resolved" or incident for t in v.tasks]
    manual = [(i, t) for i, t in tasks if t.owner == "operator"]
    if not manual:
        console.print("No open manual tasks.")
        return
    for incident_id, task in manual:
        console.print(f"[bold]{incident_id} {task.task_id}[/bold]: {task.title}", soft_wrap=True)
        console.print(f"  done: {task.how}", soft_wrap=True)
