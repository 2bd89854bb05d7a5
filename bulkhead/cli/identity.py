"""Who a CLI command records as acting: the one rule for every command that records a person.

Locally: the roster person `--by` names (id or name, any case, from the configuration's roles),
recorded as the roster names them. With `--target aws`: the caller's IAM principal
(sts:GetCallerIdentity), and the roster person too when one is named. `--as`, `--operator` and
`--approver` are other names of the same option (docs/incident-command.md, "Identity").
"""

from collections.abc import Callable
from typing import Any

import typer

from bulkhead.cli.reach import Target
from functions.common.config import FirmConfig
from functions.common.people import Acted, UnknownPerson, iam_principal, roster_ids, roster_person

BY_NAMES = ("--by", "--as", "--operator", "--approver")
BY_HELP = (
    "Who acts: locally a person of the roster (id or name, from the configuration's roles); with "
    "--target aws your IAM principal is recorded (and the roster person, if named)."
)


def by_option(short: str | None = None) -> Any:
    """The one `--by` option (aliases `--as`, `--operator`, `--approver`) of every command that records a person."""
    return typer.Option(None, *BY_NAMES, *((short,) if short else ()), help=BY_HELP, show_default=False)


BY = by_option()


def acting(target: Target, named: str | None, firm: Callable[[], FirmConfig], option: str = "--by") -> Acted:
    """Who acts (inside `reach`): the IAM principal in AWS (with the roster person named, if any);
    locally the roster person named. A name not on the roster is a bad parameter (exit 2)."""
    wanted = (named or "").strip()
    try:
        if target is Target.AWS:
            from functions.common.clients import client

            arn = str(client("sts").get_caller_identity()["Arn"])
            return iam_principal(arn, firm() if wanted else None, wanted or None)
        config = firm()
        if wanted:
            return roster_person(config, wanted)
    except UnknownPerson as exc:
        raise typer.BadParameter(str(exc), param_hint=option) from exc
    raise typer.BadParameter(
        f"name the roster person who acts (id or name; ids: {roster_ids(config)})", param_hint=option
    )


def person_named(named: str, firm: Callable[[], FirmConfig], option: str) -> Acted:
    """A roster person a command names as its subject (e.g. `incident assign --to`)."""
    try:
        return roster_person(firm(), named)
    except UnknownPerson as exc:
        raise typer.BadParameter(str(exc), param_hint=option) from exc
