"""The ledger on (moto) DynamoDB, KMS and S3 Object Lock: tampering with the table in each way is
named at the first bad entry, concurrent appenders leave one unbroken chain, anchors cannot be deleted."""

import base64
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from moto import mock_aws

from bulkhead.local.runtime import create_table
from functions.ledger.adapters.dynamodb import DynamoLedgerStore
from functions.ledger.adapters.kms import KmsHeadSigner
from functions.ledger.adapters.s3 import S3AnchorStore
from functions.ledger.canonical import canonical
from functions.ledger.domain import Anchoring, ChainedLedger, public_key_sha256, verify_ledger
from functions.ledger.models import Anchor, AnchorStatement, EntryDraft, EntryType, LedgerVerdict, Milestone
from infra.fabric import table

REGION = "eu-west-1"
INCIDENT = "inc-20261127-abcdef123456"
T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
# declared(1) ... contained(4) ... notified(6) ... closed(8)
SCRIPT = (
    EntryType.SIGNAL_DISPOSITION,
    EntryType.INCIDENT_DECLARED,
    EntryType.ACTION_PLANNED,
    EntryType.ACTION_APPLIED,
    EntryType.INCIDENT_CONTAINED,
    EntryType.NOTIFICATION_BATCH_SENT,
    EntryType.INCIDENT_NOTIFIED,
    EntryType.DRILL_SCORED,
    EntryType.INCIDENT_CLOSED,
)


@dataclass
class Aws:
    db: Any
    s3: Any
    kms: Any
    table: str
    bucket: str
    store: DynamoLedgerStore
    signer: KmsHeadSigner
    anchors: S3AnchorStore
    ledger: ChainedLedger

    def verdict(self, incident_id: str = INCIDENT) -> LedgerVerdict:
        entries = list(self.store.sealed(incident_id))
        return verify_ledger(incident_id, entries, self.anchors.anchors(incident_id), self.signer.public_key_pem())

    def item(self, seq: int) -> dict[str, Any]:
        key = {"incident_id": {"S": INCIDENT}, "seq": {"N": str(seq)}}
        return dict(self.db.get_item(TableName=self.table, Key=key)["Item"])

    def put(self, item: dict[str, Any]) -> None:
        self.db.put_item(TableName=self.table, Item=item)

    def delete(self, seq: int) -> None:
        self.db.delete_item(TableName=self.table, Key={"incident_id": {"S": INCIDENT}, "seq": {"N": str(seq)}})


@pytest.fixture
def aws() -> Iterator[Aws]:
    with mock_aws():
        import boto3

        db, s3, kms = (boto3.client(s, region_name=REGION) for s in ("dynamodb", "s3", "kms"))
        create_table(db, table("Ledger"), "ledger")
        s3.create_bucket(
            Bucket="bulkhead-anchors",
            CreateBucketConfiguration={"LocationConstraint": REGION},
            ObjectLockEnabledForBucket=True,
        )
        s3.put_object_lock_configuration(
            Bucket="bulkhead-anchors",
            ObjectLockConfiguration={
                "ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 1}},
            },
        )
        key = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["Arn"]
        kms.create_alias(AliasName="alias/bulkhead-ledger-signing", TargetKeyId=key)
        store = DynamoLedgerStore(db, "ledger")
        signer = KmsHeadSigner(kms, "alias/bulkhead-ledger-signing")
        anchors = S3AnchorStore(s3, "bulkhead-anchors")
        ledger = ChainedLedger(store, anchoring=Anchoring(signer, anchors))
        yield Aws(db, s3, kms, "ledger", "bulkhead-anchors", store, signer, anchors, ledger)


def run_incident(aws: Aws, incident_id: str = INCIDENT) -> None:
    for n, entry_type in enumerate(SCRIPT):
        aws.ledger.append(
            incident_id, EntryDraft(type=entry_type, actor="test", at=T0 + timedelta(seconds=n), data={"n": n})
        )


def resealed(item: dict[str, Any], prev_hash: str, **changes: Any) -> dict[str, Any]:
    """What a tamperer with write access would do: change the body and recompute its hash."""
    import hashlib

    body = {**json.loads(item["body"]["S"]), **changes, "prev_hash": prev_hash}
    raw = canonical(body)
    return {
        **item,
        "body": {"S": raw.decode()},
        "hash": {"S": hashlib.sha256(bytes.fromhex(prev_hash) + raw).hexdigest()},
    }


def test_an_untouched_incident_verifies_with_all_four_milestones_anchored(aws: Aws) -> None:
    run_incident(aws)

    verdict = aws.verdict()

    assert verdict.valid, verdict.problem
    assert [(a.milestone, a.seq) for a in verdict.anchors] == [
        (Milestone.DECLARED, 1),
        (Milestone.CONTAINED, 4),
        (Milestone.NOTIFIED, 6),
        (Milestone.CLOSED, 8),
    ]
    assert verdict.unanchored_tail == 0
    keys = [o["Key"] for o in aws.s3.list_objects_v2(Bucket=aws.bucket)["Contents"]]
    assert keys == [
        f"anchors/{INCIDENT}/{n:010d}-{m}.json"
        for n, m in ((1, "declared"), (4, "contained"), (6, "notified"), (8, "closed"))
    ]


def test_a_modified_entry_is_named(aws: Aws) -> None:
    run_incident(aws)
    item = aws.item(2)
    body = json.loads(item["body"]["S"])
    body["data"] = {"n": 99}
    aws.put({**item, "body": {"S": canonical(body).decode()}})

    verdict = aws.verdict()

    assert (verdict.valid, verdict.first_bad_seq) == (False, 2)
    assert "modified" in (verdict.problem or "")


def test_a_deleted_entry_is_named(aws: Aws) -> None:
    run_incident(aws)
    aws.delete(3)

    verdict = aws.verdict()

    assert (verdict.valid, verdict.first_bad_seq) == (False, 3)
    assert "expected seq 3, found 4" in (verdict.problem or "")


def test_an_inserted_entry_is_named(aws: Aws) -> None:
    # Given entries 3..8 moved up one place and a forged, correctly hashed entry written at 3
    run_incident(aws)
    items = [aws.item(n) for n in range(9)]
    for item in reversed(items[3:]):
        aws.put({**item, "seq": {"N": str(int(item["seq"]["N"]) + 1)}})
    forged = resealed(items[2], items[2]["hash"]["S"], seq=3, type="action.reverted", data={"forged": True})
    aws.put({**forged, "seq": {"N": "3"}})

    verdict = aws.verdict()

    # The forged entry links to 2 and hashes correctly; the first entry that cannot follow it is at 4.
    assert (verdict.valid, verdict.first_bad_seq) == (False, 4)
    assert "expected seq 4, found 3" in (verdict.problem or "")


def test_reordered_entries_are_named(aws: Aws) -> None:
    run_incident(aws)
    second, third = aws.item(2), aws.item(3)
    aws.put({**third, "seq": {"N": "2"}})
    aws.put({**second, "seq": {"N": "3"}})

    verdict = aws.verdict()

    assert (verdict.valid, verdict.first_bad_seq) == (False, 2)
    assert "expected seq 2, found 3" in (verdict.problem or "")


def test_a_forged_head_is_named_by_the_signed_anchor(aws: Aws) -> None:
    # Given the closing entry rewritten and re-hashed: the chain alone is consistent again
    run_incident(aws)
    closing = aws.item(8)
    aws.put(resealed(closing, aws.item(7)["hash"]["S"], data={"customers_notified": 0}))

    verdict = aws.verdict()

    assert (verdict.valid, verdict.first_bad_seq) == (False, 8)
    assert "differs from the signed head" in (verdict.problem or "")
    assert [a.valid for a in verdict.anchors] == [True, True, True, False]


def test_a_forged_anchor_signed_by_another_key_is_refused(aws: Aws) -> None:
    run_incident(aws)
    impostor = ec.generate_private_key(ec.SECP256R1())
    statement = AnchorStatement(
        incident_id=INCIDENT,
        seq=8,
        head_hash="f" * 64,
        milestone=Milestone.CLOSED,
        at=T0,
        key_id=aws.signer.key_id,
        public_key_sha256=public_key_sha256(aws.signer.public_key_pem()),  # claims the real key
    )
    message = canonical(statement.model_dump(mode="json"))
    signature = base64.b64encode(impostor.sign(message, ec.ECDSA(hashes.SHA256()))).decode()
    aws.anchors.put(INCIDENT, "0000000008-closed-again.json", Anchor(statement=message.decode(), signature=signature))

    verdict = aws.verdict()

    assert (verdict.valid, verdict.first_bad_seq) == (False, 8)
    assert "signature does not verify (forged head)" in (verdict.problem or "")


def test_anchors_cannot_be_deleted_or_replaced(aws: Aws) -> None:
    run_incident(aws)
    key = f"anchors/{INCIDENT}/0000000001-declared.json"
    version = aws.s3.list_object_versions(Bucket=aws.bucket, Prefix=key)["Versions"][0]["VersionId"]

    with pytest.raises(ClientError) as refused:
        aws.s3.delete_object(Bucket=aws.bucket, Key=key, VersionId=version)
    assert refused.value.response["Error"]["Code"] == "AccessDenied"

    # A delete marker and a new version only hide the original from a plain GET; the reader uses the first version.
    aws.s3.delete_object(Bucket=aws.bucket, Key=key)
    aws.s3.put_object(Bucket=aws.bucket, Key=key, Body=b'{"statement": "{}", "signature": ""}')
    assert aws.verdict().valid
    retained = aws.s3.head_object(Bucket=aws.bucket, Key=key, VersionId=version)
    assert retained["ObjectLockMode"] == "COMPLIANCE"


def test_a_retried_anchoring_writes_once(aws: Aws) -> None:
    run_incident(aws)
    entry = list(aws.store.entries(INCIDENT))[8]

    Anchoring(aws.signer, aws.anchors).anchor(entry, Milestone.CLOSED)

    versions = aws.s3.list_object_versions(Bucket=aws.bucket, Prefix=f"anchors/{INCIDENT}/0000000008")["Versions"]
    assert len(versions) == 1


def test_a_failed_anchoring_is_recorded_and_verification_says_which_milestone(aws: Aws) -> None:
    # Given a ledger whose signing key cannot be used (a wrong alias, a denied kms:Sign)
    unusable = Anchoring(KmsHeadSigner(aws.kms, "alias/not-the-ledger-key"), aws.anchors)
    ChainedLedger(aws.store, anchoring=unusable).append(
        INCIDENT, EntryDraft(type=EntryType.INCIDENT_DECLARED, actor="detection", at=T0)
    )

    entries = list(aws.store.entries(INCIDENT))
    assert [e.type for e in entries] == [EntryType.INCIDENT_DECLARED, EntryType.ANCHOR_FAILED]
    assert entries[1].data == {"milestone": "declared", "seq": 0, "error": "SigningUnavailable"}
    verdict = aws.verdict()
    assert (verdict.valid, verdict.first_bad_seq) == (False, 0)
    assert verdict.problem == "milestone declared at seq 0 has no valid anchor"


@pytest.fixture
def atomic_conditional_writes() -> Iterator[None]:
    """DynamoDB checks a write's condition and writes the item atomically, and reads never see a
    table mid-write; moto does neither across threads. Give moto DynamoDB's guarantee (the local
    fabric's own guard) so that the test exercises the ledger, not moto's missing lock."""
    from bulkhead.local.atomic_writes import serialised_backends

    with serialised_backends():
        yield


@pytest.mark.usefixtures("atomic_conditional_writes")
def test_concurrent_appenders_leave_one_unbroken_chain(aws: Aws) -> None:
    # Given 8 writers, each with its own ledger (as separate Lambda invocations would be)
    writers, per_writer = 8, 12
    start = threading.Barrier(writers)
    errors: list[BaseException] = []

    def write(w: int) -> None:
        ledger = ChainedLedger(DynamoLedgerStore(aws.db, aws.table), max_attempts=200)
        start.wait()
        try:
            for n in range(per_writer):
                ledger.append(
                    INCIDENT, EntryDraft(type=EntryType.ACTION_APPLIED, actor=f"writer-{w}", at=T0, data={"n": n})
                )
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    entries = list(aws.store.entries(INCIDENT))
    assert [e.seq for e in entries] == list(range(writers * per_writer))
    assert aws.ledger.verify(INCIDENT).valid
    # every writer's every append landed exactly once
    landed = sorted((e.actor, e.data["n"]) for e in entries)
    assert landed == sorted((f"writer-{w}", n) for w in range(writers) for n in range(per_writer))
