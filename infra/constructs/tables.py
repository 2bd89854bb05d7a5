"""The fabric's DynamoDB tables, from `fabric.TABLES`.

On-demand, point-in-time recovery, deletion protection, encrypted with the fabric key: the
ledger is audit evidence, and the others hold the state a restore depends on.
"""

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from constructs import Construct

from infra.constructs.nag import NIST_800_53_R5, acknowledge
from infra.fabric import TableSpec

_TYPES = {"S": dynamodb.AttributeType.STRING, "N": dynamodb.AttributeType.NUMBER}


class FabricTables(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, specs: tuple[TableSpec, ...], key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        self.tables: dict[str, dynamodb.Table] = {}
        for spec in specs:
            sort_key = (
                dynamodb.Attribute(name=spec.sort_key[0], type=_TYPES[spec.sort_key[1]]) if spec.sort_key else None
            )
            self.tables[spec.name] = dynamodb.Table(
                self,
                spec.name,
                partition_key=dynamodb.Attribute(name=spec.partition_key, type=dynamodb.AttributeType.STRING),
                sort_key=sort_key,
                billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
                point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                    point_in_time_recovery_enabled=True
                ),
                deletion_protection=True,
                encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
                encryption_key=key,
                time_to_live_attribute=spec.ttl_attribute,
                removal_policy=RemovalPolicy.RETAIN,
            )
            acknowledge(
                self.tables[spec.name],
                "DynamoDBInBackupPlan",
                "Point-in-time recovery is on (35 days, to the second) and deletion protection with a retain "
                "policy keeps the table; an AWS Backup plan would add a vault and a role for copies PITR "
                "already gives. A firm that keeps a Backup plan adds the table by its tag application=bulkhead.",
                packs=(NIST_800_53_R5,),
            )
