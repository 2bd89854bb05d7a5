"""On-call's inbox: an SQS queue subscribed to the fabric's on-call topic, every page as it was sent."""

import json
from typing import Any

from bulkhead.local.runtime import LocalFabric
from functions.common import clients


class OnCallInbox:
    def __init__(self, fabric: LocalFabric, queue: str = "oncall-inbox") -> None:
        sqs = clients.client("sqs")
        self.url = sqs.create_queue(QueueName=queue)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        clients.client("sns").subscribe(TopicArn=fabric.topics["OnCall"], Protocol="sqs", Endpoint=arn)
        self.pages: list[dict[str, Any]] = []

    def read(self) -> list[dict[str, Any]]:
        messages = clients.client("sqs").receive_message(QueueUrl=self.url, MaxNumberOfMessages=10)
        self.pages += [json.loads(m["Body"]) for m in messages.get("Messages", [])]
        return self.pages
