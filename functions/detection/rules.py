"""The default detection rules, as data. Stores may carry their own in configuration."""

from functions.common.config import Severity
from functions.detection.models import DetectionRule
from functions.ingest.models import SignalSource

DEFAULT_RULES: tuple[DetectionRule, ...] = (
    DetectionRule(
        rule_id="shopify-bulk-customer-export",
        title="Bulk export of customer data",
        topics=("bulk_operations/finish",),
        sources=(SignalSource.SHOPIFY_WEBHOOK, SignalSource.SHOPIFY_EVENTBRIDGE),
        severity=Severity.CRITICAL,
        components=("storefront_tokens", "webhook_subscriptions", "customer_tags"),
    ),
    DetectionRule(
        rule_id="shopify-admin-api-customer-reads",
        title="Unusual Admin API reads of customer records",
        topics=("audit_events/admin_api_activity",),
        sources=(SignalSource.SHOPIFY_EVENTBRIDGE, SignalSource.SHOPIFY_WEBHOOK),
        severity=Severity.HIGH,
        components=("storefront_tokens", "customer_tags"),
    ),
    DetectionRule(
        rule_id="shopify-customer-scope-added",
        title="An app gained access to customer data",
        topics=("app/scopes_update",),
        severity=Severity.HIGH,
        components=("storefront_tokens",),
    ),
    DetectionRule(
        rule_id="shopify-theme-published",
        title="Theme published (possible checkout skimmer)",
        topics=("themes/publish",),
        severity=Severity.CRITICAL,
        components=("checkout",),
    ),
)
