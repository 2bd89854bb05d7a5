"""Shopify deliveries, HTTPS and EventBridge: verify, then normalise. Pure functions.

HTTPS: X-Shopify-Hmac-Sha256 = base64(HMAC-SHA256(raw body, app secret)); during a secret rotation
both the current and the previous secret are accepted. EventBridge deliveries are not signed: trust
comes from the partner event source (see `partner.py`); both become the same `Signal`.
"""

import base64
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from functions.common.config import StoreConfig
from functions.ingest.errors import Rejected
from functions.ingest.models import DataCategory, Signal, SignalSource
from functions.ingest.normal import json_object, parse_time, sha256, subjects

# Topics Bulkhead subscribes to, and the data they put at stake.
TOPIC_CATEGORIES: Mapping[str, tuple[DataCategory, ...]] = {
    "audit_events/admin_api_activity": (DataCategory.CONTACT, DataCategory.IDENTITY),
    "bulk_operations/finish": (DataCategory.CONTACT, DataCategory.IDENTITY),
    "app/scopes_update": (DataCategory.CONTACT,),
    "app/uninstalled": (),
    "customers/data_request": (DataCategory.CONTACT, DataCategory.IDENTITY),
    "customers/redact": (DataCategory.CONTACT,),
    "shop/redact": (DataCategory.CONTACT,),
    "themes/publish": (DataCategory.FINANCIAL_ACCOUNT, DataCategory.CREDENTIALS),
}
# Admin API objects whose reads count as customer-data reads in `audit_events/admin_api_activity`.
_CUSTOMER_OBJECTS = ("customer", "customers", "customerssegment", "addresses")


def verify_hmac(body: bytes, signature: str | None, secrets: Sequence[str]) -> None:
    """Raise `Rejected(401)` unless one of the secrets signed this body. Constant-time."""
    if not signature:
        raise Rejected(401, "missing X-Shopify-Hmac-Sha256 header")
    try:
        given = base64.b64decode(signature, validate=True)
    except ValueError as exc:
        raise Rejected(401, "X-Shopify-Hmac-Sha256 is not base64") from exc
    matched = False
    for secret in secrets:
        expected = hmac.new(secret.encode(), body, hashlib.sha256).digest()
        # Compare against every secret so timing does not reveal which one matched.
        matched |= hmac.compare_digest(expected, given)
    if not matched:
        raise Rejected(401, "signature does not match")


def sign(body: bytes, secret: str) -> str:
    """What Shopify sends: for sandbox stores, tests and drills."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def normalise(headers: Mapping[str, str], body: bytes, store: StoreConfig, received_at: datetime) -> Signal:
    """One verified HTTPS delivery (headers lower-cased) as a `Signal`."""
    topic = headers.get("x-shopify-topic", "")
    if topic not in TOPIC_CATEGORIES:
        raise Rejected(422, f"topic {topic[:64]!r} is not one Bulkhead subscribes to")
    event_id = headers.get("x-shopify-event-id") or headers.get("x-shopify-webhook-id")
    if not event_id:
        raise Rejected(400, "missing X-Shopify-Event-Id header")
    triggered = headers.get("x-shopify-triggered-at")
    observed_at = parse_time(triggered, "X-Shopify-Triggered-At") if triggered else received_at
    return from_payload(
        SignalSource.SHOPIFY_WEBHOOK, topic, event_id, json_object(body), store, observed_at, received_at, sha256(body)
    )


def from_payload(
    source: SignalSource,
    topic: str,
    event_id: str,
    payload: Mapping[str, Any],
    store: StoreConfig,
    observed_at: datetime,
    received_at: datetime,
    raw_sha256: str,
) -> Signal:
    if len(event_id) > 200:
        raise Rejected(400, "event id is longer than 200 characters")
    return Signal(
        signal_id=f"shopify:{event_id}",
        source=source,
        store_id=store.store_id,
        topic=topic,
        actor=_actor(payload),
        subject_ids=_subjects(payload),
        data_categories=TOPIC_CATEGORIES[topic],
        observed_at=observed_at,
        received_at=received_at,
        raw_sha256=raw_sha256,
        attributes=_attributes(topic, payload),
    )


def _actor(payload: Mapping[str, Any]) -> str | None:
    for key in ("app_id", "api_client_id", "actor_id"):
        if isinstance(payload.get(key), str | int):
            return f"app:{payload[key]}"[:256]
    actor = payload.get("actor")
    if isinstance(actor, Mapping) and isinstance(actor.get("id"), str | int):
        return f"{actor.get('type', 'actor')}:{actor['id']}"[:256]
    context = _first_event(payload).get("context")
    if isinstance(context, Mapping) and isinstance(context.get("api_client_id"), str | int):
        return f"app:{context['api_client_id']}"[:256]
    return None


def _subjects(payload: Mapping[str, Any]) -> tuple[str, ...]:
    ids: list[str] = []
    customer = payload.get("customer")
    if isinstance(customer, Mapping) and isinstance(customer.get("id"), str | int):
        ids.append(f"customer:{customer['id']}")
    customer_ids = payload.get("customer_ids")
    if isinstance(customer_ids, list):
        ids.extend(f"customer:{value}" for value in customer_ids if isinstance(value, str | int))
    if isinstance(payload.get("admin_graphql_api_id"), str):
        ids.append(payload["admin_graphql_api_id"][:256])
    return subjects(*ids)


def _attributes(topic: str, payload: Mapping[str, Any]) -> dict[str, str]:
    facts: dict[str, str] = {}
    if topic == "app/scopes_update":
        previous, current = payload.get("previous"), payload.get("current")
        if isinstance(previous, list) and isinstance(current, list):
            added = sorted({str(s) for s in current} - {str(s) for s in previous})
            facts["scopes_added"] = ",".join(added)[:512]
    elif topic == "bulk_operations/finish":
        for key in ("status", "type", "error_code"):
            if isinstance(payload.get(key), str):
                facts[key] = payload[key][:64]
    elif topic == "themes/publish" and isinstance(payload.get("role"), str):
        facts["role"] = payload["role"][:32]
    elif topic == "audit_events/admin_api_activity":
        facts["customer_reads"] = str(_customer_reads(payload))
    return facts


def _first_event(payload: Mapping[str, Any]) -> Mapping[str, Any]:
    events = payload.get("events")
    if isinstance(events, list) and events and isinstance(events[0], Mapping):
        event = events[0].get("event")
        if isinstance(event, Mapping):
            return event
    return {}


def _customer_reads(payload: Mapping[str, Any]) -> int:
    """How many logged Admin API requests in this delivery read customer objects."""
    events = payload.get("events")
    if not isinstance(events, list):
        return 0
    count = 0
    for item in events[:10_000]:
        event = item.get("event") if isinstance(item, Mapping) else None
        query = event.get("query") if isinstance(event, Mapping) else None
        if isinstance(query, str) and any(o in query.lower() for o in _CUSTOMER_OBJECTS):
            count += 1
    return count
