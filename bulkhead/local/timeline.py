"""A run's timeline: each step with its start, duration and outcome, from the execution history."""

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the seam imports moto; a drill against AWS reads its timeline without it
    from bulkhead.local.lambda_seam import Invocation

# The functions that run before the state machine (ingest and detection), by their step names.
INGEST_FUNCTIONS = {
    "bulkhead-ReceiveWebhook": "ReceiveWebhook",
    "bulkhead-ReceiveAdobeCommerceWebhook": "ReceiveAdobeCommerceWebhook",
    "bulkhead-ReceivePlatformEvent": "ReceivePlatformEvent",
    "bulkhead-DetectIncident": "DetectIncident",
}
_FAILURES = ("LambdaFunctionFailed", "LambdaFunctionTimedOut", "TaskFailed", "TaskTimedOut", "ExecutionFailed")


@dataclass(frozen=True)
class Step:
    name: str
    started: datetime
    seconds: float
    outcome: str  # ok | retried | failed | running
    count: int = 1  # > 1: this many runs of the step in a row, shown as one (see `grouped`)


def ingest_steps(invocations: "Iterable[Invocation]", since: float) -> list[Step]:
    """Ingest and detection run before the state machine: take them from the invocation log."""
    wall = time.time() - time.monotonic()
    return [
        Step(
            INGEST_FUNCTIONS[i.function_name],
            datetime.fromtimestamp(wall + i.started, UTC),
            i.seconds,
            "failed" if i.error else "ok",
        )
        for i in invocations
        if i.function_name in INGEST_FUNCTIONS and i.started >= since
    ]


# The worst outcome of a group is the group's outcome.
_SEVERITY = {"ok": 0, "retried": 1, "running": 2, "failed": 3}


def grouped(steps: list[Step]) -> list[Step]:
    """Runs of the same step one after another become one row: from the first start to the last end,
    with their count and worst outcome (50 webhook deliveries -> one ReceiveWebhook x50)."""
    rows: list[Step] = []
    for step in sorted(steps, key=lambda s: s.started):
        last = rows[-1] if rows else None
        if last is None or last.name != step.name:
            rows.append(step)
            continue
        end = max(last.started.timestamp() + last.seconds, step.started.timestamp() + step.seconds)
        worst = max(last.outcome, step.outcome, key=lambda o: _SEVERITY.get(o, 0))
        rows[-1] = Step(last.name, last.started, end - last.started.timestamp(), worst, last.count + step.count)
    return rows


def steps_from_history(events: list[dict[str, Any]]) -> list[Step]:
    """Pair each StateEntered with its StateExited; note failures seen in between."""
    open_steps: dict[str, list[tuple[datetime, int]]] = {}
    failures: list[tuple[int, str]] = []
    steps: list[Step] = []
    for event in events:
        kind = event["type"]
        if kind.endswith("StateEntered"):
            name = event["stateEnteredEventDetails"]["name"]
            open_steps.setdefault(name, []).append((event["timestamp"], event["id"]))
        elif kind.endswith("StateExited"):
            name = event["stateExitedEventDetails"]["name"]
            started, entered_id = open_steps[name].pop(0)
            failed = [f for f in failures if f[0] > entered_id]
            outcome = "ok" if not failed else "retried"
            steps.append(Step(name, started, (event["timestamp"] - started).total_seconds(), outcome))
        elif kind in _FAILURES:
            failures.append((event["id"], kind))
    for name, pending in open_steps.items():
        for started, _ in pending:
            steps.append(Step(name, started, 0.0, "failed" if failures else "running"))
    return sorted(steps, key=lambda s: s.started)
