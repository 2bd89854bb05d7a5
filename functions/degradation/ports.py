"""Where the current modes live, where they are projected, and where an overdue mode is raised."""

from typing import Protocol

from functions.degradation.models import ExpiryReport, StoreControls


class ControlsStore(Protocol):
    def current(self, store_id: str) -> StoreControls:
        """The stored controls; raises ControlsUnavailable when the store cannot be read."""
        ...

    def put(self, controls: StoreControls) -> StoreControls:
        """Write if the stored version is still `controls.version - 1`; return what is stored."""
        ...


class ModesProjector(Protocol):
    """Copies the controls to where a platform's own gates read them (a Shopify shop metafield)."""

    def project(self, controls: StoreControls) -> str:
        """Project idempotently; return a short description of what was done, for the ledger."""
        ...


class OverdueAlarm(Protocol):
    def raise_overdue(self, report: ExpiryReport) -> None:
        """Publish the count of overdue rules (the CloudWatch alarm watches it)."""
        ...
