"""Every acknowledged DynamoDB and S3 write is in the fsynced journal before the call returns.

Given a local fabric holding a state directory, When a write is acknowledged and the process dies
before any snapshot (simulated: the directory is copied while the fabric still runs, as a kill -9
leaves it), Then a fabric started on the copy has the write; a deletion too; and a journal line
torn by the crash is skipped, not fatal.
"""

import shutil
from pathlib import Path

from bulkhead.local import journal
from bulkhead.local.runtime import local_fabric
from functions.common import clients


def test_an_acknowledged_write_survives_a_crash_before_any_snapshot(tmp_path: Path) -> None:
    state, crashed = tmp_path / "state", tmp_path / "crashed"
    with local_fabric(log_level="ERROR", state_dir=state) as fabric:
        db, s3 = clients.client("dynamodb"), clients.client("s3")
        table, bucket = fabric.tables["Controls"], fabric.buckets["Notifications"]
        db.put_item(TableName=table, Item={"store_id": {"S": "kept"}, "blob": {"B": b"\x00\x01"}})
        db.put_item(TableName=table, Item={"store_id": {"S": "gone"}})
        db.delete_item(TableName=table, Key={"store_id": {"S": "gone"}})
        db.update_item(
            TableName=table,
            Key={"store_id": {"S": "kept"}},
            UpdateExpression="SET version = :v",
            ExpressionAttributeValues={":v": {"N": "7"}},
        )
        s3.put_object(Bucket=bucket, Key="drafts/one.txt", Body=b"draft")
        # the process dies here: what is on disk is the start-up snapshot and the journal
        shutil.copytree(state, crashed, ignore=shutil.ignore_patterns("service.lock"))
        # ...plus the torn start of a write that was never acknowledged
        with (crashed / journal.JOURNAL_FILE).open("ab") as torn:
            torn.write(b'{"kind":"dynamodb.put","table":')

    with local_fabric(log_level="ERROR", state_dir=crashed) as again:
        db, s3 = clients.client("dynamodb"), clients.client("s3")
        kept = db.get_item(TableName=again.tables["Controls"], Key={"store_id": {"S": "kept"}})["Item"]
        gone = db.get_item(TableName=again.tables["Controls"], Key={"store_id": {"S": "gone"}})
        body = s3.get_object(Bucket=again.buckets["Notifications"], Key="drafts/one.txt")["Body"].read()
    assert kept == {"store_id": {"S": "kept"}, "blob": {"B": b"\x00\x01"}, "version": {"N": "7"}}
    assert "Item" not in gone
    assert body == b"draft"
    # ...and compaction (at start and at close) folded the journal into the snapshot
    assert (crashed / journal.JOURNAL_FILE).stat().st_size == 0


def test_reading_a_journal_stops_at_a_torn_line(tmp_path: Path) -> None:
    path = tmp_path / journal.JOURNAL_FILE
    kept = journal.Journal(path)
    kept.active = True
    kept.record({"kind": "s3.put", "bucket": "b", "key": "k", "body": "eA=="})
    kept.record({"kind": "dynamodb.put", "table": "t", "item": {"id": {"B": b"\x01"}}})
    kept.close()
    with path.open("ab") as torn:
        torn.write(b'{"kind": "s3.put", "buck')
    assert journal.read(path) == [
        {"kind": "s3.put", "bucket": "b", "key": "k", "body": "eA=="},
        {"kind": "dynamodb.put", "table": "t", "item": {"id": {"B": b"\x01"}}},
    ]
