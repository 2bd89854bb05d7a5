"""Ingestion: check the envelope, verify the sender, normalise, reject replays, deduplicate, publish.

Nothing slow happens here: no platform call, only a secret read (cached), one idempotency write
and one PutEvents. Every refusal is a `Rejected` (4xx, nothing emitted); a bus or store outage
raises `TransientPlatformError` so the caller answers 5xx and the platform retries.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from functions.common.config import FirmConfig, Platform
from functions.ingest import adobe, events, flow, shopify
from functions.ingest.errors import Rejected
from functions.ingest.models import EventReceipt, HttpRequest, Receipt, Signal
from functions.ingest.ports import Deduplicator, SignalBus

Verifier = Callable[[Mapping[str, str], bytes, FirmConfig, Callable[[str], str], datetime], Signal]


@dataclass(frozen=True)
class IngestDeps:
    config: FirmConfig
    secret: Callable[[str], str]
    bus: SignalBus
    dedupe: Deduplicator
    now: datetime
    # Reads a secret again, bypassing the cache (bounded by the adapter): a rotation takes effect at once.
    reread: Callable[[str], str] | None = None


def receive_shopify_webhook(request: HttpRequest, deps: IngestDeps) -> Receipt:
    """One Shopify HTTPS delivery: HMAC with the current or previous app secret."""
    return _receive(request, deps, _shopify_https)


def receive_flow_request(request: HttpRequest, deps: IngestDeps) -> Receipt:
    return _receive(request, deps, flow.accept_flow)


def declare_incident(request: HttpRequest, deps: IngestDeps) -> Receipt:
    """An operator's declaration through the authenticated API (CLI, Flow, Magento admin)."""
    return _receive(request, deps, flow.accept_declaration)


def receive_adobe_commerce_webhook(request: HttpRequest, deps: IngestDeps) -> Receipt:
    return _receive(request, deps, adobe.accept_webhook)


def receive_io_event(request: HttpRequest, deps: IngestDeps) -> Receipt:
    return _receive(request, deps, adobe.accept_io_event)


def receive_platform_event(event: Mapping[str, Any], deps: IngestDeps) -> EventReceipt:
    """A Shopify partner event or an AWS finding from EventBridge. A refusal is returned, not raised:
    redelivering a malformed event would not make it valid."""
    try:
        try:
            signal = events.accept_event(event, deps.config, deps.now)
        except ValidationError as exc:
            where = ", ".join(".".join(str(p) for p in e["loc"]) for e in exc.errors()[:3])
            raise Rejected(422, f"invalid field: {where}") from exc
        first = _admit(signal, deps)
    except Rejected as refused:
        return EventReceipt(status="rejected", reason=refused.reason)
    return EventReceipt(status="accepted" if first else "duplicate", signal_id=signal.signal_id)


def _receive(request: HttpRequest, deps: IngestDeps, verify: Verifier) -> Receipt:
    policy = deps.config.ingest
    if len(request.body) > policy.max_body_bytes:
        raise Rejected(413, f"body exceeds {policy.max_body_bytes} bytes")
    if not request.header("content-type").lower().startswith("application/json"):
        raise Rejected(415, "content type must be application/json")
    signal = _verified(request, deps, verify)
    first = _admit(signal, deps)
    return Receipt(signal_id=signal.signal_id, store_id=signal.store_id, topic=signal.topic, duplicate=not first)


def _verified(request: HttpRequest, deps: IngestDeps, verify: Verifier) -> Signal:
    """Verify with the cached secrets; on a signature refusal, once more with the secrets read again,
    so a secret rotated a moment ago is accepted at once instead of after the cache expires."""
    try:
        try:
            return verify(request.headers, request.body, deps.config, deps.secret, deps.now)
        except Rejected as refused:
            if refused.status != 401 or deps.reread is None:
                raise
            return verify(request.headers, request.body, deps.config, deps.reread, deps.now)
    except ValidationError as exc:
        # A field the parsers passed but the Signal model bounds: the sender's fault, named, no content.
        where = ", ".join(".".join(str(p) for p in e["loc"]) for e in exc.errors()[:3])
        raise Rejected(422, f"invalid field: {where}") from exc


def _admit(signal: Signal, deps: IngestDeps) -> bool:
    """Refuse a replay outside the window, then publish the first delivery of each id only."""
    policy = deps.config.ingest
    if signal.observed_at < deps.now - timedelta(seconds=policy.replay_window_seconds):
        raise Rejected(409, f"stale delivery: triggered more than {policy.replay_window_seconds} s ago")
    if signal.observed_at > deps.now + timedelta(seconds=policy.max_clock_skew_seconds):
        raise Rejected(409, "delivery is dated in the future")
    return deps.dedupe.once(signal, deps.bus.publish)


def _shopify_https(
    headers: Mapping[str, str], body: bytes, config: FirmConfig, secret: Callable[[str], str], now: datetime
) -> Signal:
    store = config.store_for_domain(headers.get("x-shopify-shop-domain", ""))
    if store is None or store.platform is not Platform.SHOPIFY:
        raise Rejected(403, "unknown shop domain")
    secret_ids = [store.webhook_secret_id, store.previous_webhook_secret_id]
    shopify.verify_hmac(body, headers.get("x-shopify-hmac-sha256"), [secret(s) for s in secret_ids if s])
    return shopify.normalise(headers, body, store, received_at=now)
