"""What ingestion needs from the outside world."""

from collections.abc import Callable
from typing import Protocol

from functions.ingest.models import Signal


class SignalBus(Protocol):
    def publish(self, signal: Signal) -> None:
        """Put the signal on the event bus; raise if the bus did not take it."""
        ...


class Deduplicator(Protocol):
    def once(self, signal: Signal, publish: Callable[[Signal], None]) -> bool:
        """Run `publish` for the first delivery of this signal id; False for a repeat.

        Raise `Rejected(409)` when the id was seen with a different payload or is still in flight.
        """
        ...
