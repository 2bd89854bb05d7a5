"""Project a store's controls into Shopify: `metafieldsSet` and `paymentCustomizationActivation`.

Both calls are idempotent: the metafields are overwritten with the whole state (never a delta),
and the payment customization is switched only when its `enabled` differs from what the modes need.
Throttling (`THROTTLED`, HTTP 429) raises PlatformThrottled with the wait Shopify's leaky bucket
implies; 5xx and timeouts raise TransientPlatformError; user errors are PermanentActionFailure.
"""

from typing import Any

import httpx

from functions.common.errors import PermanentActionFailure, PlatformThrottled, TransientPlatformError
from functions.degradation import shopify
from functions.degradation.models import StoreControls

API_VERSION = "2026-10"

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
    def __init__(self, http: httpx.Client, admin_url: str, token: str) -> None:
        self._http = http
        self._endpoint = f"{admin_url.rstrip('/')}/admin/api/{API_VERSION}/graphql.json"
        self._token = token

    def project(self, controls: StoreControls) -> str:
        found = self._graphql(FIND_GATES, {})
        shop_id = found["shop"]["id"]
        payment = _titled(found["paymentCustomizations"]["nodes"], shopify.PAYMENT_CUSTOMIZATION_TITLE)
        validation = _titled(found["validations"]["nodes"], shopify.VALIDATION_TITLE)
        owners = [n["id"] for n in (payment, validation) if n]
        result = self._graphql(SET_METAFIELDS, {"metafields": shopify.metafield_inputs(controls, shop_id, owners)})
        _no_user_errors(result["metafieldsSet"], "metafieldsSet")
        parts = [f"metafield v{controls.version}"]
        wanted = shopify.payments_restricted(controls)
        if payment is None:
            parts.append("no payment customization installed")
        elif bool(payment["enabled"]) != wanted:
            activation = self._graphql(ACTIVATE, {"ids": [payment["id"]], "enabled": wanted})
            _no_user_errors(activation["paymentCustomizationActivation"], "paymentCustomizationActivation")
            parts.append(f"payment customization {'enabled' if wanted else 'disabled'}")
        if validation is None:
            parts.append("no checkout validation installed")
        return "shopify: " + ", ".join(parts)

    def _graphql(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        try:
            response = self._http.post(
                self._endpoint,
                json={"query": query, "variables": variables},
                headers={"X-Shopify-Access-Token": self._token, "Content-Type": "application/json"},
            )
        except httpx.HTTPError as exc:
            raise TransientPlatformError(f"Shopify Admin API unreachable: {type(exc).__name__}") from exc
        if response.status_code == 429:
            raise PlatformThrottled("Shopify throttled the request", float(response.headers.get("Retry-After", 1)))
        if response.status_code >= 500:
            raise TransientPlatformError(f"Shopify Admin API answered {response.status_code}")
        if response.status_code != 200:
            raise PermanentActionFailure(f"Shopify Admin API refused the request ({response.status_code})")
        body = response.json()
        errors = body.get("errors")
        if errors:
            codes = [e.get("extensions", {}).get("code") for e in errors] if isinstance(errors, list) else []
            if "THROTTLED" in codes:
                raise PlatformThrottled("Shopify throttled the request", _wait_seconds(body))
            raise PermanentActionFailure(f"Shopify GraphQL errors: {_messages(errors)}")
        return dict(body["data"])


def _titled(nodes: list[dict[str, Any]], title: str) -> dict[str, Any] | None:
    return next((n for n in nodes if n.get("title") == title), None)


def _no_user_errors(payload: dict[str, Any], operation: str) -> None:
    errors = payload.get("userErrors") or []
    if errors:
        raise PermanentActionFailure(f"{operation}: {'; '.join(str(e.get('message')) for e in errors)}")


def _wait_seconds(body: dict[str, Any]) -> float:
    """How long until the bucket holds the query's cost again, from `extensions.cost`."""
    cost = body.get("extensions", {}).get("cost", {})
    status = cost.get("throttleStatus") or {}
    needed = float(cost.get("requestedQueryCost") or 10) - float(status.get("currentlyAvailable") or 0)
    rate = float(status.get("restoreRate") or 50)
    return max(needed / rate, 0.1)


def _messages(errors: Any) -> str:
    if isinstance(errors, list):
        return "; ".join(str(e.get("message")) for e in errors if isinstance(e, dict))[:300]
    return str(errors)[:300]


class NoProjection:
    """Stores whose gates read the controls table themselves (Adobe Commerce), or cannot be reached."""

    def __init__(self, reason: str) -> None:
        self._reason = reason

    def project(self, controls: StoreControls) -> str:  # noqa: ARG002 - the port's signature
        return self._reason
