"""Builders for the firm configuration the unit tests need: a store, and a firm of stores.

Each test states only what it is about (a regulator, a policy value, a jurisdiction); the rest is
the same minimal, valid configuration everywhere.
"""

from typing import Any

from functions.common.config import FirmConfig

SHOP_DOMAINS = {"shopify": "acme.myshopify.com", "adobe_commerce": "shop.acme.example"}


def store(store_id: str = "acme-eu", platform: str = "shopify", **fields: Any) -> dict[str, Any]:
    """One store's configuration, as the JSON document holds it."""
    return {
        "store_id": store_id,
        "platform": platform,
        "shop_domain": SHOP_DOMAINS[platform],
        "webhook_secret_id": "s",
        "admin_token_secret_id": "t",
        **fields,
    }


def firm(*stores: dict[str, Any], **fields: Any) -> FirmConfig:
    """A firm of `stores` (one Shopify store, `acme-eu`, when none are given)."""
    return FirmConfig.model_validate(
        {"firm_name": "Acme", "contact_point": "DPO", "stores": list(stores) or [store()], **fields}
    )
