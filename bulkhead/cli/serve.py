"""`bulkhead serve`: the local fabric as a service on 127.0.0.1, in the foreground; `--stop`, `--status`."""

from pathlib import Path

import typer
from rich.console import Console

from bulkhead.cli.reach import STATE_DIR

console = Console()


def serve(
    port: int = typer.Option(8787, help="Port of the front door on 127.0.0.1 (0: any free port)."),
    moto_port: int = typer.Option(0, "--moto-port", help="Port of the AWS endpoint (0: any free port)."),
    config: Path = typer.Option(Path("config/bulkhead.local.json"), help="Firm configuration for the local fabric."),
    secrets: Path = typer.Option(Path("config/local-secrets.json"), help="Local secrets (sandbox values)."),
    approval_timeout: int = typer.Option(
        600,
        min=10,
        max=86_400,
        help="Seconds each approval or notice-review stage waits for a person before escalating.",
    ),
    state_dir: Path | None = STATE_DIR,
    stop: bool = typer.Option(False, "--stop", help="Stop the service of the state directory (it saves first)."),
    status: bool = typer.Option(False, "--status", help="Say whether a service runs, and where."),
) -> None:
    """Run the local fabric: webhooks, approval links, the AWS endpoint every command uses, its state kept.

    Commands start a service in the background when none runs; `serve` runs it in the foreground.
    """
    from bulkhead.local import client, paths

    where = state_dir or paths.DEFAULT_STATE_DIR
    if stop:
        stopped = client.stop(where)
        console.print(f"stopped: {stopped.line()}" if stopped else f"no local fabric runs for {where}")
        return
    if status:
        found = client.running(where)
        console.print(found.info.line() if found else f"no local fabric runs for {where}")
        return
    _foreground(where, port, moto_port, config, secrets, approval_timeout)


def _foreground(where: Path, port: int, moto_port: int, config: Path, secrets: Path, approval_timeout: int) -> None:
    from bulkhead.local.service import AlreadyRunning, ServiceInfo, run
    from infra.fabric import HTTP_ROUTES, LOCAL_TUNABLES

    def ready(info: ServiceInfo) -> None:
        console.print(f"[green]{info.line()}[/green]")
        for method, path, function in HTTP_ROUTES:
            console.print(f"  {method:4} {info.url}{path}  -> {function}")
        console.print(f"  GET  {info.url}/local/dispositions?day=YYYY-MM-DD  (auditor view)")
        console.print(
            f"Pages to on-call are printed below; approval and notice-review links open {info.url}/approvals."
        )
        console.print("Every other bulkhead command now uses this service.")
        console.print("Ctrl-C (or `bulkhead serve --stop`) stops it; its state stays in the state directory.")

    # A person approves through a browser here: give each stage minutes, not the tests' seconds.
    tunables = {
        **LOCAL_TUNABLES,
        "ApprovalTimeoutSeconds": approval_timeout,
        "NoticeReviewTimeoutSeconds": approval_timeout,
    }
    try:
        run(
            where,
            port=port,
            moto_port=moto_port,
            config_path=config,
            secrets_path=secrets,
            tunables=tunables,
            report=lambda line: console.print(line, markup=False),
            on_ready=ready,
            warm_handlers=True,
        )
    except AlreadyRunning as exc:
        console.print(f"[red]already running:[/red] {exc}\nStop it first: bulkhead serve --stop")
        raise typer.Exit(2) from exc
    except OSError as exc:
        console.print(f"[red]cannot listen on 127.0.0.1:{port}:[/red] {exc.strerror}")
        raise typer.Exit(2) from exc
    console.print("stopped; state saved in " + str(where))
