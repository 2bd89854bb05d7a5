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

from infra.constructs.nag import acknowledge
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
            lifecycle_rules=[s3.LifecycleRule(id="ExpireAccessLogs", expiration=Duration.days(ACCESS_LOG_DAYS))],
            removal_policy=RemovalPolicy.RETAIN,
        )
        acknowledge(
            self.bucket,
            "S1",
            "This bucket is the destination of every Bulkhead bucket's server access logs; logging it to "
            "itself would log each log delivery without end, and CloudTrail records who manages it.",
        )

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
            lifecycle_rules=[
                s3.LifecycleRule(id="ExpireRosters", prefix=ROSTER_PREFIX, expiration=Duration.days(ROSTER_DAYS)),
                s3.LifecycleRule(id="AbortIncompleteUploads", abort_incomplete_multipart_upload_after=Duration.days(1)),
            ],
            removal_policy=RemovalPolicy.RETAIN,
        )
