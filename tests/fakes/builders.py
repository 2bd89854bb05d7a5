"""Builders for what the unit tests need: a store, a firm of stores, and an incident.

Each test states only what it is about (a regulator, a policy value, a jurisdiction); the rest is
the same minimal, valid configuration everywhere.
"""

from datetime import UTC, datetime
from typing import Any

from functions.common.config import FirmConfig
from functions.detection.models import Incident

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


INCIDENT_AT = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def incident(**fields: Any) -> Incident:
    """A high-severity contact-data incident of the `acme-eu` Shopify store, declared when aware."""
    return Incident.model_validate(
        {
            "incident_id": "inc-20261127-builders",
            "store_id": "acme-eu",
            "platform": "shopify",
            "rule_id": "test-rule",
            "title": "Test incident",
            "severity": "high",
            "data_categories": ("contact",),
            "scope": {"subject_ids": ()},
            "jurisdictions": ("DE",),
            "aware_at": INCIDENT_AT,
            "declared_at": INCIDENT_AT,
            "signal_ids": ("sig-1",),
            **fields,
        }
    )
