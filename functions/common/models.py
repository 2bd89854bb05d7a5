"""Base classes for every boundary model."""

from pydantic import BaseModel, ConfigDict


class Message(BaseModel):
    """A payload that crosses a boundary: immutable, no unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class StepError(Message):
    """What a state machine Catch puts at `$.error`: the error name and its cause."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    Error: str
    Cause: str = ""
