"""Webhook subscriptions: `webhookSubscriptions`, `webhookSubscription`, create, update, delete."""

from datetime import UTC, datetime
from typing import Any

from bulkhead.sandbox.shopify.registry import connection, connection_cost, operation, user_error
from bulkhead.sandbox.state import StoreState


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def subscription(gid: str, topic: str, fields: dict[str, Any]) -> dict[str, Any]:
    uri = str(fields.get("uri") or fields.get("callbackUrl") or "")
    return {
        "__typename": "WebhookSubscription",
        "id": gid,
        "topic": topic,
        "uri": uri,
        "endpoint": {"__typename": "WebhookHttpEndpoint", "callbackUrl": uri},
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
    nodes = list(state.table("webhooks").values())
    if args.get("topics"):
        nodes = [n for n in nodes if n["topic"] in args["topics"]]
    if args.get("uri"):
        nodes = [n for n in nodes if n["uri"] == args["uri"]]
    return connection(nodes, args)


@operation("webhookSubscription", kind="query", cost=1)
def webhook_subscription(state: StoreState, args: dict[str, Any]) -> Any:
    return state.table("webhooks").get(str(args.get("id")))


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
    node = subscription(f"gid://shopify/WebhookSubscription/{state.next_id()}", str(args["topic"]), fields)
    for other in state.table("webhooks").values():
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
    node = state.table("webhooks").get(str(args.get("id")))
    if node is None:
        return {"webhookSubscription": None, "userErrors": [user_error(["id"], "Webhook subscription does not exist")]}
    fields = args.get("webhookSubscription") or {}
    updated = subscription(node["id"], node["topic"], {**node, **{k: v for k, v in fields.items() if v is not None}})
    updated["createdAt"] = node["createdAt"]
    state.table("webhooks")[node["id"]] = updated
    return {"webhookSubscription": updated, "userErrors": []}


@operation("webhookSubscriptionDelete")
def webhook_subscription_delete(state: StoreState, args: dict[str, Any]) -> Any:
    gid = str(args.get("id"))
    if state.table("webhooks").pop(gid, None) is None:
        return {
            "deletedWebhookSubscriptionId": None,
            "userErrors": [user_error(["id"], "Webhook subscription does not exist")],
        }
    return {"deletedWebhookSubscriptionId": gid, "userErrors": []}
