"""Reminders as EventBridge Scheduler one-time schedules that publish to the on-call topic.

Each schedule deletes itself after it fires (ActionAfterCompletion=DELETE). Creating one that
exists is a success (a retried step), and so is deleting one that already fired.
"""

from typing import Any

from botocore.exceptions import ClientError

from functions.clocks.models import Reminder


class SchedulerReminders:
    def __init__(self, scheduler: Any, group: str, topic_arn: str, role_arn: str) -> None:
        self._scheduler = scheduler
        self._group = group
        self._topic = topic_arn
        self._role = role_arn

    def schedule(self, reminder: Reminder) -> None:
        try:
            self._scheduler.create_schedule(
                Name=reminder.name,
                GroupName=self._group,
                ScheduleExpression=f"at({reminder.at:%Y-%m-%dT%H:%M:%S})",
                ScheduleExpressionTimezone="UTC",
                FlexibleTimeWindow={"Mode": "OFF"},
                ActionAfterCompletion="DELETE",
                Description=reminder.subject[:512],
                Target={
                    "Arn": self._topic,
                    "RoleArn": self._role,
                    "Input": reminder.message,
                    "RetryPolicy": {"MaximumRetryAttempts": 10, "MaximumEventAgeInSeconds": 3600},
                },
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConflictException":
                raise

    def cancel(self, name: str) -> None:
        try:
            self._scheduler.delete_schedule(Name=name, GroupName=self._group)
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ResourceNotFoundException":
                raise
