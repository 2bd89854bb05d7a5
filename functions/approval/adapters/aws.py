"""Approvals on AWS: tokens in DynamoDB, decisions to Step Functions."""

import json
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from functions.approval.models import DecisionClaim, PendingApproval, PendingNoticeReview


class DynamoApprovalStore:
    def __init__(self, dynamodb: Any, table_name: str) -> None:
        self._db = dynamodb
        self._table = table_name

    def _item(self, pending: PendingApproval) -> dict[str, Any]:
        return {
            "incident_id": {"S": pending.incident_id},
            "pending": {"S": pending.model_dump_json()},
            # TTL removes the item a day after its stage ended (the record is in the ledger).
            "expires_at": {"N": str(int(pending.expires_at.timestamp()) + 86_400)},
        }

    def put(self, pending: PendingApproval) -> None:
        self._db.put_item(TableName=self._table, Item=self._item(pending))

    def claim(self, pending: PendingApproval, claim: DecisionClaim) -> DecisionClaim | None:
        return _claim(self._db, self._table, self._item(pending), claim)

    def release(self, pending: PendingApproval, claim: DecisionClaim) -> None:
        _release(self._db, self._table, self._item(pending), claim)

    def get(self, incident_id: str) -> PendingApproval | None:
        item = self._db.get_item(TableName=self._table, Key={"incident_id": {"S": incident_id}}, ConsistentRead=True)
        found = item.get("Item")
        return PendingApproval.model_validate_json(found["pending"]["S"]) if found else None

    def remove(self, incident_id: str) -> None:
        self._db.delete_item(TableName=self._table, Key={"incident_id": {"S": incident_id}})


class DynamoNoticeReviewStore:
    """Notice reviews in the approvals table, beside the approvals, keyed `notice-review#<incident>`."""

    PREFIX = "notice-review#"

    def __init__(self, dynamodb: Any, table_name: str) -> None:
        self._db = dynamodb
        self._table = table_name

    def _key(self, incident_id: str) -> dict[str, Any]:
        return {"incident_id": {"S": f"{self.PREFIX}{incident_id}"}}

    def _item(self, pending: PendingNoticeReview) -> dict[str, Any]:
        ends = pending.expires_at or pending.prepared_at
        return {
            **self._key(pending.incident_id),
            "pending": {"S": pending.model_dump_json()},
            # TTL: a week after its stage ended (the record is in the ledger; a held notice waits for people)
            "expires_at": {"N": str(int(ends.timestamp()) + 7 * 86_400)},
        }

    def put(self, pending: PendingNoticeReview) -> None:
        self._db.put_item(TableName=self._table, Item=self._item(pending))

    def claim(self, pending: PendingNoticeReview, claim: DecisionClaim) -> DecisionClaim | None:
        return _claim(self._db, self._table, self._item(pending), claim)

    def release(self, pending: PendingNoticeReview, claim: DecisionClaim) -> None:
        _release(self._db, self._table, self._item(pending), claim)

    def get(self, incident_id: str) -> PendingNoticeReview | None:
        item = self._db.get_item(TableName=self._table, Key=self._key(incident_id), ConsistentRead=True)
        found = item.get("Item")
        return PendingNoticeReview.model_validate_json(found["pending"]["S"]) if found else None

    def remove(self, incident_id: str) -> None:
        self._db.delete_item(TableName=self._table, Key=self._key(incident_id))


class StepFunctionsExecution:
    def __init__(self, sfn: Any) -> None:
        self._sfn = sfn

    def resume(self, task_token: str, output: Mapping[str, object]) -> None:
        self._sfn.send_task_success(taskToken=task_token, output=json.dumps(output))

    def reject(self, task_token: str, error: str, cause: str) -> None:
        self._sfn.send_task_failure(taskToken=task_token, error=error, cause=cause)


def _claim(db: Any, table: str, item: dict[str, Any], claim: DecisionClaim) -> DecisionClaim | None:
    """Claim a waiting decision exactly as it was read, while nobody has: a conditional put (the roles
    hold PutItem, not UpdateItem), so DynamoDB serialises two deciders. Ours, the earlier claim, or
    None when the item is gone or changed since it was read."""
    try:
        db.put_item(
            TableName=table,
            Item={**item, "claimed": {"S": claim.model_dump_json()}},
            ConditionExpression="attribute_not_exists(#claimed) AND #pending = :pending",
            ExpressionAttributeNames={"#claimed": "claimed", "#pending": "pending"},
            ExpressionAttributeValues={":pending": item["pending"]},
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        key = {"incident_id": item["incident_id"]}
        held = db.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item", {}).get("claimed")
        return DecisionClaim.model_validate_json(held["S"]) if held else None
    return claim


def _release(db: Any, table: str, item: dict[str, Any], claim: DecisionClaim) -> None:
    """Give our claim back (the decision could not be delivered): the decision waits again."""
    try:
        db.put_item(
            TableName=table,
            Item=item,
            ConditionExpression="#claimed = :claim",
            ExpressionAttributeNames={"#claimed": "claimed"},
            ExpressionAttributeValues={":claim": {"S": claim.model_dump_json()}},
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
