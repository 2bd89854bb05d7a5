"""Shopify HTTPS deliveries: HMAC over the raw body, both secrets during rotation, clear refusals."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from functions.common.config import Platform, StoreConfig
from functions.ingest.errors import Rejected
from functions.ingest.models import DataCategory, SignalSource
from functions.ingest.shopify import normalise, sign, verify_hmac

BODY = Path("tests/events/shopify/bulk_operations_finish.json").read_bytes()  # Shopify's documented sample
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


HEADERS = {
    "x-shopify-topic": "bulk_operations/finish",
    "x-shopify-webhook-id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
    "x-shopify-event-id": "98880550-7158-44d4-b7cd-2c97c8a091b5",
    "x-shopify-triggered-at": "2026-11-27T08:59:58Z",
}


def test_a_delivery_becomes_one_signal_keyed_by_its_webhook_id_and_topic() -> None:
    signal = normalise(HEADERS, BODY, STORE, NOW)
    assert signal.signal_id == "shopify:bulk_operations/finish:b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"
    assert signal.source is SignalSource.SHOPIFY_WEBHOOK
    # bulk_operations/finish reaches only the app that started the operation, and names no app
    assert signal.actor is None
    assert signal.subject_ids == ("gid://shopify/BulkOperation/147595010",)
    assert signal.attributes == {"status": "completed", "type": "query"}
    assert DataCategory.CONTACT in signal.data_categories
    assert signal.observed_at == datetime(2026, 11, 27, 8, 59, 58, tzinfo=UTC)


def test_two_topics_of_one_merchant_action_share_the_event_id_but_are_two_signals() -> None:
    # Shopify: X-Shopify-Event-Id is shared across all deliveries from the same merchant action
    finished = normalise(HEADERS, BODY, STORE, NOW)
    theme = Path("tests/events/shopify/themes_publish.json").read_bytes()
    published = normalise({**HEADERS, "x-shopify-topic": "themes/publish"}, theme, STORE, NOW)
    assert finished.signal_id != published.signal_id


def test_a_replay_with_a_fresh_event_id_is_the_same_delivery() -> None:
    first = normalise(HEADERS, BODY, STORE, NOW)
    replayed = normalise({**HEADERS, "x-shopify-event-id": "another-event"}, BODY, STORE, NOW)
    assert replayed.signal_id == first.signal_id


@pytest.mark.parametrize(
    ("change", "body", "status", "reason"),
    [
        ({"x-shopify-topic": "orders/create"}, BODY, 422, "topic 'orders/create' is not one Bulkhead subscribes to"),
        ({"x-shopify-webhook-id": ""}, BODY, 400, "missing X-Shopify-Webhook-Id header"),
        ({"x-shopify-triggered-at": ""}, BODY, 400, "missing X-Shopify-Triggered-At header"),
        ({"x-shopify-triggered-at": "2026-11-27T08:59:58"}, BODY, 400, "X-Shopify-Triggered-At has no time zone"),
        ({"x-shopify-webhook-id": "w" * 201}, BODY, 400, "X-Shopify-Webhook-Id is longer than 200 characters"),
        ({"x-shopify-webhook-id": "caf\u00e9"}, BODY, 400, "X-Shopify-Webhook-Id is not ASCII"),
        ({}, b"{not json", 400, "body is not valid JSON"),
        ({}, b"[1, 2]", 400, "body must be a JSON object"),
        ({}, b'{"a": 1, "a": 2}', 400, "body repeats a key in one object"),
        ({}, b'{"a": NaN}', 400, "body holds NaN, which JSON does not allow"),
        ({}, b'{"a": ' + b"9" * 5000 + b"}", 400, "body is not valid JSON"),
    ],
)
def test_malformed_deliveries_are_refused_with_the_reason(
    change: dict[str, str], body: bytes, status: int, reason: str
) -> None:
    with pytest.raises(Rejected) as refused:
        normalise({**HEADERS, **change}, body, STORE, NOW)
    assert (refused.value.status, refused.value.reason) == (status, reason)
