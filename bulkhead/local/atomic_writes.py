"""What DynamoDB and S3 guarantee and moto does not: one request at a time per item, and durability.

The local fabric runs Map and Parallel branches on threads and serves outside clients on more
threads, so two handlers can both pass a condition (say, "seq 7 is free") before either writes,
and a scan can iterate a table's items while another thread adds one ("dictionary changed size
during iteration"). While installed, `serialised_backends` runs every DynamoDB and S3 backend
operation under one lock per service, the way DynamoDB serialises writes to one item, so the
ledger's conditional appends and the exactly-once guards behave locally as they do in AWS.

With a journal, each write that succeeded is also appended to it (the item or object as it is
after the write) and fsynced before the operation returns, so before the API answers: an
acknowledged write survives a kill -9 (see `bulkhead.local.journal`).
"""

import base64
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from moto.dynamodb.models import DynamoDBBackend
from moto.s3.models import S3Backend

from bulkhead.local.journal import Journal

_DYNAMODB_WRITES = ("put_item", "update_item", "delete_item", "transact_write_items")
_DYNAMODB_READS = ("get_item", "query", "scan", "batch_get_item", "describe_table", "list_tables")
_S3_WRITES = ("put_object", "delete_object")
_S3_READS = ("get_object", "list_objects", "list_objects_v2", "head_object", "list_object_versions")

# One lock per backend, shared by every fabric in the process (moto's backends are process-wide).
DYNAMODB_LOCK = threading.RLock()
S3_LOCK = threading.RLock()


@contextmanager
def serialised_backends(journal: Journal | None = None) -> Iterator[None]:
    """Serialise moto's DynamoDB and S3 backends; with a journal, record every acknowledged write."""
    patches: list[tuple[type, str, Any]] = []

    def wrap(cls: type, name: str, lock: Any, record: Callable[..., None] | None) -> None:
        real = getattr(cls, name)

        def guarded(self: Any, *args: Any, **kwargs: Any) -> Any:
            with lock:
                result = real(self, *args, **kwargs)
                if record is not None:
                    record(self, name, args, kwargs, result)
                return result

        patches.append((cls, name, real))
        setattr(cls, name, guarded)

    dynamo_record = _dynamodb_recorder(journal) if journal else None
    s3_record = _s3_recorder(journal) if journal else None
    for name in _DYNAMODB_WRITES:
        wrap(DynamoDBBackend, name, DYNAMODB_LOCK, dynamo_record)
    for name in _DYNAMODB_READS:
        wrap(DynamoDBBackend, name, DYNAMODB_LOCK, None)
    for name in _S3_WRITES:
        wrap(S3Backend, name, S3_LOCK, s3_record)
    for name in _S3_READS:
        wrap(S3Backend, name, S3_LOCK, None)
    try:
        yield
    finally:
        for cls, name, real in reversed(patches):
            setattr(cls, name, real)


# Kept for callers that only need the serialisation (no journal).
atomic_conditional_writes = serialised_backends


def _dynamodb_recorder(journal: Journal) -> Callable[..., None]:
    def record(backend: Any, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], _result: Any) -> None:
        for table_name, key in _touched_items(backend, name, args, kwargs):
            item = backend.get_table(table_name).get_item(*_key_values(backend, table_name, key))
            if item is None:
                journal.record({"kind": "dynamodb.delete", "table": table_name, "key": key})
            else:
                journal.record({"kind": "dynamodb.put", "table": table_name, "item": item.to_json()["Attributes"]})

    return record


def _touched_items(
    backend: Any, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> list[tuple[str, dict[str, Any]]]:
    """(table, key) of every item a successful write may have changed."""
    if name == "transact_write_items":
        items = args[0] if args else kwargs["transact_items"]
        touched = []
        for entry in items:
            for op, body in entry.items():
                if op == "ConditionCheck":
                    continue
                table_name = body["TableName"]
                key = body.get("Key") or _key_of(backend, table_name, body["Item"])
                touched.append((table_name, key))
        return touched
    table_name = args[0] if args else kwargs["table_name"]
    if name == "put_item":
        attrs = args[1] if len(args) > 1 else kwargs["item_attrs"]
        return [(table_name, _key_of(backend, table_name, attrs))]
    key = args[1] if len(args) > 1 else kwargs["key"]
    return [(table_name, key)]


def _key_of(backend: Any, table_name: str, attrs: dict[str, Any]) -> dict[str, Any]:
    table = backend.get_table(table_name)
    names = [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr else [])
    return {n: attrs[n] for n in names}


def _key_values(backend: Any, table_name: str, key: dict[str, Any]) -> tuple[Any, Any]:
    from moto.dynamodb.models.dynamo_type import DynamoType  # noqa: PLC0415 - moto is a dev dependency

    table = backend.get_table(table_name)
    hash_value = DynamoType(key[table.hash_key_attr])
    range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
    return hash_value, range_value


def _s3_recorder(journal: Journal) -> Callable[..., None]:
    def record(_backend: Any, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], _result: Any) -> None:
        bucket = args[0] if args else kwargs["bucket_name"]
        key = args[1] if len(args) > 1 else kwargs["key_name"]
        if name == "delete_object":
            journal.record({"kind": "s3.delete", "bucket": bucket, "key": key})
            return
        value = args[2] if len(args) > 2 else kwargs["value"]
        body = base64.b64encode(bytes(value)).decode()
        journal.record({"kind": "s3.put", "bucket": bucket, "key": key, "body": body})

    return record
