"""What detection needs from the outside world."""

from datetime import datetime
from typing import Protocol

from functions.detection.models import IncidentDeclared, Tally, WindowSummary


class IncidentBus(Protocol):
    def declare(self, declared: IncidentDeclared) -> None: ...


class DispositionStore(Protocol):
    """Per-day, per-window counters: the correlation state and the auditor's disposition record."""

    def count(
        self, day: str, window: str, facts: dict[str, str | int], signal_id: str, at: datetime, weight: int
    ) -> Tally:
        """Add one signal (and its weight) to the window; create the window on its first signal."""
        ...

    def count_below_threshold(self, day: str, window: str) -> None: ...

    def remember_subjects(self, day: str, window: str, subjects: tuple[str, ...]) -> None:
        """Add platform ids of affected records to the window, so the incident's scope covers the burst."""
        ...

    def subjects(self, day: str, window: str) -> tuple[str, ...]: ...

    def claim(self, day: str, window: str, at: datetime, lease_seconds: int) -> bool:
        """True for the one caller allowed to declare (until its lease runs out)."""
        ...

    def mark_declared(self, day: str, window: str, at: datetime) -> None: ...

    def day(self, day: str) -> list[WindowSummary]: ...
