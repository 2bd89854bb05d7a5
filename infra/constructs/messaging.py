"""SNS topics from `fabric.TOPICS`, and the dead-letter queue for asynchronous deliveries.

Topics are encrypted with the fabric key and refuse non-TLS publishers. The one dead-letter queue
collects what EventBridge could not deliver to a rule target and what an asynchronously invoked
function failed to process after its retries; an operator replays from it.
"""

from aws_cdk import Duration
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.constructs.nag import SERVERLESS, acknowledge


class FabricTopics(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, names: tuple[str, ...], key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        self.topics: dict[str, sns.Topic] = {
            name: sns.Topic(self, name, display_name=f"Bulkhead {name}", master_key=key, enforce_ssl=True)
            for name in names
        }


class DeadLetters(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        self.queue = sqs.Queue(
            self,
            "Queue",
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=key,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        acknowledge(
            self.queue,
            "SQSRedrivePolicy",
            "This queue is itself the dead-letter queue of the fabric's rules and asynchronous functions; "
            "nothing consumes it automatically (an operator replays from it), so it has no redrive target.",
            packs=(SERVERLESS,),
        )
