"""Environment settings, read lazily and named in one place.

Every variable a function reads is an `Env` member, so the infra tests can check that each
function's environment carries every setting its code reads.
"""

import os
from enum import StrEnum

from functions.common.errors import ConfigurationError


class Env(StrEnum):
    REGION = "AWS_REGION"
    CONFIG_PARAMETER = "BULKHEAD_CONFIG_PARAMETER"
    LEDGER_TABLE = "LEDGER_TABLE_NAME"
    CONTROLS_TABLE = "CONTROLS_TABLE_NAME"
    APPROVALS_TABLE = "APPROVALS_TABLE_NAME"
    EVENT_BUS = "EVENT_BUS_NAME"
    PSEUDONYM_KEY_SECRET = "PSEUDONYM_KEY_SECRET_ID"
    ONCALL_TOPIC = "ONCALL_TOPIC_ARN"
    PRESTATES_TABLE = "PRESTATES_TABLE_NAME"  # containment pre-states (encrypted)
    PRESTATE_KEY_ID = "PRESTATE_KEY_ID"  # KMS key that seals pre-states
    NOTIFICATION_BUCKET = "NOTIFICATION_BUCKET_NAME"  # rosters (short-lived) and regulator drafts
    DELIVERIES_TABLE = "DELIVERIES_TABLE_NAME"  # exactly-once notice deliveries and the SMS spend
    CLOCKS_TABLE = "CLOCKS_TABLE_NAME"
    REMINDER_GROUP = "REMINDER_SCHEDULE_GROUP"
    REMINDER_ROLE_ARN = "REMINDER_ROLE_ARN"
    LEDGER_SIGNING_KEY = "LEDGER_SIGNING_KEY_ID"
    LEDGER_ANCHOR_BUCKET = "LEDGER_ANCHOR_BUCKET_NAME"
    IDEMPOTENCY_TABLE = "IDEMPOTENCY_TABLE_NAME"
    DISPOSITIONS_TABLE = "DISPOSITIONS_TABLE_NAME"
    RESPONSE_STATE_MACHINE = "RESPONSE_STATE_MACHINE_ARN"  # scheduled drills start it; ScoreDrill checks it
    ESCALATION_STATE_MACHINE = "ESCALATION_STATE_MACHINE_ARN"  # `incident escalate` runs what it adds on it


def env(name: Env) -> str:
    """The value of one setting; a missing one names the variable."""
    value = os.environ.get(name.value, "")
    if not value:
        raise ConfigurationError(f"environment variable {name.value} is not set")
    return value
