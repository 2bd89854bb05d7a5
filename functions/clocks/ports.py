"""What clocks need: a store with conditional updates, one-time reminders, a pager."""

from typing import Protocol

from functions.clocks.models import Clock, ClockStatus, Reminder


class ClockStore(Protocol):
    def put_new(self, clock: Clock) -> bool:
        """Write the clock unless it exists; False when it already does (a redelivered step)."""
        ...

    def replace(self, clock: Clock, expected: ClockStatus) -> bool:
        """Write the clock if its stored status is still `expected`; False when someone moved it."""
        ...

    def for_incident(self, incident_id: str) -> list[Clock]: ...

    def live(self) -> list[Clock]:
        """Every clock that is open or waiting for its start event, across incidents."""
        ...


class ReminderScheduler(Protocol):
    def schedule(self, reminder: Reminder) -> None:
        """Create a one-time schedule; an existing one of the same name is left as it is."""
        ...

    def cancel(self, name: str) -> None:
        """Delete a schedule; one that already fired or never existed is fine."""
        ...
