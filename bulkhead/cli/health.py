"""`bulkhead health`: the control-health canary, locally against the sandbox stores and the local fabric."""

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

console = Console()


def health(
    config: Path = typer.Option(Path("config/bulkhead.local.json"), help="Firm configuration for the local fabric."),
    break_control: str | None = typer.Option(
        None,
        "--break",
        help="Break one control first, to see the canary catch it: webhook, scope, function, metafield, "
        "payment-activation, flow, adobe-webhook, adobe-module, adobe-module-update or oncall.",
    ),
) -> None:
    """Check that every control still works; each broken one is named, recorded in the ledger and alarmed."""
    from bulkhead.drills.controls import BREAKABLE, install_controls, run_local_canary
    from bulkhead.drills.controls import break_control as break_one
    from bulkhead.local import client
    from bulkhead.local.paths import DEFAULT_STATE_DIR
    from bulkhead.local.runtime import local_fabric
    from functions.common.wiring import firm_config
    from functions.ledger.chains import health_chain

    if break_control is not None and break_control not in BREAKABLE:
        console.print(f"[red]health:[/red] --break must be one of {', '.join(BREAKABLE)}, not {break_control!r}")
        raise typer.Exit(2)
    # The canary breaks controls on purpose, in-process: it holds the state directory itself.
    if client.stop(DEFAULT_STATE_DIR) is not None:
        console.print("stopped the running local fabric for the canary (commands start it again)")
    with (
        console.status("Starting the local fabric and its sandbox stores..."),
        local_fabric(config_path=config, log_level="ERROR", state_dir=DEFAULT_STATE_DIR) as fabric,
    ):
        firm = firm_config()
        install_controls(fabric, firm)
        if break_control is not None:
            console.print(f"[yellow]broke on purpose:[/yellow] {break_one(fabric, firm, break_control)}")
        report = run_local_canary(fabric, firm)
    table = Table(title=f"Control health at {report.checked_at:%Y-%m-%d %H:%M:%S} UTC")
    for column in ("control", "store", "result", "detail"):
        table.add_column(column)
    for check in report.checks:
        mark = "[green]ok[/green]" if check.healthy else "[red]BROKEN[/red]"
        table.add_row(check.control, check.store_id or "-", mark, check.message)
    console.print(table)
    chain = health_chain(report.checked_at)
    if report.healthy:
        console.print(f"[green]All {len(report.checks)} controls healthy[/green]; recorded in ledger chain {chain}")
        return
    for check in report.broken():
        console.print(
            f"[red]BROKEN[/red] {check.control}{f' ({check.store_id})' if check.store_id else ''}: {check.message}"
        )
    console.print(
        f"Recorded in ledger chain {chain}; drift metric Bulkhead/ControlHealthFailures = {len(report.broken())}"
    )
    raise typer.Exit(1)
