"""The incident id every CLI argument takes, checked against the one format (functions.common.models)."""

from typing import Any

import typer

from functions.common.models import is_incident_id

INCIDENT_HELP = "Incident id, e.g. inc-20261127-abcdef123456 (bulkhead incident list)."


def _checked(value: str | None) -> str | None:
    """A malformed id is refused naming the argument (exit 2), never looked up as if it could exist."""
    if value and not is_incident_id(value):
        raise typer.BadParameter(
            f"{value!r} is malformed: an incident id is inc-YYYYMMDD-... in lower case (bulkhead incident list)"
        )
    return value


def incident_argument(default: Any = ..., help: str = INCIDENT_HELP) -> Any:
    return typer.Argument(default, help=help, callback=_checked, show_default=False, metavar="INCIDENT")


def incident_option(default: Any = ..., help: str = INCIDENT_HELP) -> Any:
    return typer.Option(default, "--incident", help=help, callback=_checked, show_default=False)


INCIDENT = incident_argument()
