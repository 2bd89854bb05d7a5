"""A run's timeline: each step with its start, duration and outcome, from the execution history."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

_FAILURES = ("LambdaFunctionFailed", "LambdaFunctionTimedOut", "TaskFailed", "TaskTimedOut", "ExecutionFailed")


@dataclass(frozen=True)
class Step:
    name: str
    started: datetime
    seconds: float
    outcome: str  # ok | retried | failed | running


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
