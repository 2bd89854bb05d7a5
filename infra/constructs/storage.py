"""The fabric's S3 buckets beside the ledger anchors: notification objects and server access logs.

- `AccessLogs` receives the server access logs of every Bulkhead bucket (who read a roster, who
  wrote an anchor). S3 delivers access logs only to SSE-S3 buckets, so it is S3-encrypted; it
  holds request metadata, not objects.
- `NotificationStore` holds the rosters the Distributed Map reads (customer contact data: expired
  after 7 days) and the regulator notice drafts (kept like other evidence). Encrypted with the
  fabric key, all public access blocked, TLS only, retained on stack deletion.
"""

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.constructs.nag import NIST_800_53_R5, PCI_DSS_321, acknowledge
from infra.fabric import BucketSpec

ROSTER_PREFIX = "rosters/"
ROSTER_DAYS = 7
# Access logs are audit evidence for the buckets they describe: kept as long as the anchors' lock.
ACCESS_LOG_DAYS = 2557


class AccessLogs(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            versioned=True,  # a log object overwritten or deleted stays recoverable until it expires
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="ExpireAccessLogs",
                    expiration=Duration.days(ACCESS_LOG_DAYS),
                    noncurrent_version_expiration=Duration.days(ACCESS_LOG_DAYS),
                )
            ],
            removal_policy=RemovalPolicy.RETAIN,
        )
        acknowledge(
            self.bucket,
            "S1",
            "This bucket is the destination of every Bulkhead bucket's server access logs; logging it to "
            "itself would log each log delivery without end, and CloudTrail records who manages it.",
        )
        acknowledge(
            self.bucket,
            "S3DefaultEncryptionKMS",
            "S3 delivers server access logs only to buckets encrypted with SSE-S3 (AES-256); a KMS default "
            "key would make S3 drop the logs. The bucket holds request metadata, never customer objects.",
            packs=(NIST_800_53_R5, PCI_DSS_321),
        )
        not_replicated(self.bucket, "server access logs of this region's Bulkhead buckets")

    def prefix(self, bucket_name: str) -> str:
        return f"{bucket_name}/"


class NotificationStore(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, spec: BucketSpec, fabric_key: kms.IKey, access_logs: AccessLogs
    ) -> None:
        super().__init__(scope, construct_id)
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=fabric_key,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=access_logs.bucket,
            server_access_logs_prefix=access_logs.prefix(spec.name),
            versioned=True,  # a draft overwritten by mistake stays recoverable
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="ExpireRosters",
                    prefix=ROSTER_PREFIX,
                    expiration=Duration.days(ROSTER_DAYS),
                    # Versioned: the expired roster's old version must go too, a day later.
                    noncurrent_version_expiration=Duration.days(1),
                ),
                s3.LifecycleRule(id="AbortIncompleteUploads", abort_incomplete_multipart_upload_after=Duration.days(1)),
            ],
            removal_policy=RemovalPolicy.RETAIN,
        )
        not_replicated(self.bucket, "customer contact rosters and regulator notice drafts")


def not_replicated(bucket: s3.IBucket, holds: str) -> None:
    """Cross-region replication is declined for every Bulkhead bucket, for the same reason."""
    acknowledge(
        bucket,
        "S3BucketReplicationEnabled",
        f"Not replicated to another region: the bucket holds {holds}, and a replica would copy that data "
        "into a second jurisdiction the firm's data-residency commitments may not cover. Durability is "
        "S3's (eleven nines, multi-AZ), with versioning on, and the evidence is also exportable "
        "(bulkhead evidence pack).",
        packs=(NIST_800_53_R5, PCI_DSS_321),
    )
