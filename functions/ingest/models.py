"""The one shape detection sees: a verified, normalised `Signal`; and the request shapes ingest reads."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field

from functions.common.config import Severity
from functions.common.models import Message


class SignalSource(StrEnum):
    SHOPIFY_WEBHOOK = "shopify.webhook"
    SHOPIFY_EVENTBRIDGE = "shopify.eventbridge"
    SHOPIFY_FLOW = "shopify.flow"
    ADOBE_COMMERCE_WEBHOOK = "adobe_commerce.webhook"
    ADOBE_IO_EVENTS = "adobe_commerce.io_events"
    AWS_GUARDDUTY = "aws.guardduty"
    AWS_MACIE = "aws.macie"
    AWS_SECURITYHUB = "aws.securityhub"
    MANUAL = "manual"


class DataCategory(StrEnum):
    CONTACT = "contact"
    IDENTITY = "identity"
    FINANCIAL_ACCOUNT = "financial_account"
    CREDENTIALS = "credentials"


class Signal(Message):
    signal_id: str = Field(min_length=1, max_length=256, description="the platform's event id")
    source: SignalSource
    store_id: str
    topic: str = Field(min_length=1, max_length=128)
    actor: str | None = Field(default=None, max_length=256, description="app, integration or admin id")
    subject_ids: tuple[str, ...] = Field(default=(), description="platform ids of affected records")
    data_categories: tuple[DataCategory, ...] = ()
    observed_at: datetime
    received_at: datetime
    raw_sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="hash of the delivery as received")
    # Facts a rule may test (bulk operation object, scopes added, bucket, finding type): never personal data.
    attributes: dict[str, str] = Field(default_factory=dict, max_length=32)
    # What the sender says the severity is (a finding's own rating, an operator's declaration).
    severity_hint: Severity | None = None


class HttpRequest(Message):
    """An HTTP API (payload 2.0) request, reduced to what verification needs: the raw bytes and headers."""

    method: str
    path: str
    headers: dict[str, str]
    query: dict[str, str] = Field(default_factory=dict)
    body: bytes = b""

    def header(self, name: str) -> str:
        return self.headers.get(name, "")


class Receipt(Message):
    """What ingest answers: which signal, and whether this delivery was the first of its id."""

    signal_id: str
    store_id: str
    topic: str
    duplicate: bool = False


class EventReceipt(Message):
    """What the EventBridge entry point returns: accepted, or rejected with the reason."""

    status: str = Field(pattern=r"^(accepted|duplicate|rejected)$")
    signal_id: str | None = None
    reason: str | None = None


def as_text_map(value: Any) -> dict[str, str]:
    """A header or query map with lower-cased names; anything that is not a string map becomes empty."""
    if not isinstance(value, dict):
        return {}
    return {str(k).lower(): str(v) for k, v in value.items() if isinstance(k, str) and v is not None}
