"""Who a CLI decision is recorded as: a roster person locally (`--as`), the IAM principal in AWS."""

from collections.abc import Callable

import typer

from bulkhead.cli.reach import Target
from functions.common.config import FirmConfig


class Decider:
    def __init__(self, name: str, identity: str, role: str | None) -> None:
        self.name = name
        self.identity = identity  # roster id, or the IAM principal's ARN
        self.role = role


AS = typer.Option(
    None,
    "--as",
    "--approver",
    "-a",
    help="Locally: the roster person deciding (id or name, from the configuration's roles). "
    "With --target aws the caller's IAM principal is recorded instead.",
)


def decider(target: Target, as_person: str | None, firm: Callable[[], FirmConfig]) -> Decider:
    """The IAM principal (sts:GetCallerIdentity) in AWS; locally the roster person `--as` names."""
    if target is Target.AWS:
        from functions.common.clients import client

        arn = str(client("sts").get_caller_identity()["Arn"])
        return Decider(arn, arn, None)
    config = firm()
    wanted = (as_person or "").strip()
    if not wanted:
        raise typer.BadParameter("name the roster person deciding (id or name)", param_hint="--as")
    found = config.person(wanted.lower()) or next(
        ((p, r.role) for r in config.roles for p in r.people if p.name.casefold() == wanted.casefold()), None
    )
    if found is None:
        known = ", ".join(dict.fromkeys(p.person_id for r in config.roles for p in r.people)) or "none configured"
        raise typer.BadParameter(f"{wanted!r} is not a person of the roster (roles: {known})", param_hint="--as")
    person, role = found
    return Decider(person.name, person.person_id, role.value)
