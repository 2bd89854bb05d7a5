"""What detection needs from the outside world."""

from typing import Protocol

from functions.detection.models import IncidentDeclared


class IncidentBus(Protocol):
    def declare(self, declared: IncidentDeclared) -> None: ...
