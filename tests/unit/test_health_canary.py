"""The control-health canary names every broken control, and a healthy set of controls passes."""

from datetime import UTC, datetime, timedelta

import pytest

from functions.common.config import Platform, StoreConfig
from functions.health.domain import check_controls, record_health, shortest_clock_hours
from functions.health.models import (
    ADOBE_WEBHOOKS,
    SHOPIFY_FUNCTIONS,
    SHOPIFY_SCOPES,
    SHOPIFY_WEBHOOKS,
    CheckoutFunction,
    CompanionStatus,
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
        # As installation projects the normal state (functions/degradation/shopify.py writes it).
        self.metafield: tuple[str, str] | None = ("json", '{"version":0,"rules":[]}')
        self.companion: CompanionStatus | Exception = CompanionStatus(
            module="Bulkhead_Companion", version="1.0.0", enabled=True
        )

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

    def modes_metafield(self, store: StoreConfig) -> tuple[str, str] | None:
        return self.metafield

    def companion_status(self, store: StoreConfig) -> CompanionStatus:
        if isinstance(self.companion, Exception):
            raise self.companion
        return self.companion


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
        " (module Bulkhead_Companion 1.0.0)"
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


RESTRICTING = (
    '{"version":3,"rules":[{"segmentTag":"bulkhead-affected","modes":["payments_restricted"],'
    '"message":"","paymentMethods":[],"expiresAt":"2026-11-27T08:00:00+00:00"}]}'
)


def test_a_missing_modes_metafield_is_named() -> None:
    # Given a store whose shop metafield the checkout functions read was deleted
    shopify = FakeStore(Platform.SHOPIFY)
    shopify.metafield = None
    report = canary(shopify=shopify)
    # Then the canary names it: the functions fail open without it
    assert [(c.control, c.store_id) for c in report.broken()] == [("shopify.metafield.degradation", "acme-eu")]
    assert broken(report) == [
        "shop metafield $app:bulkhead/degradation is missing: the checkout functions fail open and no mode "
        "reaches checkout"
    ]


@pytest.mark.parametrize(
    ("metafield", "problem"),
    [
        (("single_line_text_field", "{}"), "its type is single_line_text_field, not json"),
        (("json", "not json"), "it is not a JSON object with an integer version"),
        (("json", '{"version":"3","rules":[]}'), "it is not a JSON object with an integer version"),
        (("json", '{"version":3,"rules":{"modes":[]}}'), "its rules are not a list of rules with modes"),
        (("json", '{"version":3,"rules":[{"segmentTag":null}]}'), "its rules are not a list of rules with modes"),
    ],
)
def test_a_malformed_modes_metafield_is_named(metafield: tuple[str, str], problem: str) -> None:
    shopify = FakeStore(Platform.SHOPIFY)
    shopify.metafield = metafield
    assert broken(canary(shopify=shopify)) == [
        f"shop metafield $app:bulkhead/degradation is malformed ({problem}): the checkout functions fail open"
    ]


def test_payments_restricted_with_the_payment_customization_deactivated_is_named() -> None:
    # Given a rule that restricts payments, and the payment customization switched off in the admin
    shopify = FakeStore(Platform.SHOPIFY)
    shopify.metafield = ("json", RESTRICTING)
    shopify.functions = [
        CheckoutFunction(function_id="Bulkhead payment restrictions", enabled=False),
        CheckoutFunction(function_id="Bulkhead checkout pause", enabled=True),
    ]
    report = canary(shopify=shopify)
    assert [c.control for c in report.broken()] == ["shopify.payment_customization.activation"]
    assert broken(report) == [
        "payment customization Bulkhead payment restrictions is not activated while a rule restricts payments: "
        "restricted payment methods are still offered"
    ]
    # ...and once activated, the same rule is healthy
    shopify.functions[0] = CheckoutFunction(function_id="Bulkhead payment restrictions", enabled=True)
    assert canary(shopify=shopify).healthy


def test_a_deactivated_payment_customization_at_rest_is_healthy() -> None:
    # No rule restricts payments: the customization is off at rest by design
    shopify = FakeStore(Platform.SHOPIFY)
    shopify.functions = [
        CheckoutFunction(function_id="Bulkhead payment restrictions", enabled=False),
        CheckoutFunction(function_id="Bulkhead checkout pause", enabled=True),
    ]
    report = canary(shopify=shopify)
    assert report.healthy, broken(report)
    [activation] = [c for c in report.checks if c.control == "shopify.payment_customization.activation"]
    assert "activation not needed" in activation.message


def test_a_disabled_companion_module_is_named() -> None:
    adobe = FakeStore(Platform.ADOBE_COMMERCE)
    adobe.companion = CompanionStatus(module="Bulkhead_Companion", version="1.0.0", enabled=False)
    report = canary(adobe=adobe)
    assert [(c.control, c.store_id) for c in report.broken()] == [("adobe_commerce.companion", "acme-us")]
    assert broken(report) == ["Bulkhead_Companion 1.0.0 is disabled"]


def test_a_companion_module_without_routes_is_named_with_the_platform_answer() -> None:
    # Given a disabled or removed module: Commerce answers 404 for its status route
    adobe = FakeStore(Platform.ADOBE_COMMERCE)
    adobe.companion = PermissionError(
        "Bulkhead_Companion is disabled or not installed: GET /V1/bulkhead/status answered 404"
    )
    report = canary(adobe=adobe)
    assert [c.control for c in report.broken()] == ["adobe_commerce.companion"]
    assert "Bulkhead_Companion is disabled or not installed" in broken(report)[0]


def test_webhooks_dropped_by_a_module_update_are_named_with_the_module_version() -> None:
    adobe = FakeStore(Platform.ADOBE_COMMERCE)
    adobe.companion = CompanionStatus(module="Bulkhead_Companion", version="1.1.0", enabled=True)
    adobe.hooks = []
    assert broken(canary(adobe=adobe)) == [
        f"Adobe Commerce webhook {method} ({purpose}) is not installed (module Bulkhead_Companion 1.1.0)"
        for method, purpose in ADOBE_WEBHOOKS.items()
    ]


class FakeFlow:
    def __init__(self, last: datetime | None) -> None:
        self.last = last
        self.asked: list[tuple[str, datetime, datetime]] = []

    def last_delivery(self, store_id: str, since: datetime, until: datetime) -> datetime | None:
        self.asked.append((store_id, since, until))
        return self.last


def flow_checks(flow: FakeFlow) -> list[tuple[str, str | None, bool, str]]:
    platforms = {
        Platform.SHOPIFY: FakeStore(Platform.SHOPIFY),
        Platform.ADOBE_COMMERCE: FakeStore(Platform.ADOBE_COMMERCE),
    }
    config = CONFIG.model_copy(
        update={"stores": tuple(s.model_copy(update={"operator_secret_id": "op"}) for s in CONFIG.stores)}
    )
    report = check_controls(config, platforms, FakeEmail(), FakeOnCall(), NOW, flow)  # type: ignore[arg-type]
    return [(c.control, c.store_id, c.healthy, c.message) for c in report.checks if c.control == "shopify.flow"]


def test_a_recent_flow_delivery_keeps_the_flow_check_healthy() -> None:
    flow = FakeFlow(NOW - timedelta(hours=5))
    # Only the Shopify store is asked, over the last 26 hours
    assert flow_checks(flow) == [("shopify.flow", "acme-eu", True, "last Shopify Flow delivery 5.0 h ago")]
    assert flow.asked == [("acme-eu", NOW - timedelta(hours=26), NOW)]


def test_no_flow_delivery_within_a_day_is_named() -> None:
    assert flow_checks(FakeFlow(None)) == [
        (
            "shopify.flow",
            "acme-eu",
            False,
            "no Shopify Flow delivery (flow/heartbeat or other) in 26 h: the Bulkhead Flow workflows are off or "
            "deleted, or their X-Bulkhead-Token expired",
        )
    ]


def test_a_store_without_an_operator_secret_has_no_flow_check() -> None:
    # Flow's requests need the operator secret; a store without one has no Flow workflow to check
    report = check_controls(
        CONFIG,
        {Platform.SHOPIFY: FakeStore(Platform.SHOPIFY), Platform.ADOBE_COMMERCE: FakeStore(Platform.ADOBE_COMMERCE)},  # type: ignore[dict-item]
        FakeEmail(),
        FakeOnCall(),
        NOW,
        FakeFlow(None),
    )
    assert report.healthy and "shopify.flow" not in {c.control for c in report.checks}
