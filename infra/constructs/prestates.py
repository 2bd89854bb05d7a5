"""The key that seals containment pre-states: a symmetric KMS key of its own.

Pre-states can hold what a restore needs (webhook endpoints, IP sets, secret version ids), so they
are sealed with data keys of a separate key rather than the fabric key: a role that reads the
tables never opens a pre-state, and the key's CloudTrail shows each pre-state sealed or opened.
Grants come from `infra/constructs/access.py` (PRESTATES_WRITE / PRESTATES_READ), bound to the
vault's encryption context.
"""

from aws_cdk import RemovalPolicy
from aws_cdk import aws_kms as kms
from constructs import Construct

ALIAS = "alias/bulkhead-prestates"


class PreStateKey(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.key = kms.Key(
            self,
            "Key",
            alias=ALIAS,
            description="Bulkhead: seals containment pre-states (data keys, AES-256-GCM)",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
