"""Where a command's readers point: the local service of a state directory, or a deployment."""

from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path

import typer


class Target(StrEnum):
    LOCAL = "local"
    AWS = "aws"


TARGET = typer.Option(
    Target.LOCAL, "--target", help="local: the local service; aws: a deployment (its settings in the environment)."
)
STATE_DIR = typer.Option(None, "--state-dir", help="Local state directory (default .bulkhead/state).")


@contextmanager
def reach(target: Target, state_dir: Path | None) -> Iterator[None]:
    """The same readers and domain code either way; locally this process's clients point at the service."""
    if target is Target.AWS:
        yield
        return
    from bulkhead.cli.local import fabric

    with fabric(state_dir):
        yield
