"""Ledger entries in DynamoDB: partition `incident_id`, sort `seq` (number)."""

import json
from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from functions.ledger.models import LedgerEntry


class DynamoLedgerStore:
    def __init__(self, dynamodb: Any, table_name: str) -> None:
        self._db = dynamodb
        self._table = table_name

    def head(self, incident_id: str) -> LedgerEntry | None:
        response = self._db.query(
            TableName=self._table,
            KeyConditionExpression="incident_id = :i",
            ExpressionAttributeValues={":i": {"S": incident_id}},
            ScanIndexForward=False,
            Limit=1,
            ConsistentRead=True,
        )
        items = response.get("Items", [])
        return _from_item(items[0]) if items else None

    def put_new(self, entry: LedgerEntry) -> bool:
        try:
            self._db.put_item(
                TableName=self._table,
                Item=_to_item(entry),
                ConditionExpression="attribute_not_exists(incident_id) AND attribute_not_exists(seq)",
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def entries(self, incident_id: str) -> Iterator[LedgerEntry]:
        paginator = self._db.get_paginator("query")
        pages = paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="incident_id = :i",
            ExpressionAttributeValues={":i": {"S": incident_id}},
            ConsistentRead=True,
        )
        for page in pages:
            for item in page.get("Items", []):
                yield _from_item(item)


def _to_item(entry: LedgerEntry) -> dict[str, Any]:
    wire = entry.model_dump(mode="json")
    return {
        "incident_id": {"S": entry.incident_id},
        "seq": {"N": str(entry.seq)},
        "type": {"S": wire["type"]},
        "actor": {"S": entry.actor},
        "at": {"S": wire["at"]},
        "data": {"S": json.dumps(wire["data"], sort_keys=True, separators=(",", ":"))},
        "prev_hash": {"S": entry.prev_hash},
        "hash": {"S": entry.hash},
    }


def _from_item(item: dict[str, Any]) -> LedgerEntry:
    return LedgerEntry(
        incident_id=item["incident_id"]["S"],
        seq=int(item["seq"]["N"]),
        type=item["type"]["S"],
        actor=item["actor"]["S"],
        at=item["at"]["S"],
        data=json.loads(item["data"]["S"]),
        prev_hash=item["prev_hash"]["S"],
        hash=item["hash"]["S"],
    )
