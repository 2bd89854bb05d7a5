"""`bulkhead incident ...`: declare an incident by hand, issue operator tokens, read dispositions."""

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from bulkhead.cli.ids import incident_argument

incident_app = typer.Typer(
    help="Declare, run and close incidents; read how every signal was disposed of.", no_args_is_help=True
)
console = Console()
SEVERITIES = ("low", "medium", "high", "critical")
CATEGORIES = ("contact", "identity", "financial_account", "credentials")


@incident_app.command("declare")
def declare(
    store: str = typer.Option(..., help="store_id from the firm configuration"),
    severity: str = typer.Option(..., help=f"one of {', '.join(SEVERITIES)}"),
    category: list[str] = typer.Option(..., "--category", help=f"data at stake, repeatable: {', '.join(CATEGORIES)}"),
    reference: str = typer.Option("", help="your ticket or case id (repeats are one declaration); default: generated"),
    customers: int = typer.Option(0, min=0, help="how many customers are known to be affected"),
    api: str = typer.Option("", help="deployed API base URL; omit to declare on the local fabric"),
    token: str = typer.Option("", envvar="BULKHEAD_TOKEN", help="declare token for --api (bulkhead incident token)"),
    config: Path = typer.Option(Path("config/bulkhead.local.json"), help="Firm configuration (local fabric)."),
) -> None:
    """Declare an incident through the authenticated API: locally by default, or against --api."""
    if severity not in SEVERITIES:
        raise typer.BadParameter(f"must be one of {', '.join(SEVERITIES)}", param_hint="--severity")
    bad = [c for c in category if c not in CATEGORIES]
    if bad:
        raise typer.BadParameter(f"{bad[0]!r} is not one of {', '.join(CATEGORIES)}", param_hint="--category")
    body = json.dumps(
        {
            "store_id": store,
            "reference": reference or f"cli-{uuid.uuid4().hex[:12]}",
            "severity": severity,
            "data_categories": category,
            "subject_count": customers,
        }
    ).encode()
    if api:
        if not token:
            raise typer.BadParameter("a declare token is required with --api", param_hint="--token")
        _declare_remote(api, token, body)
    else:
        _declare_local(store, body, config)


@incident_app.command("token")
def token(
    store: str = typer.Option(..., help="store_id the token is for"),
    purpose: str = typer.Option("declare", help="declare (operators, Magento admin) or flow (Shopify Flow)"),
    days: int = typer.Option(30, min=1, max=365, help="days until it expires"),
    secret_id: str = typer.Option(..., help="the store's operator_secret_id (read from Secrets Manager)"),
    secrets_file: Path | None = typer.Option(None, help="read the secret from this JSON file instead (local)"),
) -> None:
    """Issue a signed, expiring token for Shopify Flow or operators' declarations."""
    from functions.ingest import tokens

    if purpose not in tokens.PURPOSES:
        raise typer.BadParameter(f"must be one of {', '.join(sorted(tokens.PURPOSES))}", param_hint="--purpose")
    if secrets_file:
        values = json.loads(secrets_file.read_text())
        if secret_id not in values:
            raise typer.BadParameter(f"{secret_id!r} is not in {secrets_file}", param_hint="--secret-id")
        secret = str(values[secret_id])
    else:
        import boto3

        secret = str(boto3.client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"])
    expires = datetime.now(UTC) + timedelta(days=days)
    console.print(tokens.issue(secret, store, purpose, expires), soft_wrap=True, markup=False)


@incident_app.command("dispositions")
def dispositions(
    day: str = typer.Option(..., help="YYYY-MM-DD (UTC)"),
    table: str = typer.Option(..., envvar="DISPOSITIONS_TABLE_NAME", help="the deployed Dispositions table"),
) -> None:
    """How every signal of one day was disposed of (ignored, merged, declared), per correlation window."""
    import boto3

    from functions.detection.adapters.dynamodb import DynamoDispositionStore

    try:
        datetime.strptime(day, "%Y-%m-%d")  # noqa: DTZ007 - a calendar day, not an instant
    except ValueError as exc:
        raise typer.BadParameter("must be YYYY-MM-DD", param_hint="--day") from exc
    windows = DynamoDispositionStore(boto3.client("dynamodb"), table).day(day)
    grid = Table("store", "rule", "incident", "signals", "ignored", "declared", "merged", "reason")
    for w in windows:
        o = w.outcomes
        grid.add_row(
            w.store_id,
            w.rule_id or "-",
            w.incident_id or "-",
            str(w.signals),
            str(o["ignored"]),
            str(o["declared"]),
            str(o["merged"]),
            w.reason,
        )
    console.print(grid)


def _declare_remote(api: str, token: str, body: bytes) -> None:
    import httpx

    try:
        response = httpx.post(
            f"{api.rstrip('/')}/incidents",
            content=body,
            headers={"content-type": "application/json", "authorization": f"Bearer {token}"},
            timeout=10,
        )
    except httpx.HTTPError as exc:
        console.print(f"[red]could not reach {api}:[/red] {exc}")
        raise typer.Exit(1) from exc
    _print_answer(response.status_code, response.json() if response.content else {})


def _declare_local(store: str, body: bytes, config: Path) -> None:
    """Through the local service's front door, as an operator's HTTP client would; then follow the response."""
    import httpx

    from bulkhead.cli.local import fabric
    from functions.common import clients
    from functions.common.config import parse_config
    from functions.common.errors import ConfigurationError
    from functions.ingest import tokens

    try:
        firm = parse_config(config.read_text(), origin=str(config))
        secret_id = firm.store(store).operator_secret_id
    except ConfigurationError as exc:
        raise typer.BadParameter(str(exc), param_hint="--store") from exc
    if not secret_id:
        raise typer.BadParameter(f"store {store!r} has no operator_secret_id", param_hint="--store")
    with fabric(config=config) as service:
        secret = clients.client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"]
        bearer = tokens.issue(secret, store, "declare", datetime.now(UTC) + timedelta(minutes=5))
        headers = {"content-type": "application/json", "authorization": f"Bearer {bearer}"}
        answer = httpx.post(f"{service.info.url}/incidents", content=body, headers=headers, timeout=30)
        _print_answer(answer.status_code, answer.json() if answer.content else {})
        signal_id = str(answer.json().get("signal_id", ""))
        with console.status("Following the response..."):
            found = _follow(service.describe(), signal_id)
    if found is None:
        console.print("no response started: detection recorded the signal's disposition (see the ledger)")
        return
    incident, status = found
    console.print(
        f"incident [bold]{incident['incident_id']}[/bold] ({incident['severity']}, "
        f"{', '.join(incident['data_categories'])}): response {status}"
    )
    if status == "WAITING_FOR_APPROVAL":
        console.print(
            f"approve: bulkhead approve {incident['incident_id']} --as PERSON"
            f"   (or reject: --reject; the approval link in the page opens the same decision)"
        )


def _follow(described: dict[str, Any], signal_id: str, timeout: float = 120.0) -> tuple[dict[str, Any], str] | None:
    """The incident that took up the signal, and how its response stands (it may wait for a person)."""
    from functions.common import clients

    sfn, dynamodb = clients.client("stepfunctions"), clients.client("dynamodb")
    machine = described["state_machines"]["Response"]
    deadline = time.monotonic() + timeout
    seen: dict[str, dict[str, Any]] = {}
    while time.monotonic() < deadline:
        pages = sfn.get_paginator("list_executions").paginate(stateMachineArn=machine)
        for execution in (e for page in pages for e in page["executions"]):
            arn = execution["executionArn"]
            if arn not in seen:
                seen[arn] = json.loads(sfn.describe_execution(executionArn=arn)["input"])
            incident = seen[arn].get("incident", {})
            if signal_id not in incident.get("signal_ids", ()):
                continue
            status = str(sfn.describe_execution(executionArn=arn)["status"])
            if status != "RUNNING":
                return incident, status
            if _awaits_approval(dynamodb, described["tables"]["Ledger"], incident["incident_id"]):
                return incident, "WAITING_FOR_APPROVAL"
        time.sleep(0.2)
    return None


def _awaits_approval(dynamodb: Any, table: str, incident_id: str) -> bool:
    from functions.ledger.adapters.dynamodb import DynamoLedgerStore

    types = [e.type.value for e in DynamoLedgerStore(dynamodb, table).entries(incident_id)]
    asked = "approval.requested" in types
    return asked and not any(t in types for t in ("approval.granted", "approval.rejected"))


@incident_app.command("resume")
def resume(
    incident: str = incident_argument(help="An incident whose response was interrupted (see bulkhead status)."),
    operator: str = typer.Option(
        ..., "--operator", "--by", "--as", help="Who decides: a person of the roster (id or name; recorded)."
    ),
    state_dir: Path | None = typer.Option(None, "--state-dir", help="Local state directory (default .bulkhead/state)."),
) -> None:
    """Start an interrupted local response again from its declaration."""
    answer = _interrupted(state_dir, "resume", incident, operator)
    console.print(f"resumed {incident}: execution {answer['execution'].rsplit(':', 1)[-1]} (recorded in the ledger)")


@incident_app.command("abandon")
def abandon(
    incident: str = incident_argument(help="An incident whose response was interrupted (see bulkhead status)."),
    operator: str = typer.Option(
        ..., "--operator", "--by", "--as", help="Who decides: a person of the roster (id or name; recorded)."
    ),
    state_dir: Path | None = typer.Option(None, "--state-dir", help="Local state directory (default .bulkhead/state)."),
) -> None:
    """Abandon an interrupted local response: undo its containment and clear its degradation modes."""
    answer = _interrupted(state_dir, "abandon", incident, operator)
    console.print(
        f"abandoned {incident}: restore {answer['restore'].lower()}, {answer['reverted']} actions reverted, "
        f"modes cleared: {', '.join(answer['modes_cleared']) or 'none'} (recorded in the ledger)"
    )


def _interrupted(state_dir: Path | None, decision: str, incident: str, operator: str) -> dict[str, Any]:
    """Ask the local service to resume or abandon an interrupted response; exit 1 with its reason if refused."""
    from bulkhead.cli.local import fabric
    from bulkhead.local.client import ControlRefused

    body = {"incident_id": incident, "operator": operator}
    with fabric(state_dir) as service:
        try:
            return dict(service.control("POST", f"/local/work/{decision}", body))
        except ControlRefused as exc:
            done = {"resume": "resumed", "abandon": "abandoned"}[decision]
            console.print(f"[red]not {done}:[/red] {exc.reason}", soft_wrap=True)
            # 400: the request itself is bad (a malformed id, a person off the roster), as the CLI's own checks
            raise typer.Exit(2 if exc.status == 400 else 1) from exc


def _print_answer(status: int, body: dict[str, object]) -> None:
    if status >= 400:
        console.print(f"[red]refused ({status}):[/red] {body.get('error', body)}")
        raise typer.Exit(1)
    console.print(f"[green]accepted ({status}):[/green] signal {body.get('signal_id')}")
