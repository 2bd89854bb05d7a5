"""What the canary asks of the platforms and of AWS; adapters answer, fakes answer in tests."""

from datetime import datetime
from typing import Protocol

from functions.common.config import StoreConfig
from functions.health.models import CheckoutFunction, CompanionStatus, SendQuota, Webhook


class PlatformControls(Protocol):
    """One platform's view of a store's controls. Raise on a failed call; the canary names it."""

    def granted_scopes(self, store: StoreConfig) -> set[str]: ...

    def webhooks(self, store: StoreConfig) -> list[Webhook]: ...

    def checkout_functions(self, store: StoreConfig) -> list[CheckoutFunction]: ...

    def customer_count(self, store: StoreConfig) -> int: ...

    def reads_contacts(self, store: StoreConfig) -> bool:
        """Whether the app may read customers' e-mail and phone (Shopify: protected customer data, Level 2)."""
        ...

    def modes_metafield(self, store: StoreConfig) -> tuple[str, str] | None:
        """Shopify: the shop's degradation metafield as (type, value), None when absent."""
        ...

    def companion_status(self, store: StoreConfig) -> CompanionStatus:
        """Adobe Commerce: the companion module's status (raise when its routes are gone)."""
        ...


class EmailControls(Protocol):
    def identity_verified(self, sender: str) -> bool: ...

    def send_quota(self) -> SendQuota: ...


class OnCallControls(Protocol):
    def subscriptions(self) -> tuple[int, int]:
        """(confirmed, pending confirmation) subscriptions of the on-call topic."""
        ...


class DriftAlarm(Protocol):
    def report(self, broken: int, checked: int) -> None: ...


class FlowDeliveries(Protocol):
    def last_delivery(self, store_id: str, since: datetime, until: datetime) -> datetime | None:
        """When the store's last Shopify Flow request was received in [since, until], if any."""
        ...
