"""EventBridge Scheduler: the fabric's recurring jobs (`fabric.SCHEDULES`) and the clock reminder group.

- `FabricSchedules`: one schedule per `ScheduleSpec` in the `bulkhead-operations` group, invoking its
  function with the spec's input through one role that may invoke exactly the scheduled functions;
  a delivery that keeps failing goes to the fabric's dead-letter queue.
- `ReminderSchedules`: the group StartClocks creates one-time reminder schedules in, and the role
  those schedules publish to the on-call topic with. Scheduler may assume the role only for
  schedules of this account and this group (confused-deputy conditions).
"""

from collections.abc import Mapping

from aws_cdk import Aws
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.constructs.encryption import ENCRYPT_DECRYPT, FabricKey
from infra.fabric import ScheduleSpec

OPERATIONS_GROUP = "bulkhead-operations"
REMINDER_GROUP = "bulkhead-reminders"
SCHEDULER = "scheduler.amazonaws.com"
# A recurring job that cannot be delivered is retried for up to an hour, then dead-lettered.
RETRY_ATTEMPTS = 5
MAX_EVENT_AGE_SECONDS = 3600


def schedule_expression(spec: ScheduleSpec) -> str:
    """`cron(...)`/`rate(...)` given as such, else `rate(N minutes|hours|days)` from `rate_minutes`."""
    given = getattr(spec, "expression", None) or getattr(spec, "cron", None)
    if given:
        text = str(given)
        return text if text.startswith(("cron(", "rate(", "at(")) else f"cron({text})"
    minutes = spec.rate_minutes
    if minutes < 1:
        raise ValueError(f"schedule {spec.name}: rate_minutes must be a positive whole number, not {minutes}")
    for size, unit in ((1440, "day"), (60, "hour"), (1, "minute")):
        if minutes % size == 0:
            count = minutes // size
            return f"rate({count} {unit}{'' if count == 1 else 's'})"
    raise ValueError(f"schedule {spec.name}: rate_minutes must be a positive whole number, not {minutes}")


def _scheduler_principal(group: str) -> iam.IPrincipal:
    return iam.ServicePrincipal(SCHEDULER).with_conditions(
        {
            "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
            "ArnLike": {
                "aws:SourceArn": f"arn:{Aws.PARTITION}:scheduler:{Aws.REGION}:{Aws.ACCOUNT_ID}:schedule-group/{group}"
            },
        }
    )


class FabricSchedules(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        specs: tuple[ScheduleSpec, ...],
        functions: Mapping[str, lambda_.IFunction],
        dead_letters: sqs.IQueue,
        fabric_key: FabricKey,
    ) -> None:
        super().__init__(scope, construct_id)
        self.group = scheduler.CfnScheduleGroup(self, "Group", name=OPERATIONS_GROUP)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=_scheduler_principal(OPERATIONS_GROUP),
            description="Bulkhead recurring jobs: invoke the scheduled functions",
        )
        scheduled = sorted({spec.function for spec in specs})
        if scheduled:
            self.role.add_to_policy(
                iam.PolicyStatement(
                    sid="InvokeScheduledFunctions",
                    actions=["lambda:InvokeFunction"],
                    resources=[functions[name].function_arn for name in scheduled],
                )
            )
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="DeadLetterUndelivered", actions=["sqs:SendMessage"], resources=[dead_letters.queue_arn]
            )
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="UseFabricKeyForDeadLetters", actions=list(ENCRYPT_DECRYPT), resources=[fabric_key.key.key_arn]
            )
        )
        self.schedules: dict[str, scheduler.CfnSchedule] = {}
        for spec in specs:
            schedule = scheduler.CfnSchedule(
                self,
                spec.name,
                name=f"bulkhead-{spec.name}",
                group_name=self.group.ref,  # Ref is the group's name: created before its schedules
                description=f"Bulkhead: invoke {spec.function}",
                schedule_expression=schedule_expression(spec),
                schedule_expression_timezone="UTC",
                flexible_time_window=scheduler.CfnSchedule.FlexibleTimeWindowProperty(mode="OFF"),
                state="ENABLED",
                target=scheduler.CfnSchedule.TargetProperty(
                    arn=functions[spec.function].function_arn,
                    role_arn=self.role.role_arn,
                    input=spec.input,
                    retry_policy=scheduler.CfnSchedule.RetryPolicyProperty(
                        maximum_retry_attempts=RETRY_ATTEMPTS, maximum_event_age_in_seconds=MAX_EVENT_AGE_SECONDS
                    ),
                    dead_letter_config=scheduler.CfnSchedule.DeadLetterConfigProperty(arn=dead_letters.queue_arn),
                ),
            )
            self.schedules[spec.name] = schedule


class ReminderSchedules(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, topic: sns.ITopic, fabric_key: FabricKey) -> None:
        super().__init__(scope, construct_id)
        self.group = scheduler.CfnScheduleGroup(self, "Group", name=REMINDER_GROUP)
        self.group_name = REMINDER_GROUP
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=_scheduler_principal(REMINDER_GROUP),
            description="Bulkhead clock reminders: publish to the on-call topic",
        )
        self.role.add_to_policy(
            iam.PolicyStatement(sid="PageOnCall", actions=["sns:Publish"], resources=[topic.topic_arn])
        )
        # The on-call topic is encrypted with the fabric key.
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="UseFabricKeyForTopic", actions=list(ENCRYPT_DECRYPT), resources=[fabric_key.key.key_arn]
            )
        )
