"""Adobe Commerce: synchronous webhooks and Adobe I/O Events deliveries. Verify, then normalise. Pure.

Commerce webhooks carry `x-adobe-commerce-webhook-signature`: base64 of an RSA-SHA256 (PKCS#1 v1.5)
signature, by the key pair generated in the Commerce admin, of the *base64 encoding* of the request
body (not of the raw bytes), as Adobe's own verifiers do (https://developer.adobe.com/commerce/
extensibility/webhooks/signature-verification/); the public key is the store's `webhook_secret_id`.
A webhook names its store with the static header `x-bulkhead-store` set in webhooks.xml. Observer
hooks name their event in `eventName` without the `observer.` prefix (Adobe's default payloads);
plugin hooks carry none, so `x-bulkhead-topic` (also static in webhooks.xml) names it.

Adobe I/O Events send two signatures (`x-adobe-digital-signature-1/2`), each RSA-SHA256 of the raw
body by the key whose path is in `x-adobe-public-key1/2-path` (https://developer.adobe.com/events/
docs/guides/sdk/sdk_signature_verification/); either one verifying with a pinned I/O Events public
key of a registered store is enough, checked before the body is parsed; then `recipient_client_id`
must be that store's registration.
"""

import base64
import binascii
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from functions.common.config import FirmConfig, Platform, StoreConfig
from functions.ingest.errors import Rejected
from functions.ingest.models import DataCategory, Signal, SignalSource
from functions.ingest.normal import identifier, json_object, mapping, parse_time, sha256, text

# Commerce events Bulkhead subscribes to (webhooks and I/O Events), and the data they put at stake.
TOPIC_CATEGORIES: Mapping[str, tuple[DataCategory, ...]] = {
    "plugin.magento.customer.api.customer_repository.get_list": (DataCategory.CONTACT, DataCategory.IDENTITY),
    "plugin.magento.integration.api.admin_token_service.create_admin_access_token": (DataCategory.CREDENTIALS,),
    "observer.admin_user_authenticate_after": (DataCategory.CREDENTIALS,),
    "observer.customer_login": (DataCategory.CREDENTIALS,),
    "observer.customer_save_after": (DataCategory.CONTACT, DataCategory.IDENTITY),
    "observer.sales_order_place_before": (DataCategory.CONTACT, DataCategory.FINANCIAL_ACCOUNT),
    "observer.controller_action_predispatch_adminhtml_export_export": (DataCategory.CONTACT, DataCategory.IDENTITY),
    "observer.theme_save_after": (DataCategory.FINANCIAL_ACCOUNT, DataCategory.CREDENTIALS),
}
_IO_PREFIX = "com.adobe.commerce."
_PRINCIPALS = ("integration_id", "admin_user_id", "user_id", "customer_id")
_ACTORS = ("integration_id", "admin_user_id", "user_id")
_PEM_END = "-----END PUBLIC KEY-----"


def accept_webhook(
    headers: Mapping[str, str], body: bytes, config: FirmConfig, secret: Callable[[str], str], now: datetime
) -> Signal:
    store = _commerce_store(config, lambda s: s.store_id == headers.get("x-bulkhead-store", ""))
    signature = headers.get("x-adobe-commerce-webhook-signature", "")
    if not signature:
        raise Rejected(401, "missing x-adobe-commerce-webhook-signature header")
    if not verify_rsa(commerce_signed_bytes(body), [signature], public_keys(secret(store.webhook_secret_id))):
        raise Rejected(401, "signature does not verify with the configured public key")
    payload = json_object(body)
    topic = hook_topic(payload.get("eventName"), headers.get("x-bulkhead-topic", ""))
    data = mapping(payload.get("data"))
    # Synchronous hooks carry no event id: the body's hash is the delivery's identity.
    return _signal(SignalSource.ADOBE_COMMERCE_WEBHOOK, store, topic, sha256(body), data, now, now, sha256(body))


def hook_topic(event_name: object, header: str) -> str:
    """The hook's event: observer hooks send `eventName` without the `observer.` prefix (Adobe's
    default payloads: `"eventName": "sales_order_place_before"`), plugin hooks send none, so the
    static `x-bulkhead-topic` header set in webhooks.xml names it. When both are there, they agree."""
    if event_name is None or event_name == "":
        return header
    if not isinstance(event_name, str) or len(event_name) > 200:
        raise Rejected(422, "eventName is not an event name")
    named = event_name if event_name.startswith(("observer.", "plugin.")) else f"observer.{event_name}"
    if header and header != named:
        raise Rejected(422, "eventName and x-bulkhead-topic name different events")
    return named


def accept_io_event(
    headers: Mapping[str, str], body: bytes, config: FirmConfig, secret: Callable[[str], str], now: datetime
) -> Signal:
    """Verified before it is parsed: the raw body must carry a signature by the pinned key of a
    registered store; only then is it read, and its `recipient_client_id` must be that store's."""
    signatures = [headers.get(f"x-adobe-digital-signature-{n}", "") for n in (1, 2)]
    if not any(signatures):
        raise Rejected(401, "missing x-adobe-digital-signature headers")
    registered = [s for s in config.stores if s.platform is Platform.ADOBE_COMMERCE and s.io_events_client_id]
    if not registered:
        raise Rejected(403, "no Adobe Commerce store is registered for I/O Events")
    signed_for = [s for s in registered if verify_rsa(body, signatures, _io_keys(s, secret))]
    if not signed_for:
        raise Rejected(401, "no digital signature verifies with the pinned I/O Events public keys")
    payload = json_object(body)
    client_id = payload.get("recipient_client_id")
    store = next((s for s in signed_for if s.io_events_client_id == client_id), None)
    if store is None:
        raise Rejected(403, "recipient_client_id is not the registration of the store whose key signed it")
    event_type = text(payload.get("type"), "type", 200)
    topic = event_type.removeprefix(_IO_PREFIX)
    event_id = text(payload.get("event_id") or payload.get("id"), "event_id", 200)
    observed = parse_time(payload["time"], "time") if payload.get("time") else now
    data = mapping(payload.get("data"))
    value = mapping(data.get("value")) or data
    return _signal(SignalSource.ADOBE_IO_EVENTS, store, topic, event_id, value, observed, now, sha256(body))


def _io_keys(store: StoreConfig, secret: Callable[[str], str]) -> tuple[Any, ...]:
    return public_keys(secret(store.io_events_public_keys_secret_id or ""))


def commerce_signed_bytes(body: bytes) -> bytes:
    """What Adobe Commerce signs: the base64 encoding of the body it sends."""
    return base64.b64encode(body)


def public_keys(secret_value: str) -> tuple[Any, ...]:
    """Every PEM public key in a secret (two during a rotation)."""
    from cryptography.hazmat.primitives.serialization import load_pem_public_key  # noqa: PLC0415 - cold start

    keys = []
    for block in secret_value.split(_PEM_END):
        if block.strip():
            try:
                keys.append(load_pem_public_key((block.strip() + "\n" + _PEM_END + "\n").encode()))
            except ValueError:
                continue
    if not keys:
        # The sender is not at fault: our configuration is. Refuse, and say what to fix.
        raise Rejected(403, "no valid public key is configured for this store")
    return tuple(keys)


def verify_rsa(message: bytes, signatures: Sequence[str], keys: Sequence[Any]) -> bool:
    from cryptography.exceptions import InvalidSignature  # noqa: PLC0415 - cold start
    from cryptography.hazmat.primitives import hashes  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric import padding, rsa  # noqa: PLC0415

    for signature in signatures:
        try:
            raw = base64.b64decode(signature, validate=True)
        except (binascii.Error, ValueError):
            continue
        for key in keys:
            if not isinstance(key, rsa.RSAPublicKey):
                continue
            try:
                key.verify(raw, message, padding.PKCS1v15(), hashes.SHA256())
            except InvalidSignature:
                continue
            return True
    return False


def _commerce_store(config: FirmConfig, match: Callable[[StoreConfig], bool]) -> StoreConfig:
    store = next((s for s in config.stores if s.platform is Platform.ADOBE_COMMERCE and match(s)), None)
    if store is None:
        raise Rejected(403, "unknown Adobe Commerce store")
    return store


def _signal(
    source: SignalSource,
    store: StoreConfig,
    topic: str,
    event_id: str,
    data: Mapping[str, Any],
    observed_at: datetime,
    received_at: datetime,
    raw_sha256: str,
) -> Signal:
    if topic not in TOPIC_CATEGORIES:
        raise Rejected(422, f"event {topic[:64]!r} is not one Bulkhead subscribes to")
    # Every principal the event names, typed, so containment can act on each (lock the admin user
    # *and* disable the integration it used), and the customer account a login or change touched
    # (a platform id: the incident's scope, never a customer's personal data).
    named = {key: identifier(data.get(key), f"data.{key}") for key in _PRINCIPALS}
    actor = next((f"{k.removesuffix('_id')}:{named[k]}" for k in _ACTORS if named[k]), None)
    return Signal(
        signal_id=f"adobe:{store.store_id}:{event_id}",
        source=source,
        store_id=store.store_id,
        topic=topic,
        actor=actor,
        subject_ids=tuple(
            f"{key.removesuffix('_id')}:{named[key]}"
            for key in ("integration_id", "admin_user_id", "customer_id")
            if named[key]
        ),
        data_categories=TOPIC_CATEGORIES[topic],
        observed_at=observed_at,
        received_at=received_at,
        raw_sha256=raw_sha256,
    )
