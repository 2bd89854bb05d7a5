"""Raise overdue modes: a CloudWatch metric the alarm watches, and a page to on-call.

The metric is written as Powertools EMF (a structured log line CloudWatch turns into a metric), so
the function needs no CloudWatch API permission; `infra/fabric.py` ALARMS defines the alarm on it.
"""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from functions.degradation.models import ExpiryReport

OVERDUE_METRIC = "DegradationModesOverdue"
UNREACHABLE_METRIC = "DegradationControlsUnreachable"


class OverdueAlarm:
    def __init__(self, metrics: Any, sns: Any, topic_arn: str) -> None:
        self._metrics = metrics
        self._sns = sns
        self._topic = topic_arn

    def raise_overdue(self, report: ExpiryReport) -> None:
        # Published on every check, zero included, so the alarm sees data and can return to OK.
        self._metrics.add_metric(name=OVERDUE_METRIC, unit=MetricUnit.Count, value=len(report.overdue))
        self._metrics.add_metric(name=UNREACHABLE_METRIC, unit=MetricUnit.Count, value=len(report.unreachable))
        if not report.overdue:
            return
        lines = [
            f"- {o.store_id} {('segment ' + o.segment) if o.segment else 'store-wide'}: "
            f"{', '.join(m.value for m in o.modes)} expired {o.overdue_minutes} min ago"
            + (f" (incident {o.incident_id})" if o.incident_id else "")
            for o in report.overdue
        ]
        self._sns.publish(
            TopicArn=self._topic,
            Subject="Bulkhead: degradation mode past its expiry",
            Message="These modes are still enforced past their expiry. Renew them with `bulkhead degrade "
            "STORE MODE --ttl ...` or end them with `bulkhead degrade STORE --clear`.\n" + "\n".join(lines),
        )
