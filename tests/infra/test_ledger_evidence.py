"""The ledger's anchors in the template: a write-once Object Lock bucket and an ECDSA signing key,
and no function role that can delete an anchor or use the key for anything but signing."""

from typing import Any

from infra import fabric
from infra.fabric import Access
from tests.infra.conftest import Synthesized
from tests.infra.template_reading import function_props, grants, role_id_of_function, role_statements

ANCHORS = next(b for b in fabric.BUCKETS if b.name == "LedgerAnchors")


def anchor_bucket(synth: Synthesized) -> tuple[str, dict[str, Any]]:
    found = [
        (lid, r["Properties"])
        for lid, r in synth.of_type("AWS::S3::Bucket").items()
        if lid.startswith("LedgerEvidence")
    ]
    assert len(found) == 1, found
    return found[0]


def signing_key(synth: Synthesized) -> tuple[str, dict[str, Any]]:
    found = [
        (lid, r["Properties"])
        for lid, r in synth.of_type("AWS::KMS::Key").items()
        if r["Properties"].get("KeyUsage") == "SIGN_VERIFY"
    ]
    assert len(found) == 1, found
    return found[0]


def test_the_anchor_bucket_locks_every_version_in_compliance_mode(synthesized: Synthesized) -> None:
    _, bucket = anchor_bucket(synthesized)
    assert bucket["ObjectLockEnabled"] is True
    assert bucket["ObjectLockConfiguration"] == {
        "ObjectLockEnabled": "Enabled",
        "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": ANCHORS.object_lock_days}},
    }
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}


def test_the_anchor_bucket_is_private_encrypted_and_tls_only(synthesized: Synthesized) -> None:
    bucket_id, bucket = anchor_bucket(synthesized)
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    rule = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert rule["SSEAlgorithm"] == "aws:kms"
    policies = [
        p["Properties"]
        for p in synthesized.of_type("AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": bucket_id}
    ]
    statements = [s for p in policies for s in p["PolicyDocument"]["Statement"]]
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in statements
    )
    assert synthesized.template["Resources"][bucket_id]["DeletionPolicy"] == "Retain"


def test_the_signing_key_is_ecdsa_p256_and_retained(synthesized: Synthesized) -> None:
    key_id, key = signing_key(synthesized)
    assert (key["KeySpec"], key["KeyUsage"]) == ("ECC_NIST_P256", "SIGN_VERIFY")
    assert synthesized.template["Resources"][key_id]["DeletionPolicy"] == "Retain"


def test_appenders_may_sign_and_write_anchors_but_never_delete_or_read_them(synthesized: Synthesized) -> None:
    bucket_id, _ = anchor_bucket(synthesized)
    key_id, _ = signing_key(synthesized)
    for spec in fabric.FUNCTIONS:
        actual = grants(role_statements(synthesized, role_id_of_function(synthesized, spec)))
        on_key = {a for a, r in actual if r == key_id}
        on_bucket = {a for a, r in actual if bucket_id in r}
        if Access.LEDGER_SIGN in spec.access:
            assert on_key == {"kms:GetPublicKey", "kms:Sign"}, spec.name
        else:
            assert on_key == set(), spec.name
        # Only a verifier (the drill scorer) reads anchors back, and still never deletes them.
        verifies = Access.LEDGER_ANCHORS_READ in spec.access
        reads = {"s3:GetObject", "s3:GetObjectVersion", "s3:ListBucketVersions"} if verifies else set()
        assert on_bucket <= {"s3:PutObject"} | reads, spec.name


def test_appenders_are_told_the_key_and_the_bucket(synthesized: Synthesized) -> None:
    for spec in fabric.FUNCTIONS:
        if Access.LEDGER_ANCHOR not in spec.access:
            continue
        variables = function_props(synthesized, spec)["Environment"]["Variables"]
        assert {"LEDGER_SIGNING_KEY_ID", "LEDGER_ANCHOR_BUCKET_NAME"} <= set(variables), spec.name
