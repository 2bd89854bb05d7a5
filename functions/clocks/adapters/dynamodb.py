"""Clocks in DynamoDB: partition `incident_id`, sort `clock_id`; status changes are conditional."""

from typing import Any

from botocore.exceptions import ClientError

from functions.clocks.models import Clock, ClockStatus

_LIVE = (ClockStatus.OPEN.value, ClockStatus.WAITING.value)


class DynamoClockStore:
    def __init__(self, dynamodb: Any, table_name: str) -> None:
        self._db = dynamodb
        self._table = table_name

    def put_new(self, clock: Clock) -> bool:
        return self._put(clock, "attribute_not_exists(incident_id)", {})

    def replace(self, clock: Clock, expected: ClockStatus) -> bool:
        return self._put(clock, "#s = :expected", {":expected": {"S": expected.value}})

    def for_incident(self, incident_id: str) -> list[Clock]:
        pages = self._db.get_paginator("query").paginate(
            TableName=self._table,
            KeyConditionExpression="incident_id = :i",
            ExpressionAttributeValues={":i": {"S": incident_id}},
            ConsistentRead=True,
        )
        return [_from_item(item) for page in pages for item in page.get("Items", [])]

    def live(self) -> list[Clock]:
        # Open clocks are few (the open incidents' regimes): a filtered scan stays small.
        pages = self._db.get_paginator("scan").paginate(
            TableName=self._table,
            FilterExpression="#s IN (:open, :waiting)",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":open": {"S": _LIVE[0]}, ":waiting": {"S": _LIVE[1]}},
            ConsistentRead=True,
        )
        return [_from_item(item) for page in pages for item in page.get("Items", [])]

    def _put(self, clock: Clock, condition: str, values: dict[str, Any]) -> bool:
        extra: dict[str, Any] = {"ExpressionAttributeValues": values} if values else {}
        if values:
            extra["ExpressionAttributeNames"] = {"#s": "status"}
        try:
            self._db.put_item(TableName=self._table, Item=_to_item(clock), ConditionExpression=condition, **extra)
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True


def _to_item(clock: Clock) -> dict[str, Any]:
    item: dict[str, Any] = {
        "incident_id": {"S": clock.incident_id},
        "clock_id": {"S": clock.clock_id},
        "status": {"S": clock.status.value},
        "clock": {"S": clock.model_dump_json()},
    }
    if clock.deadline:
        item["deadline"] = {"S": clock.deadline.isoformat()}
    return item


def _from_item(item: dict[str, Any]) -> Clock:
    return Clock.model_validate_json(item["clock"]["S"])
