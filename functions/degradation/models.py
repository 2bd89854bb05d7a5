"""Degradation modes: what checkout, payments and account gates do while an incident is contained."""

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from functions.common.config import Mode
from functions.common.models import Message


class DegradationMode(StrEnum):
    NORMAL = "normal"
    PAYMENTS_RESTRICTED = "payments_restricted"
    CHECKOUT_PAUSED = "checkout_paused"
    ACCOUNT_READ_ONLY = "account_read_only"
    LOGIN_STEP_UP = "login_step_up"


class DegradationPlan(Message):
    modes: tuple[DegradationMode, ...] = ()
    ttl_minutes: int = Field(default=240, ge=5, le=10_080)
    message: str = Field(default="", max_length=500, description="shown to customers by the gates")


class SetModeRequest(Message):
    """Input of the SetDegradationMode step."""

    incident_id: str
    mode: Mode
    store_id: str
    degradation: DegradationPlan


class StoreControls(Message):
    """The current modes of one store: the one source of truth every gate reads."""

    store_id: str
    modes: tuple[DegradationMode, ...]
    incident_id: str | None = None
    message: str = ""
    expires_at: datetime | None = None
    version: int = 0


class DegradationOutcome(Message):
    store_id: str
    modes: tuple[DegradationMode, ...]
    applied: bool
    expires_at: datetime | None = None
