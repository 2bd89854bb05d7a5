"""What incident command reads besides the ledger and the clocks."""

from typing import Protocol

from functions.response.models import EscalationRun


class IncidentIndex(Protocol):
    def incident_ids(self) -> list[str]:
        """Every incident with a declaration in the ledger, newest first."""
        ...


class EscalationRunner(Protocol):
    def start(self, run: EscalationRun) -> str:
        """Start the Escalation state machine on the difference; the execution's id. Starting the
        same escalation again starts nothing new."""
        ...
