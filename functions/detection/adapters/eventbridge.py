"""`IncidentDeclared` onto the Bulkhead event bus."""

from typing import Any

from functions.common.bus import INCIDENT_DECLARED, put_event
from functions.detection.models import IncidentDeclared


class EventBridgeIncidentBus:
    def __init__(self, events: Any, bus_name: str) -> None:
        self._events = events
        self._bus = bus_name

    def declare(self, declared: IncidentDeclared) -> None:
        put_event(self._events, self._bus, INCIDENT_DECLARED, declared.model_dump(mode="json"))
