"""`bulkhead serve`: the local fabric behind a real HTTP server on 127.0.0.1."""

import time
from pathlib import Path

import typer
from rich.console import Console

console = Console()


def serve(
    port: int = typer.Option(8787, help="Port on 127.0.0.1."),
    config: Path = typer.Option(Path("config/bulkhead.local.json"), help="Firm configuration for the local fabric."),
    secrets: Path = typer.Option(Path("config/local-secrets.json"), help="Local secrets (sandbox values)."),
    approval_timeout: int = typer.Option(
        600, min=10, max=86_400, help="Seconds each escalation stage waits for a person before escalating."
    ),
) -> None:
    """Serve the webhook API locally: send real webhooks to it and watch the response run."""
    from bulkhead.local.runtime import local_fabric
    from bulkhead.local.server import FabricServer
    from infra.fabric import HTTP_ROUTES, LOCAL_TUNABLES

    # A person approves through a browser here: give each stage minutes, not the tests' seconds.
    tunables = {**LOCAL_TUNABLES, "ApprovalTimeoutSeconds": approval_timeout}
    with local_fabric(config_path=config, secrets_path=secrets, log_level="ERROR", tunables=tunables) as fabric:
        try:
            server = FabricServer(fabric, port=port, report=lambda line: console.print(line, markup=False))
        except OSError as exc:
            console.print(f"[red]cannot listen on 127.0.0.1:{port}:[/red] {exc.strerror}")
            raise typer.Exit(2) from exc
        server.start()
        console.print(f"[green]Bulkhead local fabric listening on {server.url}[/green]")
        for method, path, function in HTTP_ROUTES:
            console.print(f"  {method:4} {server.url}{path}  -> {function}")
        console.print(f"  GET  {server.url}/local/dispositions?day=YYYY-MM-DD  (auditor view)")
        if server.links:
            console.print(f"Pages to on-call are printed below; their approval links open {server.url}/approvals.")
        else:
            console.print("Pages to on-call are printed below (no approval links: no approval_link_secret_id).")
        console.print("Ctrl-C to stop.")
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            console.print("stopping")
        finally:
            server.stop()
