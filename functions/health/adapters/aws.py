"""The AWS side of the canary: SES (v1 API), the on-call topic, and the drift metric."""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from functions.health.models import SendQuota

NAMESPACE = "Bulkhead"
METRIC = "ControlHealthFailures"


class SesControls:
    def __init__(self, ses: Any) -> None:
        self._ses = ses

    def identity_verified(self, sender: str) -> bool:
        identities = [sender, sender.rsplit("@", 1)[-1]]
        found = self._ses.get_identity_verification_attributes(Identities=identities)["VerificationAttributes"]
        return any(found.get(i, {}).get("VerificationStatus") == "Success" for i in identities)

    def send_quota(self) -> SendQuota:
        quota = self._ses.get_send_quota()
        return SendQuota(
            max_24_hour_send=float(quota["Max24HourSend"]),
            max_send_rate=float(quota["MaxSendRate"]),
            sent_last_24_hours=float(quota.get("SentLast24Hours", 0.0)),
        )


class SnsOnCall:
    def __init__(self, sns: Any, topic_arn: str) -> None:
        self._sns = sns
        self._topic = topic_arn

    def subscriptions(self) -> tuple[int, int]:
        confirmed = pending = 0
        for page in self._sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=self._topic):
            for subscription in page.get("Subscriptions", []):
                if subscription["SubscriptionArn"] in ("PendingConfirmation", "Deleted"):
                    pending += 1
                else:
                    confirmed += 1
        return confirmed, pending


class CloudWatchDriftAlarm:
    """Puts the count of broken controls with the CloudWatch API (the local fabric, where EMF is off)."""

    def __init__(self, cloudwatch: Any) -> None:
        self._cloudwatch = cloudwatch

    def report(self, broken: int, checked: int) -> None:
        self._cloudwatch.put_metric_data(
            Namespace=NAMESPACE,
            MetricData=[
                {"MetricName": METRIC, "Value": float(broken), "Unit": "Count"},
                {"MetricName": "ControlHealthChecks", "Value": float(checked), "Unit": "Count"},
            ],
        )


class EmfDriftAlarm:
    """In Lambda: the same metric as Powertools EMF (a log line CloudWatch turns into a metric), no API call."""

    def __init__(self, metrics: Any) -> None:
        self._metrics = metrics

    def report(self, broken: int, checked: int) -> None:
        # Published on every run, zero included, so the alarm sees data and returns to OK.
        self._metrics.add_metric(name=METRIC, unit=MetricUnit.Count, value=broken)
        self._metrics.add_metric(name="ControlHealthChecks", unit=MetricUnit.Count, value=checked)
