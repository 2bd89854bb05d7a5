"""Base classes for every boundary model."""

import re

from pydantic import BaseModel, ConfigDict

# The one format of an incident id (detection mints `inc-YYYYMMDD-...`); every model and the CLI check it.
INCIDENT_ID = r"^inc-[0-9a-z-]{8,80}$"


def is_incident_id(value: str) -> bool:
    return re.fullmatch(INCIDENT_ID, value) is not None


class Message(BaseModel):
    """A payload that crosses a boundary: immutable, no unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class StepError(Message):
    """What a state machine Catch puts at `$.error`: the error name and its cause."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    Error: str
    Cause: str = ""
