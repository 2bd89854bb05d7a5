"""The local fabric's durability: a snapshot plus an fsynced, append-only journal.

The guarantee (docs/local-fabric.md): every DynamoDB or S3 write that the local fabric
acknowledged is in `journal.jsonl` in the state directory, fsynced, before the API answered. On
start the fabric loads `fabric.json` (the snapshot) and replays the journal over it; compaction
writes a new snapshot (temp file, fsync, rename) and empties the journal, under the backends'
locks so that no write falls between the two. A line cut short by a crash was never acknowledged
and is skipped.
"""

import base64
import json
import os
import threading
from pathlib import Path
from typing import Any

JOURNAL_FILE = "journal.jsonl"


class Journal:
    """Append-only, one JSON object a line, each line fsynced before `record` returns."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        # Off while the fabric provisions and replays (those writes are not new); on after.
        self.active = False

    def record(self, entry: dict[str, Any]) -> None:
        if not self.active:
            return
        line = (json.dumps(entry, separators=(",", ":"), default=_bytes_to_json) + "\n").encode()
        with self._lock:
            os.write(self._fd, line)
            os.fsync(self._fd)

    def size(self) -> int:
        return os.fstat(self._fd).st_size

    def truncate(self) -> None:
        with self._lock:
            os.ftruncate(self._fd, 0)
            os.fsync(self._fd)

    def close(self) -> None:
        os.close(self._fd)


def _bytes_to_json(value: object) -> dict[str, str]:
    """DynamoDB binary attributes (B, BS) are bytes: keep them as tagged base64."""
    if isinstance(value, bytes | bytearray):
        return {"__b64__": base64.b64encode(value).decode()}
    raise TypeError(f"cannot journal {type(value).__name__}")


def _json_to_bytes(value: dict[str, Any]) -> Any:
    return base64.b64decode(value["__b64__"]) if set(value) == {"__b64__"} else value


def read(path: Path) -> list[dict[str, Any]]:
    """The journal's complete lines, in order; a last line cut short by a crash is left out."""
    if not path.exists():
        return []
    entries = []
    for line in path.read_bytes().split(b"\n"):
        if not line:
            continue
        try:
            entries.append(json.loads(line, object_hook=_json_to_bytes))
        except ValueError:
            break  # the torn tail of a write that was never acknowledged
    return entries


def replay(entries: list[dict[str, Any]], account: str, region: str) -> int:
    """Apply journal entries to moto's backends directly (the journal is not recording yet)."""
    from moto.dynamodb.models import dynamodb_backends  # noqa: PLC0415 - moto is a dev dependency
    from moto.dynamodb.models.dynamo_type import DynamoType  # noqa: PLC0415
    from moto.s3.models import s3_backends  # noqa: PLC0415

    dynamodb, s3 = dynamodb_backends[account][region], s3_backends[account]["aws"]
    tables = set(dynamodb.tables)
    buckets = set(s3.buckets)
    applied = 0
    for entry in entries:
        kind = entry["kind"]
        if kind == "dynamodb.put" and entry["table"] in tables:
            dynamodb.get_table(entry["table"]).put_item(entry["item"])
        elif kind == "dynamodb.delete" and entry["table"] in tables:
            table = dynamodb.get_table(entry["table"])
            hash_value = DynamoType(entry["key"][table.hash_key_attr])
            range_value = DynamoType(entry["key"][table.range_key_attr]) if table.range_key_attr else None
            table.delete_item(hash_value, range_value)
        elif kind == "s3.put" and entry["bucket"] in buckets:
            s3.put_object(entry["bucket"], entry["key"], base64.b64decode(entry["body"]))
        elif kind == "s3.delete" and entry["bucket"] in buckets:
            s3.delete_object(entry["bucket"], entry["key"], bypass=True)
        else:
            continue
        applied += 1
    return applied
