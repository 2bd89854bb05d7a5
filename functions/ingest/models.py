"""The one shape detection sees: a verified, normalised `Signal`."""

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from functions.common.models import Message


class SignalSource(StrEnum):
    SHOPIFY_WEBHOOK = "shopify.webhook"
    SHOPIFY_EVENTBRIDGE = "shopify.eventbridge"
    SHOPIFY_FLOW = "shopify.flow"
    ADOBE_COMMERCE_WEBHOOK = "adobe_commerce.webhook"
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
