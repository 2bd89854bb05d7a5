"""What a containment action needs from a platform adapter."""

from typing import Protocol

from functions.containment.models import ActionOutcome, PlannedAction


class ActionExecutor(Protocol):
    def apply(self, incident_id: str, action: PlannedAction) -> ActionOutcome:
        """Snapshot the pre-state, apply, verify. Idempotent: a repeat does nothing twice."""
        ...


class ActionCatalogue(Protocol):
    def executor(self, action: PlannedAction) -> ActionExecutor | None:
        """The executor for this action, or None where only a human can carry it out."""
        ...
