"""Shopify HTTPS webhook deliveries: verify, then normalise. Pure functions.

Shopify signs the raw body: X-Shopify-Hmac-Sha256 = base64(HMAC-SHA256(body, app secret)).
During a secret rotation both the current and the previous secret are accepted.
"""

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from functions.common.config import StoreConfig
from functions.ingest.errors import Rejected
from functions.ingest.models import DataCategory, Signal, SignalSource

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
    topic = headers.get("x-shopify-topic", "")
    if topic not in TOPIC_CATEGORIES:
        raise Rejected(422, f"topic {topic!r} is not one Bulkhead subscribes to")
    event_id = headers.get("x-shopify-event-id") or headers.get("x-shopify-webhook-id")
    if not event_id:
        raise Rejected(400, "missing X-Shopify-Event-Id header")
    payload = _json_object(body)
    return Signal(
        signal_id=f"shopify:{event_id}",
        source=SignalSource.SHOPIFY_WEBHOOK,
        store_id=store.store_id,
        topic=topic,
        actor=_actor(payload),
        subject_ids=_subjects(payload),
        data_categories=TOPIC_CATEGORIES[topic],
        observed_at=_observed_at(headers, received_at),
        received_at=received_at,
        raw_sha256=hashlib.sha256(body).hexdigest(),
    )


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Rejected(400, "body is not valid JSON") from exc
    if not isinstance(payload, dict):
        raise Rejected(400, "body must be a JSON object")
    return payload


def _actor(payload: Mapping[str, Any]) -> str | None:
    for key in ("app_id", "api_client_id", "actor_id"):
        if payload.get(key) is not None:
            return f"app:{payload[key]}"
    actor = payload.get("actor")
    if isinstance(actor, Mapping) and actor.get("id") is not None:
        return f"{actor.get('type', 'actor')}:{actor['id']}"
    return None


def _subjects(payload: Mapping[str, Any]) -> tuple[str, ...]:
    ids: list[str] = []
    customer = payload.get("customer")
    if isinstance(customer, Mapping) and customer.get("id") is not None:
        ids.append(f"customer:{customer['id']}")
    for value in payload.get("customer_ids", []) or []:
        ids.append(f"customer:{value}")
    if payload.get("admin_graphql_api_id"):
        ids.append(str(payload["admin_graphql_api_id"]))
    return tuple(dict.fromkeys(ids))[:1000]


def _observed_at(headers: Mapping[str, str], received_at: datetime) -> datetime:
    triggered = headers.get("x-shopify-triggered-at")
    if not triggered:
        return received_at
    try:
        return datetime.fromisoformat(triggered.replace("Z", "+00:00"))
    except ValueError as exc:
        raise Rejected(400, "X-Shopify-Triggered-At is not an ISO 8601 time") from exc
