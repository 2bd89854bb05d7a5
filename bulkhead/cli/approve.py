"""`bulkhead approve INCIDENT [--reject]`: decide a response that waits for approval."""

from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.console import Console

from bulkhead.cli.identity import BY
from bulkhead.cli.ids import incident_argument
from bulkhead.cli.reach import STATE_DIR, TARGET, Target, reach

console = Console()


def approve(
    incident: str = incident_argument(help="Incident id waiting for approval."),
    reject: bool = typer.Option(False, "--reject", help="Reject: the response stops and on-call is paged."),
    as_person: str | None = BY,
    note: str = typer.Option("", "--note", help="Why (recorded in the ledger)."),
    target: Target = TARGET,
    state_dir: Path | None = STATE_DIR,
) -> None:
    """Approve (or reject) the waiting response; the decision is a ledger entry with who and when."""
    from botocore.exceptions import ClientError
    from pydantic import ValidationError

    from bulkhead.cli.identity import acting
    from functions.approval.decided import last_decision
    from functions.approval.domain import NoPendingApproval, decide
    from functions.approval.models import ApprovalDecision
    from functions.approval.wiring import approval_store, execution
    from functions.common.errors import BulkheadError
    from functions.common.wiring import firm_config
    from functions.incidents.wiring import chain
    from functions.ledger.wiring import ledger

    if target is Target.LOCAL and not (as_person or "").strip():
        console.print("[red]invalid:[/red] --as: name the roster person deciding (id or name; also --by)")
        raise typer.Exit(2)
    try:
        with reach(target, state_dir):
            who = acting(target, as_person, firm_config, "--as")
            try:
                decision = ApprovalDecision(
                    incident_id=incident,
                    approved=not reject,
                    approver=who.name,
                    approver_id=who.person_id or who.iam_principal,
                    role=who.role,
                    iam_principal=who.iam_principal,
                    note=note,
                )
            except ValidationError as exc:
                problems = "; ".join(f"{err['loc'][0]}: {err['msg']}" for err in exc.errors())
                console.print(f"[red]invalid:[/red] {problems}")
                raise typer.Exit(2) from exc
            try:
                pending = decide(decision, approval_store(), execution(), ledger(), datetime.now(UTC))
            except NoPendingApproval as exc:
                earlier = last_decision(chain().entries(incident))
                if earlier is None:
                    raise
                raise NoPendingApproval(f"incident {incident}: already {earlier}") from exc
    except typer.BadParameter as exc:
        console.print(f"[red]invalid:[/red] {exc.param_hint}: {exc.message}")
        raise typer.Exit(2) from exc
    except BulkheadError as exc:
        console.print(f"[red]no decision recorded:[/red] {exc}")
        raise typer.Exit(1) from exc
    except ClientError as exc:
        console.print(
            f"[red]no decision recorded:[/red] the waiting response is not running ({exc.response['Error']['Code']})."
        )
        raise typer.Exit(1) from exc
    verb = "rejected" if reject else "approved"
    console.print(
        f"Incident {incident}: {verb} at stage {pending.stage_name} by {who.name}; recorded in the ledger.",
        soft_wrap=True,
    )
