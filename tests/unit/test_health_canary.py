"""The control-health canary names every broken control, and a healthy set of controls passes."""

from datetime import UTC, datetime

import pytest

from functions.common.config import Platform, StoreConfig
from functions.health.domain import check_controls, record_health, shortest_clock_hours
from functions.health.models import (
    ADOBE_WEBHOOKS,
    SHOPIFY_FUNCTIONS,
    SHOPIFY_SCOPES,
    SHOPIFY_WEBHOOKS,
    CheckoutFunction,
    SendQuota,
    Webhook,
)
from functions.ledger.models import EntryDraft, EntryType
from tests.fakes import builders

NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
CONFIG = builders.firm(
    builders.store(webhook_secret_id="w"),
    builders.store("acme-us", "adobe_commerce", webhook_secret_id="w2", admin_token_secret_id="t2"),
    regulators=[{"regime": "gdpr_art33", "authority": "BfDI"}, {"regime": "dora", "authority": "BaFin"}],
)


class FakeStore:
    def __init__(self, platform: Platform, customers: int = 1000) -> None:
        self.scopes = set(SHOPIFY_SCOPES)
        if platform is Platform.SHOPIFY:
            self.hooks = [
                Webhook(topic=t, kind=k, address="https://x/webhooks/shopify" if k == "http" else "arn:aws:events:x")
                for t, k in SHOPIFY_WEBHOOKS.items()
            ]
        else:
            self.hooks = [Webhook(topic=m, kind="adobe_commerce") for m in ADOBE_WEBHOOKS]
        self.functions = [CheckoutFunction(function_id=f, enabled=True) for f in SHOPIFY_FUNCTIONS]
        self.contacts = True
        self.customers = customers
        self.down = False

    def granted_scopes(self, store: StoreConfig) -> set[str]:
        return self.scopes

    def webhooks(self, store: StoreConfig) -> list[Webhook]:
        return self.hooks

    def checkout_functions(self, store: StoreConfig) -> list[CheckoutFunction]:
        return self.functions

    def reads_contacts(self, store: StoreConfig) -> bool:
        if not self.contacts:
            raise PermissionError("ACCESS_DENIED: This app is not approved to access the Customer object")
        return True

    def customer_count(self, store: StoreConfig) -> int:
        if self.down:
            raise PermissionError("HTTP 401: the access token is invalid or revoked")
        return self.customers


PRODUCTION = SendQuota(max_24_hour_send=50_000, max_send_rate=14)


class FakeEmail:
    def __init__(self, quota: SendQuota = PRODUCTION) -> None:
        self.quota, self.verified = quota, True

    def identity_verified(self, sender: str) -> bool:
        return self.verified

    def send_quota(self) -> SendQuota:
        return self.quota


class FakeOnCall:
    def __init__(self, confirmed: int = 1) -> None:
        self.confirmed = confirmed

    def subscriptions(self) -> tuple[int, int]:
        return self.confirmed, 0


def canary(
    shopify: FakeStore | None = None,
    adobe: FakeStore | None = None,
    email: FakeEmail | None = None,
    oncall: FakeOnCall | None = None,
):  # type: ignore[no-untyped-def]
    platforms = {
        Platform.SHOPIFY: shopify or FakeStore(Platform.SHOPIFY),
        Platform.ADOBE_COMMERCE: adobe or FakeStore(Platform.ADOBE_COMMERCE),
    }
    return check_controls(CONFIG, platforms, email or FakeEmail(), oncall or FakeOnCall(), NOW)  # type: ignore[arg-type]


def broken(report) -> list[str]:  # type: ignore[no-untyped-def]
    return [c.message for c in report.broken()]


def test_healthy_controls_pass() -> None:
    report = canary()
    assert report.healthy, broken(report)


def test_a_missing_webhook_is_named() -> None:
    shopify = FakeStore(Platform.SHOPIFY)
    shopify.hooks = [h for h in shopify.hooks if h.topic != "BULK_OPERATIONS_FINISH"]
    assert broken(canary(shopify=shopify)) == ["webhook subscription BULK_OPERATIONS_FINISH is missing"]


def test_a_webhook_pointing_elsewhere_is_named() -> None:
    shopify = FakeStore(Platform.SHOPIFY)
    shopify.hooks = [
        h.model_copy(update={"address": "https://collector.exfil.example/o"}) if h.topic == "THEMES_PUBLISH" else h
        for h in shopify.hooks
    ]
    assert broken(canary(shopify=shopify)) == [
        "webhook subscription THEMES_PUBLISH points elsewhere (http https://collector.exfil.example/o)"
    ]


def test_a_revoked_scope_is_named() -> None:
    shopify = FakeStore(Platform.SHOPIFY)
    shopify.scopes.discard("write_validations")
    assert broken(canary(shopify=shopify)) == ["scope revoked or never granted: write_validations"]


def test_a_disabled_or_missing_function_is_named() -> None:
    shopify = FakeStore(Platform.SHOPIFY)
    shopify.functions = [CheckoutFunction(function_id="Bulkhead checkout pause", enabled=False)]
    assert broken(canary(shopify=shopify)) == [
        "Shopify Function Bulkhead payment restrictions (payment customization) is not installed",
        "Shopify Function Bulkhead checkout pause (cart and checkout validation) is disabled: the gate cannot act",
    ]


def test_a_store_without_protected_customer_data_approval_is_named() -> None:
    # Given an app not approved for Level 2 protected customer data: the roster cannot read contacts
    shopify = FakeStore(Platform.SHOPIFY)
    shopify.contacts = False
    report = canary(shopify=shopify)
    assert [c.control for c in report.broken()] == ["shopify.protected_customer_data"]
    assert "not approved to access the Customer object" in report.broken()[0].message


def test_a_missing_adobe_commerce_gate_webhook_is_named() -> None:
    adobe = FakeStore(Platform.ADOBE_COMMERCE)
    adobe.hooks = adobe.hooks[1:]
    assert broken(canary(adobe=adobe)) == [
        "Adobe Commerce webhook plugin.magento.sales.api.order_management.place (checkout gate) is not installed"
    ]


def test_revoked_credentials_are_named_with_the_platform_answer() -> None:
    shopify = FakeStore(Platform.SHOPIFY)
    shopify.down = True
    report = canary(shopify=shopify)
    assert [(c.control, c.store_id) for c in report.broken()] == [("credentials", "acme-eu")]
    assert "token is invalid or revoked" in report.broken()[0].message


def test_ses_in_the_sandbox_and_too_little_quota_are_named() -> None:
    email = FakeEmail(SendQuota(max_24_hour_send=200, max_send_rate=1))
    report = canary(shopify=FakeStore(Platform.SHOPIFY, customers=120_000), email=email)
    controls = {c.control: c.message for c in report.broken()}
    assert set(controls) == {"ses.production_access", "ses.quota"}
    assert "in the sandbox" in controls["ses.production_access"]
    assert "within the shortest clock (4 h) for the largest store's 120,000 customers" in controls["ses.quota"]


def test_the_shortest_clock_is_the_configured_regulators_shortest() -> None:
    assert shortest_clock_hours(CONFIG, NOW) == 4  # DORA's initial report


def test_unconfirmed_on_call_is_named() -> None:
    assert broken(canary(oncall=FakeOnCall(confirmed=0))) == [
        "0 confirmed, 0 pending confirmation: nobody would be paged"
    ]


def test_each_run_is_recorded_in_the_days_health_chain_and_raises_the_drift_metric() -> None:
    shopify = FakeStore(Platform.SHOPIFY)
    shopify.scopes.discard("write_customers")
    report = canary(shopify=shopify)
    appended: list[tuple[str, EntryDraft]] = []
    alarms: list[tuple[int, int]] = []

    class Ledger:
        def append(self, incident_id: str, draft: EntryDraft) -> None:
            appended.append((incident_id, draft))

    class Alarm:
        def report(self, broken: int, checked: int) -> None:
            alarms.append((broken, checked))

    record_health(report, Ledger(), Alarm(), NOW)  # type: ignore[arg-type]

    assert alarms == [(1, len(report.checks))]
    chain, draft = appended[0]
    assert chain == "health-2026-11-27" and draft.type is EntryType.HEALTH_CHECKED
    assert draft.data["healthy"] is False
    assert draft.data["broken"] == [
        {
            "control": "shopify.scopes",
            "store_id": "acme-eu",
            "message": "scope revoked or never granted: write_customers",
        }
    ]


@pytest.mark.parametrize("platform", [Platform.SHOPIFY, Platform.ADOBE_COMMERCE])
def test_a_platform_that_cannot_be_read_breaks_its_controls_by_name(platform: Platform) -> None:
    store = FakeStore(platform)

    def fail(*args: object) -> list[Webhook]:
        raise TimeoutError("connect timeout")

    store.webhooks = fail  # type: ignore[method-assign]
    report = canary(**{"shopify" if platform is Platform.SHOPIFY else "adobe": store})
    assert [c.message for c in report.broken()] == ["TimeoutError: connect timeout"]
