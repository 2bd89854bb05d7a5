"""Storefront access tokens: listed on `shop`, `storefrontAccessTokenCreate`, `storefrontAccessTokenDelete`.

App-scoped as on Shopify: a token belongs to the app that created it (a headless channel's tokens
belong to that channel), up to 100 active per app and shop; another app's token cannot be listed
or deleted (bulkhead/sandbox/shopify/apps_model.py).
"""

import secrets
from datetime import UTC, datetime
from typing import Any

from bulkhead.sandbox.shopify.apps_model import BULKHEAD_APP, OWNER, caller, owned, visible
from bulkhead.sandbox.shopify.registry import operation, user_error
from bulkhead.sandbox.state import StoreState

DEFAULT_SCOPES = ("unauthenticated_read_product_listings", "unauthenticated_read_checkouts")


MAX_TOKENS_PER_APP = 100


def new_token(
    state: StoreState, title: str, scopes: tuple[str, ...] = DEFAULT_SCOPES, app: str = BULKHEAD_APP
) -> dict[str, Any]:
    gid = f"gid://shopify/StorefrontAccessToken/{state.next_id()}"
    token = {
        OWNER: app,
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
    if len(visible(state, "storefront_tokens")) >= MAX_TOKENS_PER_APP:
        return {"storefrontAccessToken": None, "shop": None, "userErrors": [user_error(None, "Too many tokens")]}
    token = new_token(state, title, app=caller(state))
    return {"storefrontAccessToken": token, "shop": {"id": "gid://shopify/Shop/1"}, "userErrors": []}


@operation("storefrontAccessTokenDelete")
def storefront_access_token_delete(state: StoreState, args: dict[str, Any]) -> Any:
    gid = str((args.get("input") or {}).get("id") or "")
    token = state.table("storefront_tokens").get(gid)
    if token is None or not owned(state, token):
        return {
            "deletedStorefrontAccessTokenId": None,
            "userErrors": [user_error(["id"], "Storefront access token does not exist")],
        }
    del state.table("storefront_tokens")[gid]
    return {"deletedStorefrontAccessTokenId": gid, "userErrors": []}
