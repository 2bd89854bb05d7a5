"""What the gates decided, as CloudWatch metrics in EMF: the on-call view's "checkouts blocked" figure.

A fresh `EphemeralMetrics` per answer: nothing is buffered in module globals, so gate handlers running
concurrently in one process (the local runtime) never mix their figures.
"""

from collections.abc import Callable

from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

from functions.degradation.models import GateDecision, Hook

NAMESPACE = "Bulkhead"
ALLOWED = "GateAllowed"
BLOCKED = "GateBlocked"


def emit_gate_answer(hook: Hook, decision: GateDecision, make: Callable[[], EphemeralMetrics] | None = None) -> str:
    """One count per answer, by store and hook; returns the metric written."""
    metrics = (make or (lambda: EphemeralMetrics(namespace=NAMESPACE, service="bulkhead")))()
    name = ALLOWED if decision.answer.op == "success" else BLOCKED
    metrics.add_dimension(name="StoreId", value=decision.store_id or "unknown")
    metrics.add_dimension(name="Hook", value=hook.value)
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)
    metrics.flush_metrics()
    return name
