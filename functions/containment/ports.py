"""What containment needs from platform adapters, the pre-state vault and the ledger."""

from datetime import datetime
from typing import Any, Protocol

from functions.containment.models import PlannedAction, PreState, RestoreCheck
from functions.ledger.models import LedgerEntry


class ActionExecutor(Protocol):
    """One kind of action on one store. Every method is safe to call again after a failure."""

    def snapshot(self, action: PlannedAction) -> dict[str, Any]:
        """Read what the action is about to change (no mutation)."""
        ...

    def manual_instructions(self, action: PlannedAction, pre: dict[str, Any]) -> str | None:
        """Exact steps for a human where no API can act; None where the executor acts itself."""
        ...

    def apply(self, action: PlannedAction, pre: dict[str, Any]) -> int:
        """Act; returns how many objects changed. Idempotent: objects already contained are skipped."""
        ...

    def verify(self, action: PlannedAction, pre: dict[str, Any]) -> bool:
        """Read back: is the action in effect?"""
        ...

    def revert(self, action: PlannedAction, pre: dict[str, Any]) -> int | None:
        """Put the pre-state back; None where it cannot be (the outcome says why). Idempotent."""
        ...

    def restore_check(self, action: PlannedAction, pre: dict[str, Any]) -> RestoreCheck:
        """Read back after `revert`: does the platform show the pre-state again (docs/containment.md)?"""
        ...


class ActionCatalogue(Protocol):
    def executor(self, action: PlannedAction) -> ActionExecutor | None:
        """The executor for this action, or None where only a human can carry it out."""
        ...


class PreStateVault(Protocol):
    def put(self, pre: PreState) -> str:
        """Store once (encrypted); returns the SHA-256 of the canonical plaintext. A repeat keeps the first."""
        ...

    def get(self, incident_id: str, action_id: str) -> tuple[PreState, str] | None:
        """The stored pre-state and its hash, or None."""
        ...


class ActionJournal(Protocol):
    def entries(self, incident_id: str) -> list[LedgerEntry]:
        """The incident's ledger entries in order (read-only)."""
        ...


class AuditTrail(Protocol):
    def activity_since(self, store_id: str, rule_id: str, since: datetime, now: datetime) -> tuple[int, str | None]:
        """Correlation windows of `rule_id` on the store that saw a signal after `since`, and the last one's time."""
        ...
