"""Webhook subscriptions: `webhookSubscriptions`, `webhookSubscription`, create, update, delete.

App-scoped as on Shopify (bulkhead/sandbox/shopify/apps_model.py): an app lists, reads, updates and
deletes only the subscriptions it created; another app's subscription "does not exist" for it.
"""

from datetime import UTC, datetime
from typing import Any

from bulkhead.sandbox.shopify.apps_model import BULKHEAD_APP, OWNER, caller, owned, visible
from bulkhead.sandbox.shopify.registry import connection, connection_cost, operation, user_error
from bulkhead.sandbox.state import Record, StoreState


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def subscription(gid: str, topic: str, fields: dict[str, Any], app: str = BULKHEAD_APP) -> dict[str, Any]:
    """A subscription record owned by `app`; an ARN or Pub/Sub address gets its own endpoint type."""
    uri = str(fields.get("uri") or fields.get("callbackUrl") or "")
    if uri.startswith("arn:aws:events:"):
        endpoint: dict[str, Any] = {"__typename": "WebhookEventBridgeEndpoint", "arn": uri}
    elif uri.startswith("pubsub://"):
        endpoint = {"__typename": "WebhookPubSubEndpoint", "pubSubProject": uri, "pubSubTopic": uri}
    else:
        endpoint = {"__typename": "WebhookHttpEndpoint", "callbackUrl": uri}
    return {
        OWNER: app,
        "__typename": "WebhookSubscription",
        "id": gid,
        "topic": topic,
        "uri": uri,
        "endpoint": endpoint,
        "format": fields.get("format") or "JSON",
        "includeFields": list(fields.get("includeFields") or []),
        "metafieldNamespaces": list(fields.get("metafieldNamespaces") or []),
        "filter": fields.get("filter") or "",
        "apiVersion": {"handle": "2026-10"},
        "createdAt": _now(),
        "updatedAt": _now(),
    }


@operation("webhookSubscriptions", kind="query", cost=connection_cost)
def webhook_subscriptions(state: StoreState, args: dict[str, Any]) -> Any:
    nodes = visible(state, "webhooks")
    if args.get("topics"):
        nodes = [n for n in nodes if n["topic"] in args["topics"]]
    if args.get("uri"):
        nodes = [n for n in nodes if n["uri"] == args["uri"]]
    return connection(nodes, args)


@operation("webhookSubscription", kind="query", cost=1)
def webhook_subscription(state: StoreState, args: dict[str, Any]) -> Any:
    return _own(state, str(args.get("id")))


def _own(state: StoreState, gid: str) -> Record | None:
    found = state.table("webhooks").get(gid)
    return found if found is not None and owned(state, found) else None


@operation("webhookSubscriptionCreate")
def webhook_subscription_create(state: StoreState, args: dict[str, Any]) -> Any:
    fields = args.get("webhookSubscription") or {}
    if not (fields.get("uri") or fields.get("callbackUrl")):
        return {
            "webhookSubscription": None,
            "userErrors": [user_error(["webhookSubscription", "uri"], "Address can't be blank")],
        }
    if not args.get("topic"):
        return {"webhookSubscription": None, "userErrors": [user_error(["topic"], "Topic can't be blank")]}
    node = subscription(
        f"gid://shopify/WebhookSubscription/{state.next_id()}", str(args["topic"]), fields, caller(state)
    )
    for other in visible(state, "webhooks"):
        if (other["topic"], other["uri"]) == (node["topic"], node["uri"]):
            return {
                "webhookSubscription": None,
                "userErrors": [
                    user_error(["webhookSubscription", "uri"], "Address for this topic has already been taken")
                ],
            }
    state.table("webhooks")[node["id"]] = node
    return {"webhookSubscription": node, "userErrors": []}


@operation("webhookSubscriptionUpdate")
def webhook_subscription_update(state: StoreState, args: dict[str, Any]) -> Any:
    node = _own(state, str(args.get("id")))
    if node is None:
        return {"webhookSubscription": None, "userErrors": [user_error(["id"], "Webhook subscription does not exist")]}
    fields = args.get("webhookSubscription") or {}
    updated = subscription(
        node["id"], node["topic"], {**node, **{k: v for k, v in fields.items() if v is not None}}, node[OWNER]
    )
    updated["createdAt"] = node["createdAt"]
    state.table("webhooks")[node["id"]] = updated
    return {"webhookSubscription": updated, "userErrors": []}


@operation("webhookSubscriptionDelete")
def webhook_subscription_delete(state: StoreState, args: dict[str, Any]) -> Any:
    gid = str(args.get("id"))
    if _own(state, gid) is None or state.table("webhooks").pop(gid, None) is None:
        return {
            "deletedWebhookSubscriptionId": None,
            "userErrors": [user_error(["id"], "Webhook subscription does not exist")],
        }
    return {"deletedWebhookSubscriptionId": gid, "userErrors": []}
