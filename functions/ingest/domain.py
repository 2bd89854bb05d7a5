"""Ingestion: verify the sender, normalise the delivery, hand it to the bus. Nothing slow."""

from collections.abc import Callable, Mapping
from datetime import datetime

from functions.common.config import FirmConfig, Platform
from functions.ingest import shopify
from functions.ingest.errors import Rejected
from functions.ingest.models import Signal
from functions.ingest.ports import SignalBus

MAX_BODY_BYTES = 1_048_576


def receive_shopify_webhook(
    headers: Mapping[str, str],
    body: bytes,
    config: FirmConfig,
    secret: Callable[[str], str],
    bus: SignalBus,
    now: datetime,
) -> Signal:
    """Accept one Shopify HTTPS delivery or raise `Rejected` with the reason."""
    if len(body) > MAX_BODY_BYTES:
        raise Rejected(413, f"body exceeds {MAX_BODY_BYTES} bytes")
    content_type = headers.get("content-type", "")
    if not content_type.startswith("application/json"):
        raise Rejected(415, "content type must be application/json")
    store = config.store_for_domain(headers.get("x-shopify-shop-domain", ""))
    if store is None or store.platform is not Platform.SHOPIFY:
        raise Rejected(403, "unknown shop domain")
    secret_ids = [store.webhook_secret_id, store.previous_webhook_secret_id]
    shopify.verify_hmac(body, headers.get("x-shopify-hmac-sha256"), [secret(s) for s in secret_ids if s])
    signal = shopify.normalise(headers, body, store, received_at=now)
    bus.publish(signal)
    return signal
