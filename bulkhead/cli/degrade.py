"""`bulkhead degrade`: set, renew, clear, show and check a store's degradation modes by hand.

Runs against the local fabric by default (its tables persist between commands, like
`bulkhead drill`), or with `--target aws` against a deployment: the controls table, the ledger
table and the firm configuration parameter named by the options or by the same settings the
functions read (`CONTROLS_TABLE_NAME`, `LEDGER_TABLE_NAME`, `BULKHEAD_CONFIG_PARAMETER`, ...), with
the caller's AWS credentials. Either way it runs the same domain functions, adapters and ledger the
SetDegradationMode step and the gates use, so a Shopify store's metafield projection runs too.
"""

import os
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from bulkhead.cli.identity import BY_HELP, BY_NAMES, acting
from bulkhead.cli.ids import incident_option
from bulkhead.cli.ledger import DEFAULT_KEY
from bulkhead.cli.reach import Target
from bulkhead.cli.refusals import invalid_fields
from bulkhead.local.environment import function_settings
from functions.common.settings import Env

if TYPE_CHECKING:
    from functions.common.config import FirmConfig

console = Console()


class ModeName(StrEnum):
    PAYMENTS_RESTRICTED = "payments_restricted"
    CHECKOUT_PAUSED = "checkout_paused"
    ACCOUNT_READ_ONLY = "account_read_only"
    LOGIN_STEP_UP = "login_step_up"


def degrade(
    store: str = typer.Argument("", help="Store id from the configuration (omit with --check-expiry: all stores)."),
    modes: list[ModeName] = typer.Argument(None, help="One or more modes to set (renews them if already set)."),
    ttl: int = typer.Option(240, "--ttl", min=5, max=10_080, help="Minutes until the mode expires and alarms."),
    segment: str | None = typer.Option(
        None, help="Customer segment (Shopify tag bulkhead-<segment>, Adobe group-<id>)."
    ),
    message: str = typer.Option("", help="What the gates show customers (default: a message per mode)."),
    payment_method: list[str] = typer.Option(
        [], "--payment-method", help="Payment method name fragment to hide under payments_restricted (repeatable)."
    ),
    incident: str | None = incident_option(None, help="Incident the change belongs to (also recorded on its chain)."),
    actor: str | None = typer.Option(None, *BY_NAMES, "--actor", help=BY_HELP, show_default=False),
    reason: str = typer.Option("", help="Why, for the ledger."),
    clear: bool = typer.Option(False, "--clear", help="Return the store (or --segment) to normal."),
    all_segments: bool = typer.Option(False, "--all", help="With --clear: the store-wide rule and every segment."),
    check_expiry: bool = typer.Option(False, "--check-expiry", help="Raise modes past their expiry (exit 3 if any)."),
    show: bool = typer.Option(False, "--show", help="Only show the store's current modes."),
    config: Path = typer.Option(Path("config/bulkhead.local.json"), help="Firm configuration for the local fabric."),
    target: Target = typer.Option(Target.LOCAL, "--target", help="local: the local fabric; aws: a deployment."),
    table: str | None = typer.Option(
        None, "--table", help=f"aws: controls table (default ${Env.CONTROLS_TABLE.value})."
    ),
    ledger_table: str | None = typer.Option(
        None, "--ledger-table", help=f"aws: ledger table (default ${Env.LEDGER_TABLE.value})."
    ),
    bucket: str | None = typer.Option(
        None, "--bucket", help=f"aws: ledger anchor bucket (default ${Env.LEDGER_ANCHOR_BUCKET.value})."
    ),
    key: str | None = typer.Option(
        None, "--key", help=f"aws: ledger signing key (default ${Env.LEDGER_SIGNING_KEY.value} or {DEFAULT_KEY})."
    ),
    config_parameter: str | None = typer.Option(
        None,
        "--config-parameter",
        help=f"aws: SSM parameter of the firm configuration (default ${Env.CONFIG_PARAMETER.value}).",
    ),
    topic: str | None = typer.Option(
        None,
        "--topic",
        help=f"aws, --check-expiry: on-call topic to page (default ${Env.ONCALL_TOPIC.value}; else no page).",
    ),
) -> None:
    """Set, renew or clear degradation modes: [bold]bulkhead degrade acme-eu checkout_paused --ttl 60[/bold]."""
    from bulkhead.cli.local import fabric

    problem = _usage_problem(store, modes or [], clear, check_expiry, show, all_segments)
    if problem:
        console.print(f"[red]invalid:[/red] {problem}")
        raise typer.Exit(2)
    who = actor or ""
    run = _Run(store, modes or [], ttl, segment, message, payment_method, incident, who, reason, clear, all_segments)
    if target is Target.AWS:
        writes = bool(modes) or clear
        settings = _aws_settings(table, ledger_table, bucket, key, config_parameter, topic, writes=writes)
        with function_settings(settings):
            code = _run(replace(run, target=target), check_expiry, page=Env.ONCALL_TOPIC.value in settings)
        raise typer.Exit(code)
    with fabric(config=config):
        code = _run(run, check_expiry, page=True)
    raise typer.Exit(code)


def _aws_settings(
    table: str | None,
    ledger_table: str | None,
    bucket: str | None,
    key: str | None,
    config_parameter: str | None,
    topic: str | None,
    writes: bool,
) -> dict[str, str]:
    """The settings the functions would read, from the options or the environment; exit 2 naming what is missing."""
    chosen = {
        Env.CONTROLS_TABLE: ("--table", table),
        Env.CONFIG_PARAMETER: ("--config-parameter", config_parameter),
        Env.LEDGER_TABLE: ("--ledger-table", ledger_table),
        Env.LEDGER_ANCHOR_BUCKET: ("--bucket", bucket),
        Env.LEDGER_SIGNING_KEY: ("--key", key),
        Env.ONCALL_TOPIC: ("--topic", topic),
    }
    values = {name.value: value or os.environ.get(name.value, "") for name, (_, value) in chosen.items()}
    values[Env.LEDGER_SIGNING_KEY.value] = values[Env.LEDGER_SIGNING_KEY.value] or DEFAULT_KEY
    # Every ledger entry is signed and anchored as it is appended: a write needs the anchor bucket too.
    required = [Env.CONTROLS_TABLE, Env.CONFIG_PARAMETER] + (
        [Env.LEDGER_TABLE, Env.LEDGER_ANCHOR_BUCKET] if writes else []
    )
    missing = [f"{chosen[n][0]} (or ${n.value})" for n in required if not values[n.value]]
    if missing:
        console.print(f"[red]missing:[/red] {', '.join(missing)}")
        raise typer.Exit(2)
    return {name: value for name, value in values.items() if value}


def _usage_problem(
    store: str, modes: list[ModeName], clear: bool, check: bool, show: bool, all_segments: bool
) -> str | None:
    if check:
        return "--check-expiry takes no modes" if modes else None
    if not store:
        return "STORE is required"
    if clear and modes:
        return "--clear takes no modes"
    if all_segments and not clear:
        return "--all only goes with --clear"
    if not (clear or show or modes):
        return "name at least one mode (payments_restricted, checkout_paused, account_read_only, login_step_up)"
    return None


@dataclass(frozen=True)
class _Run:
    store: str
    modes: list[ModeName]
    ttl: int
    segment: str | None
    message: str
    payment_methods: list[str]
    incident: str | None
    actor: str
    reason: str
    clear: bool
    all_segments: bool
    target: Target = Target.LOCAL


def _run(run: _Run, check: bool, page: bool) -> int:
    """Read the configuration, then act; an unreachable AWS is a clear message, not a traceback."""
    from botocore.exceptions import BotoCoreError, ClientError

    from functions.common.errors import BulkheadError
    from functions.common.settings import env
    from functions.common.wiring import firm_config

    try:
        firm = firm_config()
    except (BulkheadError, ClientError, BotoCoreError) as exc:
        console.print(f"[red]cannot read the firm configuration[/red] ({env(Env.CONFIG_PARAMETER)}): {_reason(exc)}")
        return 2
    if (run.clear or run.modes) and not check:  # a change is recorded under who made it (bulkhead.cli.identity)
        try:
            run = replace(run, actor=acting(run.target, run.actor, lambda: firm).actor)
        except typer.BadParameter as exc:
            console.print(f"[red]invalid:[/red] {exc.param_hint}: {exc.message}", soft_wrap=True)
            return 2
    try:
        return _act(run, check, page, firm)
    except (ClientError, BotoCoreError) as exc:
        console.print(f"[red]failed:[/red] {_reason(exc)}")
        return 1


def _reason(exc: Exception) -> str:
    from botocore.exceptions import ClientError

    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"{error.get('Code', 'ClientError')}: {error.get('Message', '')}".rstrip(": ")
    return f"{type(exc).__name__}: {exc}"


def _act(run: _Run, check: bool, page: bool, firm: "FirmConfig") -> int:
    from functions.common import clients
    from functions.common.errors import BulkheadError
    from functions.common.settings import env
    from functions.degradation.adapters.alarm import OverdueAlarm
    from functions.degradation.domain import change_modes, check_expiry, clear_modes
    from functions.degradation.models import DegradationMode, ModeChange, ModeClear
    from functions.degradation.wiring import controls_store, projector
    from functions.ledger.wiring import ledger

    now = datetime.now(UTC)
    store, modes, segment, incident, actor, reason = (
        run.store,
        run.modes,
        run.segment,
        run.incident,
        run.actor,
        run.reason,
    )
    if check:
        stores = [store] if store else [s.store_id for s in firm.stores]
        if store and not _known(firm, store):
            return 2
        alarm = OverdueAlarm(_NoMetrics(), clients.client("sns"), env(Env.ONCALL_TOPIC)) if page else _NoPage()
        report = check_expiry(stores, controls_store(), alarm, now)
        for rule in report.overdue:
            where = f"segment {rule.segment}" if rule.segment else "store-wide"
            modes_text = ", ".join(m.value for m in rule.modes)
            console.print(
                f"[red]overdue:[/red] {rule.store_id} {where}: {modes_text} "
                f"expired {rule.overdue_minutes} min ago; renew with --ttl or end with --clear"
            )
        for unreachable in report.unreachable:
            console.print(f"[red]unreachable:[/red] controls of {unreachable} could not be read")
        console.print(
            f"checked {report.checked_stores} stores, {report.active_rules} active rules, {len(report.overdue)} overdue"
        )
        return 3 if report.overdue or report.unreachable else 0
    if not _known(firm, store):
        return 2
    store_controls = controls_store()
    try:
        if run.clear:
            request = ModeClear(
                store_id=store,
                segment=segment,
                all_segments=run.all_segments,
                incident_id=incident,
                actor=actor,
                reason=reason,
            )
            result = clear_modes(request, store_controls, ledger(), projector(firm, store), now)
        elif modes:
            change = ModeChange(
                store_id=store,
                modes=tuple(DegradationMode(m.value) for m in modes),
                segment=segment,
                ttl_minutes=run.ttl,
                message=run.message,
                payment_methods=tuple(run.payment_methods),
                incident_id=incident,
                actor=actor,
                reason=reason,
            )
            result = change_modes(change, store_controls, ledger(), projector(firm, store), now)
        else:
            result = None
    except ValidationError as exc:
        console.print(f"[red]invalid:[/red] {invalid_fields(exc)}")
        return 2
    except BulkheadError as exc:
        console.print(f"[red]failed:[/red] {type(exc).__name__}: {exc}")
        return 1
    if result is not None:
        verb = "changed" if result.changed else "unchanged (already so)"
        console.print(f"{store}: {verb}, version {result.version}; projection: {result.projection}")
    _print_rules(store_controls.current(store), now)
    return 0


def _known(firm: object, store: str) -> bool:
    from functions.common.config import FirmConfig

    assert isinstance(firm, FirmConfig)
    if any(s.store_id == store for s in firm.stores):
        return True
    known = ", ".join(s.store_id for s in firm.stores)
    console.print(f"[red]invalid:[/red] unknown store {store!r} (configured: {known})")
    return False


def _print_rules(controls: object, now: datetime) -> None:
    from functions.degradation.models import StoreControls

    assert isinstance(controls, StoreControls)
    if not controls.rules:
        console.print(f"{controls.store_id}: normal (no modes in force)")
        return
    table = Table(title=f"{controls.store_id}: modes in force (version {controls.version})")
    for column in ("scope", "modes", "expires", "incident", "set by"):
        table.add_column(column)
    for rule in controls.rules:
        left = int((rule.expires_at - now).total_seconds() // 60)
        expires = f"in {left} min" if left >= 0 else f"[red]{-left} min ago (alarming)[/red]"
        scope = f"segment {rule.segment}" if rule.segment else "store-wide"
        table.add_row(scope, ", ".join(m.value for m in rule.modes), expires, rule.incident_id or "-", rule.set_by)
    console.print(table)


class _NoPage:
    """`--target aws --check-expiry` without an on-call topic: the report and exit code only."""

    def raise_overdue(self, report: object) -> None:  # noqa: ARG002 - the port's signature
        return None


class _NoMetrics:
    """Locally the alarm is the exit code and the page; CloudWatch metrics exist only in AWS."""

    def add_metric(self, **_: object) -> None:
        return None
