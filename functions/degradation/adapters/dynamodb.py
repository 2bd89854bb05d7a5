"""Store controls in DynamoDB: one item per store, written with an optimistic version check.

The item keeps the rules as JSON (`controls`) and the version as a number the condition compares.
Any failure to reach the table is `ControlsUnavailable`, so callers apply their own rule for it.
"""

import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from functions.degradation.errors import ControlsConflict, ControlsUnavailable
from functions.degradation.models import StoreControls


class DynamoControlsStore:
    def __init__(self, dynamodb: Any, table_name: str) -> None:
        self._db = dynamodb
        self._table = table_name

    def current(self, store_id: str) -> StoreControls:
        try:
            response = self._db.get_item(TableName=self._table, Key={"store_id": {"S": store_id}}, ConsistentRead=True)
        except (ClientError, BotoCoreError) as exc:
            raise ControlsUnavailable(f"controls table unreachable: {_code(exc)}") from exc
        item = response.get("Item")
        if not item:
            return StoreControls(store_id=store_id)
        return StoreControls.from_stored(json.loads(item["controls"]["S"]))

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
                raise ControlsConflict("store controls changed concurrently; retry") from exc
            raise ControlsUnavailable(f"controls table refused the write: {_code(exc)}") from exc
        except BotoCoreError as exc:
            raise ControlsUnavailable(f"controls table unreachable: {_code(exc)}") from exc
        return controls


def _code(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response["Error"].get("Code", "unknown"))
    return type(exc).__name__
