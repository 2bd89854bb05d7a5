"""Approvals on AWS: tokens in DynamoDB, pages on SNS, decisions to Step Functions."""

import json
from typing import Any

from functions.approval.models import PendingApproval


class DynamoApprovalStore:
    def __init__(self, dynamodb: Any, table_name: str) -> None:
        self._db = dynamodb
        self._table = table_name

    def put(self, pending: PendingApproval) -> None:
        self._db.put_item(
            TableName=self._table,
            Item={
                "incident_id": {"S": pending.incident_id},
                "pending": {"S": pending.model_dump_json()},
                "expires_at": {"N": str(int(pending.expires_at.timestamp()))},
            },
        )

    def get(self, incident_id: str) -> PendingApproval | None:
        item = self._db.get_item(TableName=self._table, Key={"incident_id": {"S": incident_id}}, ConsistentRead=True)
        found = item.get("Item")
        return PendingApproval.model_validate_json(found["pending"]["S"]) if found else None

    def remove(self, incident_id: str) -> None:
        self._db.delete_item(TableName=self._table, Key={"incident_id": {"S": incident_id}})


class SnsPager:
    def __init__(self, sns: Any, topic_arn: str) -> None:
        self._sns = sns
        self._topic = topic_arn

    def page(self, subject: str, message: str) -> None:
        self._sns.publish(TopicArn=self._topic, Subject=subject[:100], Message=message)


class StepFunctionsExecution:
    def __init__(self, sfn: Any) -> None:
        self._sfn = sfn

    def resume(self, task_token: str, output: dict[str, str]) -> None:
        self._sfn.send_task_success(taskToken=task_token, output=json.dumps(output))

    def reject(self, task_token: str, error: str, cause: str) -> None:
        self._sfn.send_task_failure(taskToken=task_token, error=error, cause=cause)
