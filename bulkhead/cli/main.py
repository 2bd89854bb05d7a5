"""`bulkhead`: run drills, check configuration, verify ledgers. Local by default, AWS on request."""

from pathlib import Path

import typer
from rich.console import Console

from bulkhead.cli import approve, clocks, incident_command, restore, status  # noqa: F401 - incident_command registers its commands
from bulkhead.cli.degrade import degrade
from bulkhead.cli.drill import drill
from bulkhead.cli.health import health
from bulkhead.cli.incident import incident_app
from bulkhead.cli.ledger import evidence_app, ledger_app
from bulkhead.cli.notice import notice_app
from bulkhead.cli.review import review
from bulkhead.cli.serve import serve
from bulkhead.cli.tasks import task_app

app = typer.Typer(
    name="bulkhead",
    help="Bulkhead: data-leak emergency response for Shopify Plus and Adobe Commerce stores.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)
config_app = typer.Typer(help="Check the firm configuration (stores, regulators, policies).", no_args_is_help=True)
# In the order an incident runs: drill or serve, declare, approve, contain and restore, degrade,
# clocks and status, the evidence, then the upkeep.
app.command("drill")(drill)
app.command("serve")(serve)
app.add_typer(incident_app, name="incident")  # with incident_command's list/show/note/...
app.command("approve")(approve.approve)
app.command("restore")(restore.restore)
app.add_typer(restore.action_app, name="action")
app.add_typer(task_app, name="task")
app.command("degrade")(degrade)
app.command("clocks")(clocks.show_clocks)
app.add_typer(clocks.clock_app, name="clock")
app.command("status")(status.status)
app.add_typer(notice_app, name="notice")
app.add_typer(ledger_app, name="ledger")
app.add_typer(evidence_app, name="evidence")
app.command("review")(review)
app.command("health")(health)
app.add_typer(config_app, name="config")
console = Console()

LOCAL_CONFIG = Path("config/bulkhead.local.json")


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
