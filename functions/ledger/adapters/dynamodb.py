"""Ledger entries in DynamoDB: partition `incident_id`, sort `seq` (number).

An item holds the keys, the exact canonical bytes that were hashed (`body`, RFC 8785 JSON) and
the hash. Nothing else: every field a reader sees is parsed from `body`, so there is no second copy
that could be edited without breaking the hash.
"""

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from functions.ledger.canonical import canonical
from functions.ledger.models import LedgerEntry, SealedEntry


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
        return LedgerEntry.from_sealed(_sealed(items[0])) if items else None

    def put_new(self, entry: LedgerEntry) -> bool:
        try:
            self._db.put_item(
                TableName=self._table,
                Item=to_item(entry),
                ConditionExpression="attribute_not_exists(incident_id) AND attribute_not_exists(seq)",
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def entries(self, incident_id: str) -> Iterator[LedgerEntry]:
        for sealed in self.sealed(incident_id):
            yield LedgerEntry.from_sealed(sealed)

    def sealed(self, incident_id: str) -> Iterator[SealedEntry]:
        paginator = self._db.get_paginator("query")
        pages = paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="incident_id = :i",
            ExpressionAttributeValues={":i": {"S": incident_id}},
            ConsistentRead=True,
        )
        for page in pages:
            for item in page.get("Items", []):
                yield _sealed(item)


def to_item(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "incident_id": {"S": entry.incident_id},
        "seq": {"N": str(entry.seq)},
        "body": {"S": canonical(entry.body()).decode()},
        "hash": {"S": entry.hash},
    }


def _sealed(item: dict[str, Any]) -> SealedEntry:
    return SealedEntry.parse(item["body"]["S"].encode(), item["hash"]["S"])
