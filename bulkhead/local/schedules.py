"""The deployed stack's recurring jobs (`infra.fabric.SCHEDULES`), fired by the local service.

In AWS, EventBridge Scheduler invokes each function with its input every `rate_minutes` or on its
cron expression. The local service does the same on the local clock: the mode-expiry check and
the clock sweep every five minutes, the control-health canary daily, the monthly drill (which does
nothing unless the configuration enables drills). Only the cron form the fabric uses is read:
fixed minute, hour and day of month, `*` or `?` elsewhere.
"""

import json
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from infra.fabric import SCHEDULES, ScheduleSpec


class UnsupportedSchedule(ValueError):
    """A cron expression the local service cannot fire (the fabric's own are all supported)."""


def next_time(spec: ScheduleSpec, after: datetime) -> datetime:
    """When the schedule fires next, strictly after `after`."""
    if spec.expression is None:
        return after + timedelta(minutes=spec.rate_minutes)
    minute, hour, day = _cron(spec.expression)
    candidate = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
    for _ in range(366 * 24 * 60):
        if (minute is None or candidate.minute == minute) and (hour is None or candidate.hour == hour):
            if day is None or candidate.day == day:
                return candidate
            # jump to the next day's first matching minute
            candidate = (candidate + timedelta(days=1)).replace(hour=0, minute=0)
            continue
        candidate += timedelta(minutes=1)
    raise UnsupportedSchedule(f"{spec.expression} never fires")


def _cron(expression: str) -> tuple[int | None, int | None, int | None]:
    fields = expression.removeprefix("cron(").removesuffix(")").split()
    if len(fields) != 6 or any(f not in ("*", "?") for f in fields[3:]):
        raise UnsupportedSchedule(f"{expression}: only minute, hour and day of month may be fixed locally")
    parsed: list[int | None] = []
    for field in fields[:3]:
        if field in ("*", "?"):
            parsed.append(None)
        elif field.isdigit():
            parsed.append(int(field))
        else:
            raise UnsupportedSchedule(f"{expression}: {field!r} is not a number")
    return parsed[0], parsed[1], parsed[2]


class LocalSchedules:
    """Fire each due schedule once, on its own thread (a canary or a drill may take a while)."""

    def __init__(
        self,
        invoke: Callable[[str, dict[str, Any]], Any],
        now: datetime,
        report: Callable[[str], None] = lambda _line: None,
        specs: Iterable[ScheduleSpec] = SCHEDULES,
    ) -> None:
        self._invoke = invoke
        self._report = report
        self._due = {spec: next_time(spec, now) for spec in specs}
        self._threads: list[threading.Thread] = []

    def fire_due(self, now: datetime | None = None) -> list[str]:
        """Start every schedule due at `now`; returns their names."""
        now = now or datetime.now(UTC)
        fired = []
        for spec, due in list(self._due.items()):
            if due > now:
                continue
            self._due[spec] = next_time(spec, now)
            thread = threading.Thread(target=self._run, args=(spec,), name=f"schedule-{spec.name}", daemon=True)
            thread.start()
            self._threads.append(thread)
            fired.append(spec.name)
        self._threads = [t for t in self._threads if t.is_alive()]
        return fired

    def wait(self, timeout: float = 30.0) -> None:
        for thread in list(self._threads):
            thread.join(timeout=timeout)

    def _run(self, spec: ScheduleSpec) -> None:
        try:
            self._invoke(spec.function, json.loads(spec.input))
        except Exception as exc:  # a failed run is reported; the next one comes on time regardless
            self._report(f"schedule {spec.name}: {spec.function} failed ({type(exc).__name__})")
            return
        self._report(f"schedule {spec.name}: {spec.function} ran")
