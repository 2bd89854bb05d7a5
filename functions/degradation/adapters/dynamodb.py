"""Store controls in DynamoDB: one item per store, written with an optimistic version check."""

import json
from typing import Any

from botocore.exceptions import ClientError

from functions.common.errors import TransientPlatformError
from functions.degradation.models import DegradationMode, StoreControls


class DynamoControlsStore:
    def __init__(self, dynamodb: Any, table_name: str) -> None:
        self._db = dynamodb
        self._table = table_name

    def current(self, store_id: str) -> StoreControls:
        item = self._db.get_item(TableName=self._table, Key={"store_id": {"S": store_id}}, ConsistentRead=True).get(
            "Item"
        )
        if not item:
            return StoreControls(store_id=store_id, modes=(DegradationMode.NORMAL,))
        return StoreControls.model_validate(json.loads(item["controls"]["S"]))

    def put(self, controls: StoreControls) -> StoreControls:
        try:
            self._db.put_item(
                TableName=self._table,
                Item={
                    "store_id": {"S": controls.store_id},
                    "version": {"N": str(controls.version)},
                    "controls": {"S": controls.model_dump_json()},
                },
                ConditionExpression="attribute_not_exists(store_id) OR version = :prev",
                ExpressionAttributeValues={":prev": {"N": str(controls.version - 1)}},
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise TransientPlatformError("store controls changed concurrently; retry") from exc
            raise
        return controls
