"""The local service fires the deployed stack's schedules on the local clock, as EventBridge Scheduler would."""

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bulkhead.local.schedules import LocalSchedules, UnsupportedSchedule, next_time
from infra.fabric import SCHEDULES, ScheduleSpec

T0 = datetime(2026, 11, 30, 12, 0, 7, tzinfo=UTC)


def test_a_rate_schedule_fires_one_period_later() -> None:
    assert next_time(ScheduleSpec("Sweep", "SweepClocks", 5), T0) == T0 + timedelta(minutes=5)


def test_the_monthly_drill_fires_at_nine_on_the_first_of_the_month() -> None:
    monthly = ScheduleSpec("Monthly", "StartScheduledDrill", expression="cron(0 9 1 * ? *)")
    first = next_time(monthly, T0)
    assert first == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    assert next_time(monthly, first) == datetime(2027, 1, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("expression", ["cron(0 9 ? * MON *)", "cron(0/5 * * * ? *)", "cron(0 9 1)"])
def test_a_cron_the_local_service_cannot_fire_is_refused_naming_it(expression: str) -> None:
    with pytest.raises(UnsupportedSchedule, match=re.escape(expression)):
        next_time(ScheduleSpec("x", "SweepClocks", expression=expression), T0)


def test_every_schedule_of_the_fabric_can_be_fired_locally() -> None:
    assert all(next_time(spec, T0) > T0 for spec in SCHEDULES)


def test_due_schedules_invoke_their_function_once_with_their_input() -> None:
    calls: list[tuple[str, dict[str, Any]]] = []
    lines: list[str] = []
    specs = (ScheduleSpec("Sweep", "SweepClocks", 5), ScheduleSpec("Daily", "CheckControlHealth", 24 * 60))
    schedules = LocalSchedules(lambda f, e: calls.append((f, e)), T0, lines.append, specs)

    assert schedules.fire_due(T0 + timedelta(minutes=4)) == []
    assert schedules.fire_due(T0 + timedelta(minutes=5)) == ["Sweep"]
    assert schedules.fire_due(T0 + timedelta(minutes=5)) == []  # not twice for one due time
    schedules.wait()
    assert calls == [("SweepClocks", {})]
    assert lines == ["schedule Sweep: SweepClocks ran"]


def test_a_failing_run_is_reported_and_the_next_one_still_comes() -> None:
    lines: list[str] = []

    def broken(_function: str, _event: dict[str, Any]) -> None:
        raise RuntimeError("table unreachable")

    schedules = LocalSchedules(broken, T0, lines.append, (ScheduleSpec("Sweep", "SweepClocks", 5),))
    schedules.fire_due(T0 + timedelta(minutes=5))
    schedules.wait()
    assert schedules.fire_due(T0 + timedelta(minutes=10)) == ["Sweep"]
    schedules.wait()
    assert lines == ["schedule Sweep: SweepClocks failed (RuntimeError)"] * 2
