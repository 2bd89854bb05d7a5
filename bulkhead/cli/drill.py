"""`bulkhead drill`: the thin path by default, a scenario from the catalogue with `--scenario`,
the deployed state machine with `--target aws`. Every drill writes an HTML report."""

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from bulkhead.local.runtime import LocalFabric
    from functions.drills.models import Scenario

console = Console()
LOCAL_CONFIG = Path("config/bulkhead.local.json")
_MARK = {"passed": "[green]✔ passed[/]", "failed": "[red]✘ failed[/]", "not_covered": "[yellow]- not covered[/]"}


def drill(
    scenario: str | None = typer.Option(
        None, "--scenario", "-s", help="Scenario name from functions/drills/scenarios/, or `all`."
    ),
    list_scenarios: bool = typer.Option(False, "--list", help="List the scenario catalogue and exit."),
    target: str = typer.Option("local", "--target", help="`local` (the embedded fabric) or `aws` (deployed)."),
    config: Path = typer.Option(LOCAL_CONFIG, help="Firm configuration (local fabric; the store list for aws)."),
    state_machine_arn: str | None = typer.Option(None, help="aws: the response state machine (else the stack output)."),
    stack_name: str = typer.Option("Bulkhead", help="aws: the CloudFormation stack to read outputs from."),
    wait: bool = typer.Option(False, help="aws: wait for the execution, score it and record the scorecard."),
    reports: Path = typer.Option(Path("reports/drills"), help="Where the HTML reports go."),
    verbose: bool = typer.Option(
        False, "--verbose", "-v", help="Kept for compatibility: the handlers' logs are in the service's service.log."
    ),
) -> None:
    """Run a drill: locally by default (the whole fabric on moto), or against the deployed fabric."""
    del verbose  # the handlers log into the service's service.log
    from functions.common.errors import ConfigurationError
    from functions.drills.adapters.catalogue import find_scenario, load_catalogue

    if target not in ("local", "aws"):
        console.print(f"[red]drill:[/red] --target must be `local` or `aws`, not {target!r}")
        raise typer.Exit(2)
    try:
        if list_scenarios:
            _list(load_catalogue())
            return
        if target == "aws":
            chosen = find_scenario(scenario or "bulk-export-unknown-app")
            _aws(chosen, config, state_machine_arn, stack_name, wait, reports)
            return
        if scenario not in (None, "all"):
            find_scenario(scenario)  # an unknown name is refused here, before any service starts
    except ConfigurationError as exc:
        console.print(f"[red]drill:[/red] {exc}")
        raise typer.Exit(2) from exc
    _local(scenario, config, reports)


def _list(catalogue: "Mapping[str, Scenario]") -> None:
    from functions.drills.models import Declaration

    table = Table(title="Drill scenarios (functions/drills/scenarios/*.json)")
    for column in ("name", "injects", "expected rule", "approval", "actions"):
        table.add_column(column)
    for name, item in catalogue.items():
        injects = ", ".join("declared by hand" if isinstance(s, Declaration) else s.via for s in item.signals)
        table.add_row(
            name,
            injects,
            f"{item.expected.rule_id} ({item.expected.severity.value})",
            "yes" if item.expected.approval else "no",
            str(len(item.expected.actions)),
        )
    console.print(table)


def _local(scenario: str | None, config: Path, reports: Path) -> None:
    """Run the drill in the local service (started if none runs) and print what it reports."""
    import sys

    from bulkhead.local import paths
    from bulkhead.local.client import ServiceUnavailable, connect

    try:
        with console.status("Connecting to the local fabric (starting it if needed)..."):
            service = connect(paths.DEFAULT_STATE_DIR, config=config)
        answer = service.control(
            "POST",
            "/local/drill",
            {
                "scenario": scenario,
                "reports": str(reports.resolve()),
                "width": console.width,
                "color": console.is_terminal,
            },
        )
    except ServiceUnavailable as exc:
        console.print(f"[red]drill:[/red] {exc}")
        raise typer.Exit(2) from exc
    sys.stdout.write(answer["output"])
    sys.stdout.flush()
    if answer["exit_code"]:
        raise typer.Exit(int(answer["exit_code"]))


def run_local(fabric: "LocalFabric", scenario: str | None, out: Console, reports: Path) -> int:
    """Inside the local service: run the thin path (no scenario) or scenarios; print to `out`; the exit code."""
    from functions.common.errors import ConfigurationError
    from functions.drills.adapters.catalogue import find_scenario, load_catalogue

    if scenario is None:
        return _thin_path(fabric, out, reports)
    try:
        names = list(load_catalogue()) if scenario == "all" else [find_scenario(scenario).name]
    except ConfigurationError as exc:
        out.print(f"[red]drill:[/red] {exc}")
        return 2
    return _scenarios(fabric, names, out, reports)


def _thin_path(fabric: "LocalFabric", out: Console, reports: Path) -> int:
    from bulkhead.cli import render
    from bulkhead.drills.report import render as render_report
    from bulkhead.local.drill import run_thin_path

    run = run_thin_path(fabric)
    render.drill_run(out, run)
    if run.incident_id:
        reports.mkdir(parents=True, exist_ok=True)
        path = reports / f"{run.incident_id}.html"
        path.write_text(
            render_report(
                "Thin path: signed bulk-export webhook", run.incident_id, run.steps, None, run.verdict, run.entries
            )
        )
        out.print(f"Report: {path}")
    if not run.verdict or not run.verdict.valid or run.execution_status != "SUCCEEDED":
        return 1
    return 0


def _scenarios(fabric: "LocalFabric", names: list[str], out: Console, reports: Path) -> int:
    from bulkhead.drills.runner import run_scenario
    from functions.drills.adapters.catalogue import find_scenario

    failed = 0
    for name in names:
        result = run_scenario(fabric, find_scenario(name), reports=reports)
        _show(result, out)
        failed += 0 if result.passed else 1
    if len(names) > 1:
        out.print(f"{len(names) - failed} of {len(names)} drills passed")
    return 1 if failed else 0


def _show(result: "object", console: Console) -> None:
    from bulkhead.drills.runner import DrillResult

    assert isinstance(result, DrillResult)
    console.rule(f"{result.scenario.name}: {result.scenario.title}")
    if result.scorecard is None:
        console.print(f"[red]FAILED[/red]: {result.problem}")
        return
    card = result.scorecard
    console.print(f"Incident [bold]{card.incident_id}[/bold], mode {card.mode}, execution {card.execution_status}")
    table = Table(show_lines=False)
    for column in ("step", "expected", "actual", "result"):
        table.add_column(column)
    for check in card.steps:
        table.add_row(check.step, check.expected, check.actual, _MARK[check.status.value])
    for t in card.times:
        seconds = "—" if t.seconds is None else f"{t.seconds * 1000:,.0f} ms"
        table.add_row(f"time to {t.measure.value}", f"≤ {t.sla_seconds:,.0f} s", seconds, _MARK[t.status.value])
    for c in card.clocks:
        table.add_row(
            f"clock {c.regime.value}",
            f"by {c.deadline:%Y-%m-%d %H:%M} UTC",
            "notice planned" if c.notified_at else "no notice",
            _MARK[c.status.value],
        )
    console.print(table)
    for gap in card.gaps:
        console.print(f"[yellow]not covered:[/yellow] {gap}")
    verdict = result.verdict
    if verdict is not None:
        state = "[green]verified[/green]" if verdict.valid else f"[red]broken at seq {verdict.first_bad_seq}[/red]"
        console.print(f"Ledger {state}: {verdict.entries} entries, scorecard recorded as drill.scored")
    console.print(("[green]PASSED[/green]" if result.passed else "[red]FAILED[/red]") + f"  report: {result.report}")


def _aws(
    scenario: "object", config: Path, state_machine_arn: str | None, stack_name: str, wait: bool, reports: Path
) -> None:
    from bulkhead.drills.aws import (
        ANCHOR_BUCKET_OUTPUT,
        LEDGER_TABLE_OUTPUT,
        SIGNING_KEY_OUTPUT,
        STATE_MACHINE_OUTPUT,
        stack_output,
        start_aws_drill,
        wait_and_score,
    )
    from bulkhead.drills.report import render
    from bulkhead.local.timeline import steps_from_history
    from functions.common import clients
    from functions.common.config import parse_config
    from functions.drills.adapters.ledger import StoredLedgerEvidence
    from functions.drills.models import Scenario
    from functions.ledger.adapters.dynamodb import DynamoLedgerStore
    from functions.ledger.domain import ChainedLedger

    assert isinstance(scenario, Scenario)
    firm = parse_config(config.read_text(), origin=str(config))
    cloudformation = clients.client("cloudformation")
    arn = state_machine_arn or stack_output(cloudformation, stack_name, STATE_MACHINE_OUTPUT)
    started = start_aws_drill(clients.client("stepfunctions"), arn, scenario, firm)
    console.print(f"Started drill {scenario.name}: incident {started.incident_id}\nexecution {started.execution_arn}")
    if not wait:
        console.print("Score it when it ends: rerun with --wait, or let the scheduled ScoreDrill function do it.")
        return
    table = stack_output(cloudformation, stack_name, LEDGER_TABLE_OUTPUT)
    sfn, dynamodb = clients.client("stepfunctions"), clients.client("dynamodb")
    evidence = StoredLedgerEvidence(
        dynamodb,
        table,
        clients.client("s3"),
        stack_output(cloudformation, stack_name, ANCHOR_BUCKET_OUTPUT),
        clients.client("kms"),
        stack_output(cloudformation, stack_name, SIGNING_KEY_OUTPUT),
    )
    with console.status("Waiting for the execution to end..."):
        card = wait_and_score(started, sfn, evidence, ChainedLedger(DynamoLedgerStore(dynamodb, table)), firm)
    entries = evidence.entries(started.incident_id)
    history = sfn.get_execution_history(executionArn=started.execution_arn, maxResults=1000)["events"]
    reports.mkdir(parents=True, exist_ok=True)
    path = reports / f"{started.incident_id}.html"
    verdict = evidence.verify(started.incident_id)
    path.write_text(render(scenario.title, started.incident_id, steps_from_history(history), card, verdict, entries))
    console.print(("[green]PASSED[/green]" if card.passed else "[red]FAILED[/red]") + f"  report: {path}")
    if not card.passed:
        raise typer.Exit(1)
