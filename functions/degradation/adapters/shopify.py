"""Project a store's controls into Shopify: `metafieldsSet` and `paymentCustomizationActivation`.

Both calls are idempotent: the metafields are overwritten with the whole state (never a delta),
and the payment customization is switched only when its `enabled` differs from what the modes need.
The client (functions/common/shopify_admin.py) retries short throttling, 5xx and timeouts briefly and
raises the rest as PlatformThrottled / TransientPlatformError; user errors are PermanentActionFailure.
"""

from typing import Any

from functions.common.errors import PermanentActionFailure
from functions.common.shopify_admin import ShopifyAdmin
from functions.degradation import shopify
from functions.degradation.models import StoreControls

FIND_GATES = """
query BulkheadGates {
  shop { id }
  paymentCustomizations(first: 25) { nodes { id title enabled } }
  validations(first: 25) { nodes { id title enabled } }
}
"""
SET_METAFIELDS = """
mutation BulkheadModes($metafields: [MetafieldsSetInput!]!) {
  metafieldsSet(metafields: $metafields) {
    metafields { id key }
    userErrors { field message code }
  }
}
"""
ACTIVATE = """
mutation BulkheadPayments($ids: [ID!]!, $enabled: Boolean!) {
  paymentCustomizationActivation(ids: $ids, enabled: $enabled) {
    ids
    userErrors { field message code }
  }
}
"""


class ShopifyModesProjector:
    def __init__(self, admin: ShopifyAdmin) -> None:
        self._admin = admin

    def project(self, controls: StoreControls) -> str:
        found = self._admin.execute(FIND_GATES, {})
        shop_id = found["shop"]["id"]
        payment = _titled(found["paymentCustomizations"]["nodes"], shopify.PAYMENT_CUSTOMIZATION_TITLE)
        validation = _titled(found["validations"]["nodes"], shopify.VALIDATION_TITLE)
        owners = [n["id"] for n in (payment, validation) if n]
        result = self._admin.execute(
            SET_METAFIELDS, {"metafields": shopify.metafield_inputs(controls, shop_id, owners)}
        )
        _no_user_errors(result["metafieldsSet"], "metafieldsSet")
        parts = [f"metafield v{controls.version}"]
        wanted = shopify.payments_restricted(controls)
        if payment is None:
            parts.append("no payment customization installed")
        elif bool(payment["enabled"]) != wanted:
            activation = self._admin.execute(ACTIVATE, {"ids": [payment["id"]], "enabled": wanted})
            _no_user_errors(activation["paymentCustomizationActivation"], "paymentCustomizationActivation")
            parts.append(f"payment customization {'enabled' if wanted else 'disabled'}")
        if validation is None:
            parts.append("no checkout validation installed")
        return "shopify: " + ", ".join(parts)


def _titled(nodes: list[dict[str, Any]], title: str) -> dict[str, Any] | None:
    return next((n for n in nodes if n.get("title") == title), None)


def _no_user_errors(payload: dict[str, Any], operation: str) -> None:
    errors = payload.get("userErrors") or []
    if errors:
        raise PermanentActionFailure(f"{operation}: {'; '.join(str(e.get('message')) for e in errors)}")


class NoProjection:
    """Stores whose gates read the controls table themselves (Adobe Commerce), or cannot be reached."""

    def __init__(self, reason: str) -> None:
        self._reason = reason

    def project(self, controls: StoreControls) -> str:  # noqa: ARG002 - the port's signature
        return self._reason
