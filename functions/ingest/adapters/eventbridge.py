"""Signals onto the Bulkhead event bus."""

from typing import Any

from functions.common.bus import SIGNAL_RECEIVED, put_event
from functions.ingest.models import Signal


class EventBridgeSignalBus:
    def __init__(self, events: Any, bus_name: str) -> None:
        self._events = events
        self._bus = bus_name

    def publish(self, signal: Signal) -> None:
        put_event(self._events, self._bus, SIGNAL_RECEIVED, signal.model_dump(mode="json"))
