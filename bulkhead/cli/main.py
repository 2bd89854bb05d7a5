"""`bulkhead`: run drills, check configuration, verify ledgers. Local by default, AWS on request."""

from pathlib import Path

import typer
from rich.console import Console

from bulkhead.cli import approve, clocks, render, status

app = typer.Typer(
    name="bulkhead",
    help="Bulkhead: data-leak emergency response for Shopify Plus and Adobe Commerce stores.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)
config_app = typer.Typer(help="Check the firm configuration (stores, regulators, policies).", no_args_is_help=True)
app.add_typer(config_app, name="config")
app.add_typer(clocks.clock_app, name="clock")
app.command("clocks")(clocks.show_clocks)
app.command("approve")(approve.approve)
app.command("status")(status.status)
app.add_typer(clocks.clock_app, name="clock")
app.command("clocks")(clocks.show_clocks)
app.command("approve")(approve.approve)
app.command("status")(status.status)
console = Console()

LOCAL_CONFIG = Path("config/bulkhead.local.json")


@app.command()
def drill(
    config: Path = typer.Option(LOCAL_CONFIG, help="Firm configuration for the local fabric."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show the handlers' structured logs."),
) -> None:
    """Run the whole fabric locally: a signed webhook in, a contained incident and a verified ledger out."""
    from bulkhead.local.drill import run_thin_path
    from bulkhead.local.runtime import DEFAULT_STATE_DIR, local_fabric

    level = "INFO" if verbose else "ERROR"
    with (
        console.status("Starting the local fabric (moto, in-process handlers)..."),
        local_fabric(config_path=config, log_level=level, state_dir=DEFAULT_STATE_DIR) as fabric,
    ):
        run = run_thin_path(fabric)
    render.drill_run(console, run)
    if not run.verdict or not run.verdict.valid or run.execution_status != "SUCCEEDED":
        raise typer.Exit(1)


@config_app.command("check")
def config_check(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="JSON configuration file."),
) -> None:
    """Validate a configuration file; errors name each bad field."""
    from functions.common.config import parse_config
    from functions.common.errors import ConfigurationError

    try:
        firm = parse_config(path.read_text(), origin=str(path))
    except ConfigurationError as exc:
        console.print(f"[red]invalid:[/red] {exc}")
        raise typer.Exit(2) from exc
    console.print(
        f"[green]valid:[/green] {firm.firm_name}: {len(firm.stores)} stores, {len(firm.regulators)} regulators"
    )


if __name__ == "__main__":
    app()
