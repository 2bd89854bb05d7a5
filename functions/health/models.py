"""Control health: does every control Bulkhead relies on still work, right now?

Platform updates, an expired token, a merchant tidying up webhooks or functions silently break
integrated controls. The canary checks each one and names the broken ones.
"""

from datetime import datetime

from pydantic import Field, computed_field

from functions.common.models import Message

# What Bulkhead's app needs on a Shopify store (docs/drills.md, "Control health").
SHOPIFY_SCOPES: tuple[str, ...] = (
    "read_customers",
    "write_customers",
    "read_themes",
    "write_payment_customizations",
    "write_validations",
)
# topic -> endpoint kind: audit events only ever arrive through EventBridge.
SHOPIFY_WEBHOOKS: dict[str, str] = {
    "BULK_OPERATIONS_FINISH": "http",
    "APP_SCOPES_UPDATE": "http",
    "APP_UNINSTALLED": "http",
    "THEMES_PUBLISH": "http",
    "AUDIT_EVENTS_ADMIN_API_ACTIVITY": "eventbridge",
}
HTTP_WEBHOOK_PATH = "/webhooks/shopify"
# The function's title (the extension `name` in its shopify.extension.toml, which Shopify reports as
# `shopifyFunction { title }`) -> (kind, must be enabled at rest). `Validation` has no `functionId`
# field: both customizations are read through `shopifyFunction`
# (https://shopify.dev/docs/api/admin-graphql/latest/objects/Validation). The payment customization
# is switched on during an incident; the validation is always on and reads the degradation metafield.
SHOPIFY_FUNCTIONS: dict[str, tuple[str, bool]] = {
    "Bulkhead payment restrictions": ("payment customization", False),
    "Bulkhead checkout pause": ("cart and checkout validation", True),
}
# Adobe Commerce synchronous webhooks that serve Bulkhead's gates, as docs/degradation.md installs
# them (plugin hooks): webhook_method -> purpose.
ADOBE_WEBHOOKS: dict[str, str] = {
    "plugin.magento.sales.api.order_management.place": "checkout gate",
    "plugin.magento.customer.api.account_management.authenticate": "login gate",
}
# The companion module (docs/adobe-commerce-companion.md) answers `GET /V1/bulkhead/status`; a
# disabled or removed module has no routes, so Commerce answers 404 for it.
COMPANION_MODULE = "Bulkhead_Companion"
# The shop metafield both checkout functions read (functions/degradation/shopify.py). Installation
# projects the normal state once, so at rest it holds `{"version": N, "rules": []}`; absent, the
# functions fail open and no degradation can reach checkout.
MODES_METAFIELD = ("$app:bulkhead", "degradation")
PAYMENTS_RESTRICTED = "payments_restricted"
# No Admin API lists or reads Shopify Flow workflows (only `flowTriggerReceive` for an app's own
# triggers), so the canary checks that Flow deliveries arrive: the shipped heartbeat workflow posts
# `flow/heartbeat` daily (integrations/shopify-flow/), detection records it as a disposition, and
# the last one must be at most a day old, plus slack for Flow's scheduling.
FLOW_HEARTBEAT_TOPIC = "flow/heartbeat"
FLOW_MAX_AGE_HOURS = 26
# Reading customers' e-mail and phone (the roster) needs protected customer data, Level 2
# (https://shopify.dev/docs/apps/launch/protected-customer-data): the canary reads one customer's.
PROTECTED_CUSTOMER_DATA = "protected customer data (Level 2: email, phone)"
SES_SANDBOX_DAILY_QUOTA = 200.0


class Webhook(Message):
    topic: str
    kind: str  # http | eventbridge | other
    address: str = ""


class CheckoutFunction(Message):
    function_id: str  # the function's title, as `shopifyFunction { title }` reports it
    enabled: bool


class CompanionStatus(Message):
    """`GET /V1/bulkhead/status` of the Adobe Commerce companion module."""

    module: str
    version: str
    enabled: bool


class SendQuota(Message):
    max_24_hour_send: float
    max_send_rate: float
    sent_last_24_hours: float = 0.0


class ControlCheck(Message):
    control: str = Field(description="what was checked, e.g. `shopify.webhooks`")
    store_id: str | None = None
    healthy: bool
    message: str


class HealthReport(Message):
    checked_at: datetime
    checks: tuple[ControlCheck, ...]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def healthy(self) -> bool:
        return all(c.healthy for c in self.checks)

    def broken(self) -> tuple[ControlCheck, ...]:
        return tuple(c for c in self.checks if not c.healthy)

    def summary(self) -> dict[str, object]:
        """What the ledger keeps: each control's verdict and message (no personal data is checked)."""
        return {
            "healthy": self.healthy,
            "checks": len(self.checks),
            "broken": [{"control": c.control, "store_id": c.store_id, "message": c.message} for c in self.broken()],
        }


class CanaryRequest(Message):
    """Input of the CheckControlHealth function (the daily schedule sends `{}`)."""

    record: bool = True
