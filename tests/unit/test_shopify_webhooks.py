"""Shopify HTTPS deliveries: HMAC over the raw body, both secrets during rotation, clear refusals."""

import json
from datetime import UTC, datetime

import pytest

from functions.common.config import Platform, StoreConfig
from functions.ingest.errors import Rejected
from functions.ingest.models import DataCategory, SignalSource
from functions.ingest.shopify import normalise, sign, verify_hmac

BODY = json.dumps(
    {"admin_graphql_api_id": "gid://shopify/BulkOperation/1", "app_id": 77, "customer_ids": [1, 2]}
).encode()
STORE = StoreConfig(
    store_id="acme-eu",
    platform=Platform.SHOPIFY,
    shop_domain="acme.myshopify.com",
    webhook_secret_id="s",
    admin_token_secret_id="t",
)
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def test_the_current_or_the_previous_secret_verifies() -> None:
    verify_hmac(BODY, sign(BODY, "current"), ["current", "previous"])
    verify_hmac(BODY, sign(BODY, "previous"), ["current", "previous"])


@pytest.mark.parametrize(
    ("signature", "reason"),
    [
        (None, "missing X-Shopify-Hmac-Sha256 header"),
        ("%%%not-base64", "X-Shopify-Hmac-Sha256 is not base64"),
        (sign(BODY, "attacker"), "signature does not match"),
        (sign(BODY + b" ", "current"), "signature does not match"),
    ],
)
def test_a_bad_signature_is_refused_with_401_and_a_reason(signature: str | None, reason: str) -> None:
    with pytest.raises(Rejected) as refused:
        verify_hmac(BODY, signature, ["current"])
    assert (refused.value.status, refused.value.reason) == (401, reason)


def test_a_delivery_becomes_one_signal() -> None:
    headers = {
        "x-shopify-topic": "bulk_operations/finish",
        "x-shopify-event-id": "e-1",
        "x-shopify-triggered-at": "2026-11-27T08:59:58Z",
    }
    signal = normalise(headers, BODY, STORE, NOW)
    assert signal.signal_id == "shopify:e-1"
    assert signal.source is SignalSource.SHOPIFY_WEBHOOK
    assert signal.actor == "app:77"
    assert signal.subject_ids == ("customer:1", "customer:2", "gid://shopify/BulkOperation/1")
    assert DataCategory.CONTACT in signal.data_categories
    assert signal.observed_at == datetime(2026, 11, 27, 8, 59, 58, tzinfo=UTC)


@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        ({"x-shopify-topic": "orders/create", "x-shopify-event-id": "e"}, BODY, 422),
        ({"x-shopify-topic": "bulk_operations/finish"}, BODY, 400),
        ({"x-shopify-topic": "bulk_operations/finish", "x-shopify-event-id": "e"}, b"{not json", 400),
        ({"x-shopify-topic": "bulk_operations/finish", "x-shopify-event-id": "e"}, b"[1, 2]", 400),
    ],
)
def test_malformed_deliveries_are_refused(headers: dict[str, str], body: bytes, status: int) -> None:
    with pytest.raises(Rejected) as refused:
        normalise(headers, body, STORE, NOW)
    assert refused.value.status == status
