"""A page: what on-call receives, at which escalation stage, with no personal data."""

from pydantic import Field

from functions.common.models import Message


class Page(Message):
    subject: str = Field(min_length=1, max_length=100)
    message: str = Field(min_length=1, max_length=4000)
    incident_id: str
    stage: str = "on-call"  # SNS subscriptions filter on this message attribute
    severity: str = "high"  # PagerDuty: critical | error | warning | info, mapped from ours
    person: str | None = None  # the roster id of the one person this page is for (its link is theirs)
    dedup_key: str = Field(min_length=1, max_length=255, description="one alert per key on PagerDuty")
