"""The ledger's evidence anchors: an asymmetric signing key and a write-once bucket.

The key (ECC_NIST_P256, SIGN_VERIFY) signs chain heads; its private half never leaves KMS, so a
signed head cannot be forged by anyone who can only write the table. The bucket holds the signed
heads under Object Lock in COMPLIANCE mode (default retention on every object version): no user,
the root user included, can delete or overwrite an anchor before its retention ends. Versioned,
KMS-encrypted with the fabric key, all public access blocked, TLS only, its server access logs
in the fabric's access-log bucket. Verifiers (auditors, `bulkhead ledger verify` against AWS) get
`verifier_policy`: read the chain, the anchors and the public key, and kms:Verify — never Sign.
"""

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.constructs.encryption import DECRYPT
from infra.constructs.storage import AccessLogs, not_replicated
from infra.fabric import BucketSpec, SigningKeySpec

ANCHOR_PREFIX = "anchors/"


class LedgerEvidence(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        bucket_spec: BucketSpec,
        key_spec: SigningKeySpec,
        fabric_key: kms.IKey,
        access_logs: AccessLogs,
    ) -> None:
        super().__init__(scope, construct_id)
        self.signing_key = kms.Key(
            self,
            key_spec.name,
            alias=key_spec.alias,
            description="Bulkhead: signs ledger chain heads (ECDSA P-256)",
            key_spec=kms.KeySpec.ECC_NIST_P256,
            key_usage=kms.KeyUsage.SIGN_VERIFY,
            removal_policy=RemovalPolicy.RETAIN,
        )
        if bucket_spec.object_lock_days is None:
            raise ValueError(f"bucket {bucket_spec.name} holds evidence anchors and needs Object Lock days")
        self.bucket = s3.Bucket(
            self,
            bucket_spec.name,
            object_lock_enabled=True,
            object_lock_default_retention=s3.ObjectLockRetention.compliance(
                Duration.days(bucket_spec.object_lock_days)
            ),
            versioned=True,
            encryption=s3.BucketEncryption.KMS,
            encryption_key=fabric_key,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=access_logs.bucket,
            server_access_logs_prefix=access_logs.prefix(bucket_spec.name),
            removal_policy=RemovalPolicy.RETAIN,
        )
        not_replicated(self.bucket, "the signed ledger anchors, under Object Lock in compliance mode")

    def verifier_policy(self, scope: Construct, *, ledger: dynamodb.ITable, fabric_key: kms.IKey) -> iam.ManagedPolicy:
        """What an auditor's or operator's role needs to verify a ledger in AWS: read-only, no Sign."""
        return iam.ManagedPolicy(
            scope,
            "LedgerVerifier",
            description="Bulkhead: verify incident ledgers (chain, signed anchors, public key); read-only",
            statements=[
                iam.PolicyStatement(
                    sid="ReadLedgerChain", actions=["dynamodb:GetItem", "dynamodb:Query"], resources=[ledger.table_arn]
                ),
                iam.PolicyStatement(
                    sid="ListAnchorVersions",
                    actions=["s3:ListBucketVersions"],
                    resources=[self.bucket.bucket_arn],
                    conditions={"StringLike": {"s3:prefix": [f"{ANCHOR_PREFIX}*"]}},
                ),
                iam.PolicyStatement(
                    sid="ReadAnchors",
                    actions=["s3:GetObject", "s3:GetObjectVersion"],
                    resources=[self.bucket.arn_for_objects(f"{ANCHOR_PREFIX}*")],
                ),
                iam.PolicyStatement(
                    sid="CheckSignatures",
                    actions=["kms:GetPublicKey", "kms:Verify"],
                    resources=[self.signing_key.key_arn],
                ),
                iam.PolicyStatement(sid="ReadEncryptedEvidence", actions=list(DECRYPT), resources=[fabric_key.key_arn]),
            ],
        )
