"""Storefront access tokens: listed on `shop`, `storefrontAccessTokenCreate`, `storefrontAccessTokenDelete`."""

import secrets
from datetime import UTC, datetime
from typing import Any

from bulkhead.sandbox.shopify.registry import operation, user_error
from bulkhead.sandbox.state import StoreState

DEFAULT_SCOPES = ("unauthenticated_read_product_listings", "unauthenticated_read_checkouts")


def new_token(state: StoreState, title: str, scopes: tuple[str, ...] = DEFAULT_SCOPES) -> dict[str, Any]:
    gid = f"gid://shopify/StorefrontAccessToken/{state.next_id()}"
    token = {
        "__typename": "StorefrontAccessToken",
        "id": gid,
        "title": title,
        "accessToken": secrets.token_hex(16),
        "accessScopes": [{"handle": s} for s in scopes],
        "createdAt": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    state.table("storefront_tokens")[gid] = token
    return token


@operation("storefrontAccessTokenCreate")
def storefront_access_token_create(state: StoreState, args: dict[str, Any]) -> Any:
    title = str((args.get("input") or {}).get("title") or "").strip()
    if not title:
        return {
            "storefrontAccessToken": None,
            "shop": None,
            "userErrors": [user_error(["input", "title"], "Title can't be blank")],
        }
    if len(state.table("storefront_tokens")) >= 100:
        return {"storefrontAccessToken": None, "shop": None, "userErrors": [user_error(None, "Too many tokens")]}
    return {"storefrontAccessToken": new_token(state, title), "shop": {"id": "gid://shopify/Shop/1"}, "userErrors": []}


@operation("storefrontAccessTokenDelete")
def storefront_access_token_delete(state: StoreState, args: dict[str, Any]) -> Any:
    gid = str((args.get("input") or {}).get("id") or "")
    if state.table("storefront_tokens").pop(gid, None) is None:
        return {
            "deletedStorefrontAccessTokenId": None,
            "userErrors": [user_error(["id"], "Storefront access token does not exist")],
        }
    return {"deletedStorefrontAccessTokenId": gid, "userErrors": []}
