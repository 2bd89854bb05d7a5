"""How local commands reach the fabric: the service of the state directory, started on demand."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console

from bulkhead.local.client import Service

err = Console(stderr=True)


@contextmanager
def fabric(state_dir: Path | None = None, config: Path | None = None) -> Iterator[Service]:
    """The running local service, this process's AWS clients pointed at it for the block."""
    from bulkhead.local import client, paths

    where = state_dir or paths.DEFAULT_STATE_DIR
    try:
        service = client.connect(where, config=config)
    except client.ServiceUnavailable as exc:
        err.print(f"[red]local fabric:[/red] {exc}")
        raise typer.Exit(2) from exc
    with service.connected():
        yield service
