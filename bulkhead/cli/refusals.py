"""How a command refuses: input that fails its model exits 2 naming each field; a request Bulkhead
turns down (unknown incident, clock already stopped, ...) exits 1 with the reason. Nothing is
written in either case: the request is checked before the fabric is touched, and a refusal is
raised before the ledger entry."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer
from rich.console import Console

if TYPE_CHECKING:
    from pydantic import ValidationError


def invalid_fields(exc: "ValidationError") -> str:
    """`field: problem` for each field that failed (nested fields dotted)."""
    return "; ".join(f"{'.'.join(str(p) for p in err['loc']) or 'input'}: {err['msg']}" for err in exc.errors())


@contextmanager
def refusals(console: Console, failed: str) -> Iterator[None]:
    """Print a refusal in the block as `invalid: ...` (exit 2) or `<failed>: reason` (exit 1)."""
    from pydantic import ValidationError

    from functions.common.errors import BulkheadError

    try:
        yield
    except typer.BadParameter as exc:  # a person off the roster (bulkhead.cli.identity), a bad option
        console.print(f"[red]invalid:[/red] {exc.param_hint}: {exc.message}", soft_wrap=True)
        raise typer.Exit(2) from exc
    except ValidationError as exc:
        console.print(f"[red]invalid:[/red] {invalid_fields(exc)}")
        raise typer.Exit(2) from exc
    except BulkheadError as exc:
        console.print(f"[red]{failed}:[/red] {exc}")
        raise typer.Exit(1) from exc
