"""Customer notification: who hears about the incident, how, and what was sent."""

from enum import StrEnum

from pydantic import Field

from functions.common.config import Mode
from functions.common.models import Message


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"


class NotificationPlan(Message):
    channels: tuple[Channel, ...] = (Channel.EMAIL,)
    subject_ids: tuple[str, ...] = Field(default=(), description="platform ids of affected customers")
    required: bool = Field(description="GDPR Art. 34: high risk to the data subjects")


class NotifyRequest(Message):
    """Input of the NotifyCustomers step."""

    incident_id: str
    mode: Mode
    store_id: str
    notification: NotificationPlan


class NotificationOutcome(Message):
    planned: int
    sent: int
    skipped: int
    channels: tuple[Channel, ...]
