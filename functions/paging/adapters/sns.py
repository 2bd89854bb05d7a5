"""Pages on the on-call SNS topic; each subscription filters on the `stage` attribute."""

from typing import Any

from functions.paging.models import Page


class SnsPager:
    def __init__(self, sns: Any, topic_arn: str) -> None:
        self._sns = sns
        self._topic = topic_arn

    def page(self, page: Page) -> None:
        attributes = {
            "stage": {"DataType": "String", "StringValue": page.stage},
            "severity": {"DataType": "String", "StringValue": page.severity},
            "incident_id": {"DataType": "String", "StringValue": page.incident_id},
        }
        if page.person:  # a subscription per person filters on it
            attributes["person"] = {"DataType": "String", "StringValue": page.person}
        self._sns.publish(
            TopicArn=self._topic, Subject=page.subject, Message=page.message, MessageAttributes=attributes
        )


class FanOutPager:
    """Every pager gets the page; SNS first, so a PagerDuty outage never hides the SNS page."""

    def __init__(self, *pagers: Any) -> None:
        self._pagers = pagers

    def page(self, page: Page) -> None:
        for pager in self._pagers:
            pager.page(page)
