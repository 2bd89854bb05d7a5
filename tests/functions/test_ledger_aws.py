"""The ledger on (moto) DynamoDB, KMS and S3 Object Lock: every head is signed and anchored;
tampering with the table in each way is named at the first bad entry; a failed anchoring is
repaired; concurrent appenders leave one unbroken chain; anchors cannot be deleted."""

import base64
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import hashes, serialization
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


ANCHORED = [
    (0, Milestone.CHECKPOINT),
    (1, Milestone.DECLARED),
    (2, Milestone.CHECKPOINT),
    (3, Milestone.CHECKPOINT),
    (4, Milestone.CONTAINED),
    (5, Milestone.CHECKPOINT),
    (6, Milestone.NOTIFIED),
    (7, Milestone.CHECKPOINT),
    (8, Milestone.CLOSED),
]


def test_every_head_is_signed_and_anchored_under_its_milestone_or_as_a_checkpoint(aws: Aws) -> None:
    run_incident(aws)

    verdict = aws.verdict()

    assert verdict.valid, verdict.problem
    assert [(a.seq, a.milestone) for a in verdict.anchors] == ANCHORED
    assert verdict.unanchored_tail == 0
    keys = [o["Key"] for o in aws.s3.list_objects_v2(Bucket=aws.bucket)["Contents"]]
    assert keys == [f"anchors/{INCIDENT}/{n:010d}-{m.value}.json" for n, m in ANCHORED]


def test_entries_appended_after_close_are_signed_like_any_other(aws: Aws) -> None:
    # Given a closed incident, when a drill score and a late regulator filing are appended
    run_incident(aws)
    for n, kind in enumerate((EntryType.DRILL_SCORED, EntryType.CLOCK_MET)):
        aws.ledger.append(INCIDENT, EntryDraft(type=kind, actor="drills", at=T0 + timedelta(hours=1, seconds=n)))

    # Then each has its own signed head and the ledger verifies with nothing unsigned
    verdict = aws.verdict()
    assert verdict.valid, verdict.problem
    assert [(a.seq, a.milestone) for a in verdict.anchors][-2:] == [
        (9, Milestone.CHECKPOINT),
        (10, Milestone.CHECKPOINT),
    ]
    assert verdict.unanchored_tail == 0


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

    # The forged entry links to 2 and hashes correctly, but the head signed at 3 is another entry.
    assert (verdict.valid, verdict.first_bad_seq) == (False, 3)
    assert "entry 3 differs from the signed head" in (verdict.problem or "")


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
    assert [a.seq for a in verdict.anchors if not a.valid] == [8]


def test_a_truncated_tail_is_named_at_the_first_missing_entry(aws: Aws) -> None:
    run_incident(aws)
    for seq in (7, 8):
        aws.delete(seq)

    verdict = aws.verdict()

    assert (verdict.valid, verdict.first_bad_seq) == (False, 7)
    assert "signed head is seq 7 but the chain ends at seq 6 (entries deleted)" in (verdict.problem or "")


def test_a_cut_back_to_an_earlier_milestone_is_named_while_later_anchors_exist(aws: Aws) -> None:
    # Given the chain cut back to the contained milestone (seq 4) and the later anchors "deleted"
    run_incident(aws)
    for seq in range(5, 9):
        aws.delete(seq)
    for name in aws.s3.list_objects_v2(Bucket=aws.bucket, Prefix=f"anchors/{INCIDENT}/")["Contents"]:
        if int(name["Key"].rsplit("/", 1)[1][:10]) > 4:
            aws.s3.delete_object(Bucket=aws.bucket, Key=name["Key"])  # only a delete marker: Object Lock

    verdict = aws.verdict()

    # Then the first version of each later anchor still names the missing entries
    assert (verdict.valid, verdict.first_bad_seq) == (False, 5)
    assert "chain ends at seq 4 (entries deleted)" in (verdict.problem or "")


def test_a_tail_rewritten_and_rehashed_after_close_is_named(aws: Aws) -> None:
    # Given a drill score appended after close, then rewritten as failed and re-hashed
    run_incident(aws)
    aws.ledger.append(INCIDENT, EntryDraft(type=EntryType.DRILL_SCORED, actor="drills", at=T0, data={"passed": True}))
    aws.put(resealed(aws.item(9), aws.item(8)["hash"]["S"], data={"passed": False}))

    verdict = aws.verdict()

    assert (verdict.valid, verdict.first_bad_seq) == (False, 9)
    assert "entry 9 differs from the signed head" in (verdict.problem or "")


def test_a_ledger_whose_entries_are_all_gone_while_its_anchors_exist_is_tampered(aws: Aws) -> None:
    run_incident(aws)
    for seq in range(9):
        aws.delete(seq)

    verdict = verify_ledger(INCIDENT, [], aws.anchors.anchors(INCIDENT), aws.signer.public_key_pem())

    assert (verdict.valid, verdict.first_bad_seq) == (False, 0)
    assert verdict.problem == "the ledger holds no entries, but 9 signed heads up to seq 8 exist (entries deleted)"


def test_heads_resigned_with_another_key_fail_against_the_deployment_key_and_the_pinned_fingerprint(
    aws: Aws,
) -> None:
    # Given every head re-signed with an impostor key, and that key swapped in as the "trusted" one
    run_incident(aws)
    impostor = ec.generate_private_key(ec.SECP256R1())
    impostor_pem = (
        impostor.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    entries = list(aws.store.sealed(INCIDENT))

    # Against the deployment's key (from KMS, outside the data) the real anchors still verify,
    # and a swapped key makes every genuine anchor fail
    assert aws.verdict().valid
    swapped = verify_ledger(INCIDENT, entries, aws.anchors.anchors(INCIDENT), impostor_pem)
    assert (swapped.valid, swapped.first_bad_seq) == (False, 0)
    assert "signed by another key" in (swapped.problem or "")

    # And pinning the expected fingerprint names the swapped key itself
    real = public_key_sha256(aws.signer.public_key_pem())
    pinned = verify_ledger(INCIDENT, entries, aws.anchors.anchors(INCIDENT), impostor_pem, expect_key_sha256=real)
    assert not pinned.valid and pinned.key_pinned
    assert f"is not the expected key {real}" in (pinned.problem or "")
    assert verify_ledger(INCIDENT, entries, aws.anchors.anchors(INCIDENT), aws.signer.public_key_pem(), real).valid


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


def test_an_altered_signed_head_is_named(aws: Aws) -> None:
    # Given the closed head's statement altered to name another hash, written beside the original
    run_incident(aws)
    original = next(a for a in aws.anchors.anchors(INCIDENT) if a.parsed().seq == 8)
    altered = json.loads(original.statement) | {"head_hash": "e" * 64}
    aws.anchors.put(
        INCIDENT,
        "0000000008-closed-altered.json",
        original.model_copy(update={"statement": canonical(altered).decode()}),
    )

    verdict = aws.verdict()

    assert (verdict.valid, verdict.first_bad_seq) == (False, 8)
    assert "anchor closed@8: signature does not verify (forged head)" in (verdict.problem or "")


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


def test_the_next_append_after_an_outage_anchors_the_missed_milestone_and_the_ledger_verifies(aws: Aws) -> None:
    # Given a milestone whose anchoring failed (KMS unusable during the step)
    unusable = Anchoring(KmsHeadSigner(aws.kms, "alias/not-the-ledger-key"), aws.anchors)
    ChainedLedger(aws.store, anchoring=unusable).append(
        INCIDENT, EntryDraft(type=EntryType.INCIDENT_DECLARED, actor="detection", at=T0)
    )
    assert not aws.verdict().valid

    # When a later step appends with KMS back
    aws.ledger.append(INCIDENT, EntryDraft(type=EntryType.RESPONSE_PLANNED, actor="response", at=T0 + timedelta(1)))

    # Then the declared head is anchored again, the repair is recorded, and everything verifies
    entries = list(aws.store.entries(INCIDENT))
    assert [e.type for e in entries] == [
        EntryType.INCIDENT_DECLARED,
        EntryType.ANCHOR_FAILED,
        EntryType.RESPONSE_PLANNED,
        EntryType.ANCHORS_REPAIRED,
    ]
    assert entries[3].data == {"anchored": [{"seq": 0, "milestone": "declared"}]}
    verdict = aws.verdict()
    assert verdict.valid, verdict.problem
    assert (0, Milestone.DECLARED) in {(a.seq, a.milestone) for a in verdict.anchors}


def test_a_failed_anchoring_is_repaired_by_the_repair_command_idempotently(aws: Aws) -> None:
    # Given an incident closed while the anchor bucket refused writes (no later step will come)
    unusable = Anchoring(aws.signer, S3AnchorStore(aws.s3, "no-such-bucket"))
    ChainedLedger(aws.store, anchoring=unusable).append(
        INCIDENT, EntryDraft(type=EntryType.INCIDENT_CLOSED, actor="response", at=T0)
    )
    before = aws.verdict()
    assert (before.valid, before.first_bad_seq) == (False, 0)

    # When the operator repairs it, twice
    first = aws.ledger.repair(INCIDENT, T0 + timedelta(hours=1), actor="operator")
    second = aws.ledger.repair(INCIDENT, T0 + timedelta(hours=2), actor="operator")

    # Then the first anchors the milestone and records it; the second has nothing to do
    assert (first.anchored, first.entry_seq) == (((0, Milestone.CLOSED),), 2)
    assert (second.anchored, second.entry_seq) == ((), None)
    assert [e.type for e in aws.store.entries(INCIDENT)][-1] is EntryType.ANCHORS_REPAIRED
    after = aws.verdict()
    assert after.valid, after.problem


def test_a_tail_left_unsigned_by_a_stopped_appender_is_reported_and_repaired(aws: Aws) -> None:
    # Given an appender that stopped between its write and its anchoring (no failure recorded)
    run_incident(aws)
    ChainedLedger(aws.store).append(INCIDENT, EntryDraft(type=EntryType.DRILL_SCORED, actor="drills", at=T0))

    before = aws.verdict()
    assert (before.valid, before.first_bad_seq) == (False, 9)
    assert before.problem == "entries from seq 9 to 9 are covered by no signed head (the last entry must have one)"

    repaired = aws.ledger.repair(INCIDENT, T0)

    assert repaired.anchored == ((9, Milestone.CHECKPOINT),)
    assert aws.verdict().valid


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
