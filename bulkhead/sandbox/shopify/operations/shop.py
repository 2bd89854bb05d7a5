"""The `shop` root field. Other modules add fields to it with `@shop_field("name")`."""

from collections.abc import Callable
from typing import Any

from bulkhead.sandbox.shopify.apps_model import visible
from bulkhead.sandbox.shopify.registry import connection, operation
from bulkhead.sandbox.state import StoreState

ShopField = Callable[[StoreState], Any]
SHOP_FIELDS: dict[str, ShopField] = {}


def shop_field(name: str) -> Callable[[ShopField], ShopField]:
    def register(resolver: ShopField) -> ShopField:
        SHOP_FIELDS[name] = resolver
        return resolver

    return register


@shop_field("storefrontAccessTokens")
def _storefront_tokens(state: StoreState) -> Any:
    return lambda args: connection(visible(state, "storefront_tokens"), args)


@operation("shop", kind="query", cost=1)
def shop(state: StoreState, _args: dict[str, Any]) -> Any:
    info = state.table("shop").get("shop") or {}
    return {**info, **{name: resolver(state) for name, resolver in SHOP_FIELDS.items()}}
