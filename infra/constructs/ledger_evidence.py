"""The ledger's evidence anchors: an asymmetric signing key and a write-once bucket.

The key (ECC_NIST_P256, SIGN_VERIFY) signs chain heads; its private half never leaves KMS, so a
signed head cannot be forged by anyone who can only write the table. The bucket holds the signed
heads under Object Lock in COMPLIANCE mode (default retention on every object version): no user,
the root user included, can delete or overwrite an anchor before its retention ends. Versioned,
KMS-encrypted with the fabric key, all public access blocked, TLS only.
"""

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.constructs.nag import acknowledge
from infra.fabric import BucketSpec, SigningKeySpec


class LedgerEvidence(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        bucket_spec: BucketSpec,
        key_spec: SigningKeySpec,
        fabric_key: kms.IKey,
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
            removal_policy=RemovalPolicy.RETAIN,
        )
        acknowledge(
            self.bucket,
            "S1",
            "The anchor bucket is write-once (Object Lock, compliance mode) and holds only signed chain "
            "heads; who wrote each anchor is the signing Lambda role, recorded by CloudTrail for kms:Sign. "
            "A server access log bucket would add a second, mutable store without adding evidence.",
        )
