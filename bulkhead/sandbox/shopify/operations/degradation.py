"""What Bulkhead's degradation projection asks of a store: metafields and its two checkout functions.

`metafieldsSet` (up to 25 metafields, any owner), `paymentCustomizations` and `validations`
(connections), `paymentCustomizationActivation`. A sandbox store has Bulkhead's app installed with
both functions deployed: the payment customization starts disabled, the validation enabled, as
`docs/degradation.md` tells an operator to set them up.
"""

import json
from typing import Any

from bulkhead.sandbox.shopify.operations.shop import shop_field
from bulkhead.sandbox.shopify.registry import connection, connection_cost, operation, user_error
from bulkhead.sandbox.state import Record, StoreState

MAX_METAFIELDS = 25
_TYPES = {"json", "single_line_text_field", "multi_line_text_field", "boolean", "number_integer"}


def _function(handle: str, title: str) -> dict[str, Any]:
    """A `ShopifyFunction`: its title is the extension's `name` in shopify.extension.toml."""
    return {"__typename": "ShopifyFunction", "id": f"gid://shopify/ShopifyFunction/{handle}", "title": title}


def _installed(state: StoreState, table: str) -> dict[str, Record]:
    """The store's customizations, with Bulkhead's deployed on first use."""
    rows = state.table(table)
    if not state.table("degradation_seeded").get(table):
        if table == "payment_customizations":
            gid = "gid://shopify/PaymentCustomization/81001"
            rows[gid] = {
                "__typename": "PaymentCustomization",
                "id": gid,
                "enabled": False,
                "title": "Bulkhead payment restrictions",
                "functionId": "bulkhead-payment-restrictions",
                "shopifyFunction": _function("bulkhead-payment-restrictions", "Bulkhead payment restrictions"),
            }
        else:
            gid = "gid://shopify/Validation/82001"
            rows[gid] = {
                "__typename": "Validation",
                "id": gid,
                "enabled": True,
                "blockOnFailure": False,
                "title": "Bulkhead checkout pause",
                # `Validation` has no `functionId` field; the function is read through `shopifyFunction`
                # (https://shopify.dev/docs/api/admin-graphql/latest/objects/Validation).
                "shopifyFunction": _function("bulkhead-checkout-pause", "Bulkhead checkout pause"),
            }
        state.table("degradation_seeded")[table] = {"seeded": True}
    return rows


@operation("paymentCustomizations", kind="query", cost=connection_cost)
def payment_customizations(state: StoreState, args: dict[str, Any]) -> Any:
    return connection(list(_installed(state, "payment_customizations").values()), args)


@operation("validations", kind="query", cost=connection_cost)
def validations(state: StoreState, args: dict[str, Any]) -> Any:
    return connection(list(_installed(state, "validations").values()), args)


@operation("paymentCustomizationActivation")
def payment_customization_activation(state: StoreState, args: dict[str, Any]) -> Any:
    ids = [str(i) for i in args.get("ids") or []]
    enabled = args.get("enabled")
    if not ids or not isinstance(enabled, bool):
        return {"ids": [], "userErrors": [user_error(["ids"], "ids and enabled are required", "INVALID")]}
    rows = _installed(state, "payment_customizations")
    unknown = [i for i in ids if i not in rows]
    if unknown:
        return {"ids": [], "userErrors": [user_error(["ids"], "Could not find payment customization", "NOT_FOUND")]}
    for gid in ids:
        rows[gid]["enabled"] = enabled
    return {"ids": ids, "userErrors": []}


@operation("metafieldsSet")
def metafields_set(state: StoreState, args: dict[str, Any]) -> Any:
    inputs = list(args.get("metafields") or [])
    if not inputs or len(inputs) > MAX_METAFIELDS:
        message = f"between 1 and {MAX_METAFIELDS} metafields per call"
        return {"metafields": [], "userErrors": [user_error(["metafields"], message, "INVALID")]}
    errors = [e for n, item in enumerate(inputs) for e in _problems(n, item)]
    if errors:
        return {"metafields": [], "userErrors": errors}
    stored = []
    table = state.table("metafields")
    for item in inputs:
        namespace = app_namespace(str(item["namespace"]))
        key = f"{item['ownerId']}|{namespace}|{item['key']}"
        record = table.get(key) or {"__typename": "Metafield", "id": f"gid://shopify/Metafield/{state.next_id()}"}
        record.update(
            ownerId=item["ownerId"], namespace=namespace, key=item["key"], type=item["type"], value=item["value"]
        )
        table[key] = record
        stored.append(record)
    return {"metafields": stored, "userErrors": []}


def app_namespace(namespace: str) -> str:
    """`$app:x` resolves to the calling app's reserved namespace, `app--<app id>--x`."""
    return namespace.replace("$app:", "app--sandbox--")


@shop_field("metafield")
def _shop_metafield(state: StoreState) -> Any:
    """`shop { metafield(namespace:, key:) }`: the Metafield, or null when the shop has none
    (https://shopify.dev/docs/api/admin-graphql/latest/objects/Shop; `$app:` resolved as
    https://shopify.dev/docs/apps/build/custom-data/ownership describes)."""
    shop_id = (state.table("shop").get("shop") or {}).get("id")

    def read(args: dict[str, Any]) -> Any:
        namespace = app_namespace(str(args.get("namespace") or ""))
        return state.table("metafields").get(f"{shop_id}|{namespace}|{args.get('key')}")

    return read


def _problems(n: int, item: Any) -> list[dict[str, Any]]:
    if not isinstance(item, dict):
        return [user_error(["metafields", str(n)], "must be an object", "INVALID")]
    missing = [f for f in ("ownerId", "namespace", "key", "type", "value") if not item.get(f)]
    if missing:
        return [user_error(["metafields", str(n), f], "can't be blank", "BLANK") for f in missing]
    if item["type"] not in _TYPES:
        return [user_error(["metafields", str(n), "type"], "is not a supported type", "INVALID_TYPE")]
    if item["type"] == "json":
        try:
            json.loads(str(item["value"]))
        except json.JSONDecodeError:
            return [user_error(["metafields", str(n), "value"], "is invalid JSON", "INVALID_VALUE")]
    return []
