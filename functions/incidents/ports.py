"""What incident command reads besides the ledger and the clocks."""

from typing import Protocol


class IncidentIndex(Protocol):
    def incident_ids(self) -> list[str]:
        """Every incident with a declaration in the ledger, newest first."""
        ...
