"""Who acted: a person of the firm's roster, the caller's IAM principal, or both. Pure.

Every ledger entry a person causes records them one way (docs/incident-command.md, "Identity"):
the actor `person:<roster name>` (or `iam:<ARN>` when only an IAM principal is known), and in its
data `by` (the name shown), `person_id`, `role` and `iam_principal` (the caller AWS authenticated).
A name typed in is never recorded as it is: it must name a roster person (their id or name, in any
case), and the roster's spelling is kept.
"""

import re
from typing import Any

from pydantic import Field, model_validator

from functions.common.config import FirmConfig
from functions.common.errors import BulkheadError
from functions.common.models import Message

# An IAM user or role, or an assumed-role session, as sts:GetCallerIdentity returns it.
IAM_PRINCIPAL = r"^arn:aws[a-z-]*:(iam|sts)::[0-9]{12}:[A-Za-z0-9+=,.@/_-]{1,1000}$"


class UnknownPerson(BulkheadError):
    """A request names someone who is not a person of the firm's roster. Terminal (a 4xx)."""


class Acted(Message):
    """Who acted, as the roster names them (and/or as AWS authenticated them)."""

    name: str = Field(min_length=1, max_length=2048, description="the roster name, or the IAM principal's ARN")
    person_id: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9.-]{0,62}$")
    role: str | None = None
    iam_principal: str | None = Field(default=None, pattern=IAM_PRINCIPAL)

    @model_validator(mode="after")
    def _someone(self) -> "Acted":
        if self.person_id is None and self.iam_principal is None:
            raise ValueError("who acted: a roster person or an IAM principal")
        return self

    @property
    def actor(self) -> str:
        return actor_of(self.name, self.iam_principal)

    @property
    def facts(self) -> dict[str, Any]:
        """What the entry's data records about who acted."""
        return {"by": self.name, "person_id": self.person_id, "role": self.role, "iam_principal": self.iam_principal}


def actor_of(name: str, iam_principal: str | None = None) -> str:
    """A ledger entry's actor: the person (by roster name) where one is named, else the IAM principal.

    With both, the principal that AWS authenticated is in the entry's data (`iam_principal`)."""
    return f"iam:{iam_principal}" if iam_principal and name == iam_principal else f"person:{name}"


def roster_ids(config: FirmConfig) -> str:
    return ", ".join(dict.fromkeys(p.person_id for r in config.roles for p in r.people)) or "none configured"


def roster_person(config: FirmConfig, named: str, iam_principal: str | None = None) -> Acted:
    """The roster person `named` (their id or name, any case), as the roster names them."""
    wanted = named.strip()
    found = next(
        ((p, r.role) for r in config.roles for p in r.people if wanted.casefold() in {p.person_id, p.name.casefold()}),
        None,
    )
    if found is None:
        raise UnknownPerson(f"{wanted!r} is not a person of the roster (ids: {roster_ids(config)})")
    person, role = found
    return Acted(name=person.name, person_id=person.person_id, role=role.value, iam_principal=iam_principal)


def iam_principal(arn: str, config: FirmConfig | None = None, named: str | None = None) -> Acted:
    """The caller's IAM principal; with a roster person named too, both."""
    if named and config is not None:
        return roster_person(config, named, arn)
    return Acted(name=arn, iam_principal=arn)


def vouch(config: FirmConfig, claimed: Acted) -> Acted:
    """A person a request claims, checked against the roster: an unknown id is refused, and the name
    and role recorded are the roster's, never the request's."""
    if claimed.person_id is None:
        return claimed
    return roster_person(config, claimed.person_id, claimed.iam_principal)


def vouch_actor(config: FirmConfig, actor: str) -> Acted:
    """An actor string (`person:<id or name>`, `iam:<ARN>`) a step receives, checked as `vouch` does."""
    if actor.startswith("iam:"):
        arn = actor.removeprefix("iam:")
        if re.fullmatch(IAM_PRINCIPAL, arn) is None:
            raise UnknownPerson(f"{actor!r} is not an IAM principal's ARN")
        return Acted(name=arn, iam_principal=arn)
    return roster_person(config, actor.removeprefix("person:"))
