"""What ingestion needs from the outside world."""

from typing import Protocol

from functions.ingest.models import Signal


class SignalBus(Protocol):
    def publish(self, signal: Signal) -> None:
        """Put the signal on the event bus; raise if the bus did not take it."""
        ...
