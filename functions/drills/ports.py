"""What scoring a drill needs: the incident's chain and its full verification; starting a response."""

from typing import Protocol

from functions.detection.models import IncidentDeclared
from functions.ledger.models import LedgerEntry, LedgerVerdict


class LedgerEvidence(Protocol):
    def entries(self, incident_id: str) -> list[LedgerEntry]: ...

    def verify(self, incident_id: str) -> LedgerVerdict:
        """Chain, every signed head against the trusted key, every milestone anchored (`verify_ledger`)."""
        ...


class ResponseStarter(Protocol):
    def start(self, declared: IncidentDeclared, name: str) -> str | None:
        """Start the Response state machine; the execution ARN, or None if `name` already ran."""
        ...
