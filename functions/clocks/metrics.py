"""The on-call figures as CloudWatch metrics in EMF, one flush per dimension set.

A fresh `EphemeralMetrics` per flush: nothing is buffered in module globals, so handlers running
concurrently in one process (the local runtime) never mix their figures.
"""

from collections.abc import Callable, Mapping

from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

from functions.clocks.figures import Figures, metric_values

NAMESPACE = "Bulkhead"


def emit(figures: Figures, make: Callable[[], EphemeralMetrics] | None = None) -> int:
    """Write the figures' metrics to stdout as EMF; returns how many metric values were written."""
    factory = make or (lambda: EphemeralMetrics(namespace=NAMESPACE, service="bulkhead"))
    written = _flush(factory(), {}, metric_values(figures))
    for severity, count in figures.open_by_severity.items():
        written += _flush(factory(), {"Severity": severity}, {"OpenIncidents": count})
    for store in figures.stores:
        degraded = 0 if store.modes == ("normal",) else len(store.modes)
        written += _flush(
            factory(),
            {"StoreId": store.store_id},
            {"DegradedModes": degraded, "DegradationPastExpiry": int(store.past_expiry)},
        )
    open_incidents = [i for i in figures.live_incidents if i.open]
    totals = {
        "ActionsApplied": sum(i.actions_applied for i in open_incidents),
        "ActionsFailed": sum(i.actions_failed for i in open_incidents),
        "NotificationsSent": sum(i.notifications_sent for i in open_incidents),
        "NotificationsBounced": sum(i.notifications_bounced for i in open_incidents),
        "NotificationsFailed": sum(i.notifications_failed for i in open_incidents),
    }
    written += _flush(factory(), {}, totals)
    for incident in open_incidents:
        timings = {
            "TimeToDetectSeconds": incident.time_to_detect_seconds,
            "TimeToContainSeconds": incident.time_to_contain_seconds,
            "TimeToNotifySeconds": incident.time_to_notify_seconds,
        }
        written += _flush(factory(), {}, {k: v for k, v in timings.items() if v is not None})
    return written


def _flush(metrics: EphemeralMetrics, dimensions: Mapping[str, str], values: Mapping[str, float]) -> int:
    if not values:
        return 0
    for dimension, label in dimensions.items():
        metrics.add_dimension(name=dimension, value=label)
    for name, value in values.items():
        unit = MetricUnit.Seconds if "Seconds" in name else MetricUnit.Count
        metrics.add_metric(name=name, unit=unit, value=value)
    metrics.flush_metrics()
    return len(values)
