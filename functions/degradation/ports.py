"""Where the current modes live."""

from typing import Protocol

from functions.degradation.models import StoreControls


class ControlsStore(Protocol):
    def current(self, store_id: str) -> StoreControls: ...

    def put(self, controls: StoreControls) -> StoreControls:
        """Write if the stored version is still `controls.version - 1`; return what is stored."""
        ...
