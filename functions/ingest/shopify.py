"""Shopify deliveries, HTTPS and EventBridge: verify, then normalise. Pure functions.

HTTPS: X-Shopify-Hmac-Sha256 = base64(HMAC-SHA256(raw body, app secret)); during a secret rotation
both the current and the previous secret are accepted. EventBridge deliveries are not signed: trust
comes from the partner event source (see `events.py`); both become the same `Signal`.

Every field read here is one Shopify's webhook reference shows in the topic's sample payload
(https://shopify.dev/docs/api/webhooks, copies in tests/events/shopify/). Who receives a topic
decides what it can say (docs/signals.md): `bulk_operations/finish` and `app/scopes_update` reach
only the app they concern, Bulkhead's own, and name no app; only the audit trail
(`audit_events/admin_api_activity`) names the app that made a request.
"""

import base64
import hashlib
import hmac
import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from functions.common.config import StoreConfig
from functions.ingest.errors import Rejected
from functions.ingest.models import DataCategory, Signal, SignalSource
from functions.ingest.normal import identifier, json_object, mapping, parse_time, sha256, subjects, text

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
# Mandatory compliance topics: the body names the shop, and it must be the shop the header names.
COMPLIANCE_TOPICS = frozenset({"customers/data_request", "customers/redact", "shop/redact"})
WEBHOOK_ID_MAX = 200
# A request reads customer data when its GraphQL (or REST path) names a customer object.
_CUSTOMER_OBJECT = re.compile(r"\bcustomer(s|ByIdentifier|Segment\w*|Account\w*)?\b", re.IGNORECASE)
_CUSTOMER_GID = re.compile(r"gid://shopify/Customer/(\d{1,20})\b")
_BULK_QUERY = "bulkOperationRunQuery"
_SCANNED = 20_000  # characters of one request's query and variables read for customer objects
_MAX_EVENTS = 10_000


def verify_hmac(body: bytes, signature: str | None, secrets: Sequence[str]) -> None:
    """Raise `Rejected(401)` unless one of the secrets signed this body. Constant-time, on bytes."""
    if not signature:
        raise Rejected(401, "missing X-Shopify-Hmac-Sha256 header")
    try:
        given = base64.b64decode(signature, validate=True)
    except ValueError as exc:  # binascii.Error, and non-ASCII text
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
    """One verified HTTPS delivery (headers lower-cased) as a `Signal`.

    Deduplicated by the webhook id with the topic (Shopify: the webhook id identifies a delivery and
    stays the same across its retries; the event id is shared by every delivery one merchant action
    causes). An HTTPS delivery can be captured and replayed, so its trigger time is required.
    """
    topic = headers.get("x-shopify-topic", "")
    if topic not in TOPIC_CATEGORIES:
        raise Rejected(422, f"topic {topic[:64]!r} is not one Bulkhead subscribes to")
    webhook_id = headers.get("x-shopify-webhook-id")
    if not webhook_id:
        raise Rejected(400, "missing X-Shopify-Webhook-Id header")
    triggered = headers.get("x-shopify-triggered-at")
    if not triggered:
        raise Rejected(400, "missing X-Shopify-Triggered-At header")
    observed_at = parse_time(triggered, "X-Shopify-Triggered-At")
    return from_payload(
        SignalSource.SHOPIFY_WEBHOOK,
        topic,
        webhook_id,
        json_object(body),
        store,
        observed_at,
        received_at,
        sha256(body),
        shop_domain=headers.get("x-shopify-shop-domain", ""),
    )


def from_payload(
    source: SignalSource,
    topic: str,
    webhook_id: str,
    payload: Mapping[str, Any],
    store: StoreConfig,
    observed_at: datetime,
    received_at: datetime,
    raw_sha256: str,
    shop_domain: str = "",
) -> Signal:
    webhook_id = text(webhook_id, "X-Shopify-Webhook-Id", WEBHOOK_ID_MAX)
    if not webhook_id.isascii():
        raise Rejected(400, "X-Shopify-Webhook-Id is not ASCII")
    if topic in COMPLIANCE_TOPICS:
        _same_shop(payload, shop_domain or store.shop_domain or "")
    audit = _audit(payload) if topic == "audit_events/admin_api_activity" else None
    return Signal(
        signal_id=f"shopify:{topic}:{webhook_id}",
        source=source,
        store_id=store.store_id,
        topic=topic,
        actor=audit.actor if audit else None,
        subject_ids=_subjects(topic, payload, audit),
        data_categories=TOPIC_CATEGORIES[topic],
        observed_at=observed_at,
        received_at=received_at,
        raw_sha256=raw_sha256,
        attributes=audit.attributes() if audit else _attributes(topic, payload),
    )


def _same_shop(payload: Mapping[str, Any], header_domain: str) -> None:
    named = payload.get("shop_domain")
    if not isinstance(named, str) or not named:
        raise Rejected(422, "shop_domain is missing from the body")
    if named.strip().lower() != header_domain.strip().lower():
        raise Rejected(422, "shop_domain in the body is not the shop the delivery comes from")


def _subjects(topic: str, payload: Mapping[str, Any], audit: "_AuditFacts | None") -> tuple[str, ...]:
    ids: list[str] = []
    if audit is not None:
        # A bulk query of the customers connection exports the whole store's customers.
        ids.extend(["store:all"] if audit.bulk_exports else [])
        ids.extend(f"customer:{n}" for n in audit.customer_ids)
        return subjects(*ids)
    customer = mapping(payload.get("customer"))
    if topic in COMPLIANCE_TOPICS and customer:
        customer_id = identifier(customer.get("id"), "customer.id", 64)
        ids.extend([f"customer:{customer_id}"] if customer_id else [])
    gid = payload.get("admin_graphql_api_id")
    if isinstance(gid, str) and gid.startswith("gid://shopify/"):
        ids.append(text(gid, "admin_graphql_api_id", 256))
    return subjects(*ids)


def _attributes(topic: str, payload: Mapping[str, Any]) -> dict[str, str]:
    facts: dict[str, str] = {}
    if topic == "app/scopes_update":
        previous, current = payload.get("previous"), payload.get("current")
        if isinstance(previous, list) and isinstance(current, list):
            added = sorted({str(s) for s in current if isinstance(s, str)} - {str(s) for s in previous})
            facts["scopes_added"] = ",".join(added)[:512]
    elif topic == "bulk_operations/finish":
        for key in ("status", "type", "error_code"):
            if isinstance(payload.get(key), str):
                facts[key] = payload[key][:64]
    elif topic == "themes/publish" and isinstance(payload.get("role"), str):
        facts["role"] = payload["role"][:32]
    return facts


# --- audit_events/admin_api_activity ------------------------------------------------------------


@dataclass
class _Requests:
    """What the audit trail says one actor did in one delivery."""

    actor_type: str
    app_name: str = ""
    requests: int = 0
    customer_reads: int = 0
    bulk_exports: int = 0
    mutations: set[str] = field(default_factory=set)
    customer_ids: list[str] = field(default_factory=list)


@dataclass
class _AuditFacts:
    actor: str | None
    facts: _Requests | None
    other_actors: int

    @property
    def bulk_exports(self) -> int:
        return self.facts.bulk_exports if self.facts else 0

    @property
    def customer_ids(self) -> list[str]:
        return self.facts.customer_ids if self.facts else []

    def attributes(self) -> dict[str, str]:
        if self.facts is None:
            return {"customer_reads": "0", "bulk_customer_exports": "0", "requests": "0"}
        found = {
            "actor_type": self.facts.actor_type,
            "customer_reads": str(self.facts.customer_reads),
            "bulk_customer_exports": str(self.facts.bulk_exports),
            "requests": str(self.facts.requests),
            "other_actors": str(self.other_actors),
        }
        if self.facts.app_name:
            found["app_name"] = self.facts.app_name
        if self.facts.mutations:
            found["mutations"] = ",".join(sorted(self.facts.mutations))[:512]
        return found


def _audit(payload: Mapping[str, Any]) -> _AuditFacts:
    """The documented shape: `events[].event` with `actor` (`actor_type`, `actor_identifier`,
    `actor_metadata.app_name`) and `additional_metadata` (`request_type`, `mutation_names`, `query`,
    `variables`). The delivery's actor is the one whose requests touched customer data most; a
    request without an actor is counted for nobody."""
    events = payload.get("events")
    if not isinstance(events, list):
        raise Rejected(422, "events is missing or not a list")
    by_actor: dict[str, _Requests] = {}
    for item in events[:_MAX_EVENTS]:
        event = mapping(mapping(item).get("event"))
        actor = mapping(event.get("actor"))
        key = _actor_key(actor)
        if key is None:
            continue
        facts = by_actor.setdefault(key, _Requests(actor_type=key.partition(":")[0]))
        _count(facts, actor, mapping(event.get("additional_metadata")))
    if not by_actor:
        return _AuditFacts(actor=None, facts=None, other_actors=0)
    weights = Counter({k: f.customer_reads + f.bulk_exports for k, f in by_actor.items()})
    top = max(by_actor, key=lambda k: weights[k])  # first seen wins a tie: dicts keep order
    return _AuditFacts(actor=top, facts=by_actor[top], other_actors=len(by_actor) - 1)


def _actor_key(actor: Mapping[str, Any]) -> str | None:
    kind = actor.get("actor_type")
    if not isinstance(kind, str) or not re.fullmatch(r"[a-z_]{1,32}", kind):
        return None
    ident = identifier(actor.get("actor_identifier"), "actor.actor_identifier", 128)
    return f"{kind}:{ident}" if ident else None


def _shown(variables: object) -> str:
    if not isinstance(variables, dict):
        return ""
    try:
        return json.dumps(variables)[:_SCANNED]
    except (RecursionError, ValueError):
        return ""


def _count(facts: _Requests, actor: Mapping[str, Any], request: Mapping[str, Any]) -> None:
    facts.requests += 1
    name = mapping(actor.get("actor_metadata")).get("app_name")
    if isinstance(name, str) and name.isprintable() and not facts.app_name:
        facts.app_name = name[:64]
    query = request.get("query")
    shown = (query[:_SCANNED] if isinstance(query, str) else "") + _shown(request.get("variables"))
    names = request.get("mutation_names")
    mutations = [m for m in names if isinstance(m, str)] if isinstance(names, list) else []
    facts.mutations.update(m[:64] for m in mutations[:16])
    reads_customers = bool(_CUSTOMER_OBJECT.search(shown))
    if _BULK_QUERY in mutations and reads_customers:
        facts.bulk_exports += 1
    elif not mutations and reads_customers:
        facts.customer_reads += 1
    if reads_customers and len(facts.customer_ids) < 100:
        facts.customer_ids.extend(_CUSTOMER_GID.findall(shown)[:10])
