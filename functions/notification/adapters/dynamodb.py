"""Exactly-once deliveries and the SMS spend counter, by conditional writes in DynamoDB.

One item per (incident, channel, customer pseudonym): `claim` creates it only if it does not
exist, so of any number of concurrent or repeated senders exactly one wins; `confirm` marks it
sent; `release` deletes it only while still merely claimed (the send did not happen), so a retry
can claim it again. A claim whose sender died between the send and the confirm stays claimed and
is never re-sent: a missed confirm costs one unconfirmed notice, never a duplicate.
"""

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from functions.common.errors import PermanentActionFailure, PlatformThrottled, TransientPlatformError
from functions.notification.models import Channel

RETENTION_SECONDS = 400 * 86_400  # kept beyond a year of audits, then expired by TTL
_THROTTLED = {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"}


def delivery_key(incident_id: str, channel: Channel, pseudonym: str) -> str:
    return f"{incident_id}|{channel.value}|{pseudonym}"


class DynamoDeliveryGuard:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db = dynamodb
        self._table = table

    def claim(self, incident_id: str, channel: Channel, pseudonyms: Sequence[str]) -> set[str]:
        won: set[str] = set()
        now = int(time.time())
        for pseudonym in pseudonyms:
            try:
                self._db.put_item(
                    TableName=self._table,
                    Item={
                        "delivery_key": {"S": delivery_key(incident_id, channel, pseudonym)},
                        "status": {"S": "claimed"},
                        "claimed_at": {"N": str(now)},
                        "expires_at": {"N": str(now + RETENTION_SECONDS)},
                    },
                    ConditionExpression="attribute_not_exists(delivery_key)",
                )
            except ClientError as exc:
                if _code(exc) == "ConditionalCheckFailedException":
                    continue
                raise _translated(exc) from exc
            won.add(pseudonym)
        return won

    def confirm(self, incident_id: str, channel: Channel, pseudonyms: Sequence[str]) -> None:
        self._set_status(incident_id, channel, pseudonyms, "sent", None)

    def fail(self, incident_id: str, channel: Channel, pseudonyms: Sequence[str], reason: str) -> None:
        self._set_status(incident_id, channel, pseudonyms, "failed", reason)

    def release(self, incident_id: str, channel: Channel, pseudonyms: Sequence[str]) -> None:
        for pseudonym in pseudonyms:
            try:
                self._db.delete_item(
                    TableName=self._table,
                    Key={"delivery_key": {"S": delivery_key(incident_id, channel, pseudonym)}},
                    ConditionExpression="#s = :claimed",
                    ExpressionAttributeNames={"#s": "status"},
                    ExpressionAttributeValues={":claimed": {"S": "claimed"}},
                )
            except ClientError as exc:
                if _code(exc) != "ConditionalCheckFailedException":
                    raise _translated(exc) from exc

    def _set_status(
        self, incident_id: str, channel: Channel, pseudonyms: Sequence[str], status: str, reason: str | None
    ) -> None:
        for pseudonym in pseudonyms:
            values = {":s": {"S": status}, ":r": {"S": reason or ""}}
            try:
                self._db.update_item(
                    TableName=self._table,
                    Key={"delivery_key": {"S": delivery_key(incident_id, channel, pseudonym)}},
                    UpdateExpression="SET #s = :s, reason = :r",
                    ConditionExpression="attribute_exists(delivery_key)",
                    ExpressionAttributeNames={"#s": "status"},
                    ExpressionAttributeValues=values,
                )
            except ClientError as exc:
                raise _translated(exc) from exc

    def statuses(self, incident_id: str, channel: Channel, pseudonyms: Sequence[str]) -> dict[str, str]:
        """For the operator and tests: the recorded status of each delivery."""
        found: dict[str, str] = {}
        for pseudonym in pseudonyms:
            item = self._db.get_item(
                TableName=self._table,
                Key={"delivery_key": {"S": delivery_key(incident_id, channel, pseudonym)}},
                ConsistentRead=True,
            ).get("Item")
            if item:
                found[pseudonym] = item["status"]["S"]
        return found


class DynamoSmsBudget:
    """The month's SMS spend, shared by every worker: reserve only what stays within the limit."""

    def __init__(self, dynamodb: Any, table: str, monthly_limit_usd: float, part_price_usd: float) -> None:
        self._db = dynamodb
        self._table = table
        self._limit_micros = int(monthly_limit_usd * 1_000_000)
        self._part_micros = int(part_price_usd * 1_000_000)

    def reserve(self, parts: int) -> bool:
        cost = parts * self._part_micros
        month = datetime.now(UTC).strftime("%Y-%m")
        try:
            self._db.update_item(
                TableName=self._table,
                Key={"delivery_key": {"S": f"sms-spend|{month}"}},
                UpdateExpression="ADD spent_micros :c",
                ConditionExpression="attribute_not_exists(spent_micros) OR spent_micros <= :room",
                ExpressionAttributeValues={":c": {"N": str(cost)}, ":room": {"N": str(self._limit_micros - cost)}},
            )
        except ClientError as exc:
            if _code(exc) == "ConditionalCheckFailedException":
                return False
            raise _translated(exc) from exc
        return cost <= self._limit_micros


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _translated(exc: ClientError) -> Exception:
    if _code(exc) in _THROTTLED:
        return PlatformThrottled(f"DynamoDB throttled: {_code(exc)}")
    if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) >= 500:
        return TransientPlatformError(f"DynamoDB failed: {_code(exc)}")
    return PermanentActionFailure(f"DynamoDB refused: {_code(exc)}")
