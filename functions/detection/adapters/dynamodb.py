"""Disposition windows in DynamoDB: partition `day`, sort `window`; atomic counters, conditional claims."""

from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from functions.detection.models import Tally, WindowSummary


class DynamoDispositionStore:
    def __init__(self, dynamodb: Any, table_name: str) -> None:
        self._db = dynamodb
        self._table = table_name

    def count(
        self, day: str, window: str, facts: dict[str, str | int], signal_id: str, at: datetime, weight: int
    ) -> Tally:
        names = {f"#f{i}": key for i, key in enumerate(facts)}
        values: dict[str, Any] = {f":f{i}": _attr(value) for i, value in enumerate(facts.values())}
        first = ", ".join(f"#f{i} = if_not_exists(#f{i}, :f{i})" for i in range(len(facts)))
        response = self._db.update_item(
            TableName=self._table,
            Key=self._key(day, window),
            UpdateExpression=(
                f"ADD signals :one, weight :w SET {first}, first_signal_id = if_not_exists(first_signal_id, :sid), "
                "first_at = if_not_exists(first_at, :at), last_signal_id = :sid, last_at = :at"
            ),
            ExpressionAttributeNames=names,
            ExpressionAttributeValues={
                **values,
                ":one": {"N": "1"},
                ":w": {"N": str(weight)},
                ":sid": {"S": signal_id},
                ":at": {"S": at.isoformat()},
            },
            ReturnValues="ALL_NEW",
        )
        item = response["Attributes"]
        return Tally(signals=int(item["signals"]["N"]), weight=int(item["weight"]["N"]), declared="declared_at" in item)

    def count_below_threshold(self, day: str, window: str) -> None:
        self._db.update_item(
            TableName=self._table,
            Key=self._key(day, window),
            UpdateExpression="ADD below_threshold :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
        )

    def remember_subjects(self, day: str, window: str, subjects: tuple[str, ...]) -> None:
        if not subjects:
            return  # DynamoDB refuses an empty set
        self._db.update_item(
            TableName=self._table,
            Key=self._key(day, window),
            UpdateExpression="ADD subjects :s",
            ExpressionAttributeValues={":s": {"SS": sorted(set(subjects))}},
        )

    def subjects(self, day: str, window: str) -> tuple[str, ...]:
        # A Query on the full key, so the read grant stays the one the auditor's day view needs.
        items = self._db.query(
            TableName=self._table,
            KeyConditionExpression="#d = :d AND #w = :w",
            ExpressionAttributeNames={"#d": "day", "#w": "window"},
            ExpressionAttributeValues={":d": {"S": day}, ":w": {"S": window}},
            ProjectionExpression="subjects",
            ConsistentRead=True,
        ).get("Items", [])
        return tuple(sorted(items[0].get("subjects", {}).get("SS", []))) if items else ()

    def claim(self, day: str, window: str, at: datetime, lease_seconds: int) -> bool:
        try:
            self._db.update_item(
                TableName=self._table,
                Key=self._key(day, window),
                UpdateExpression="SET claimed_at = :now",
                ConditionExpression="attribute_not_exists(declared_at) AND "
                "(attribute_not_exists(claimed_at) OR claimed_at < :stale)",
                ExpressionAttributeValues={
                    ":now": {"S": at.isoformat()},
                    ":stale": {"S": (at - timedelta(seconds=lease_seconds)).isoformat()},
                },
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def mark_declared(self, day: str, window: str, at: datetime) -> None:
        self._db.update_item(
            TableName=self._table,
            Key=self._key(day, window),
            UpdateExpression="SET declared_at = :now",
            ExpressionAttributeValues={":now": {"S": at.isoformat()}},
        )

    def day(self, day: str) -> list[WindowSummary]:
        paginator = self._db.get_paginator("query")
        pages = paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="#d = :d",
            ExpressionAttributeNames={"#d": "day"},
            ExpressionAttributeValues={":d": {"S": day}},
        )
        return [_summary(item) for page in pages for item in page.get("Items", [])]

    @staticmethod
    def _key(day: str, window: str) -> dict[str, Any]:
        return {"day": {"S": day}, "window": {"S": window}}


def _attr(value: str | int) -> dict[str, str]:
    return {"N": str(value)} if isinstance(value, int) else {"S": value}


def _summary(item: dict[str, Any]) -> WindowSummary:
    def s(name: str) -> str | None:
        return item[name]["S"] if name in item else None

    def n(name: str) -> int:
        return int(item[name]["N"]) if name in item else 0

    return WindowSummary(
        day=item["day"]["S"],
        window=item["window"]["S"],
        store_id=s("store_id") or "",
        rule_id=s("rule_id"),
        incident_id=s("incident_id"),
        reason=s("reason") or "",
        signals=n("signals"),
        weight=n("weight"),
        threshold=n("threshold") or 1,
        declared="declared_at" in item,
        below_threshold=n("below_threshold"),
        first_signal_id=s("first_signal_id") or "",
        last_signal_id=s("last_signal_id") or "",
        first_at=s("first_at") or "",
        last_at=s("last_at") or "",
    )
