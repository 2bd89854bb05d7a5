"""Customers and tags: `customer`, `customers`, `tagsAdd`, `tagsRemove`."""

from typing import Any

from bulkhead.sandbox.shopify.registry import connection, connection_cost, operation, user_error
from bulkhead.sandbox.state import StoreState


def _customer(state: StoreState, gid: str) -> dict[str, Any] | None:
    return state.table("customers").get(gid)


@operation("customer", kind="query", cost=1)
def customer(state: StoreState, args: dict[str, Any]) -> Any:
    return _customer(state, str(args.get("id")))


@operation("customers", kind="query", cost=connection_cost)
def customers(state: StoreState, args: dict[str, Any]) -> Any:
    nodes = list(state.table("customers").values())
    query = str(args.get("query") or "")
    if query.startswith("tag:"):
        wanted = query.removeprefix("tag:").strip("'\"")
        nodes = [n for n in nodes if wanted in n["tags"]]
    return connection(nodes, args)


def _tags(args: dict[str, Any]) -> list[str]:
    raw = args.get("tags") or []
    items = raw.split(",") if isinstance(raw, str) else raw
    return [str(t).strip() for t in items if str(t).strip()]


@operation("tagsAdd")
def tags_add(state: StoreState, args: dict[str, Any]) -> Any:
    node = _customer(state, str(args.get("id")))
    if node is None:
        return {"node": None, "userErrors": [user_error(["id"], "Node does not exist")]}
    node["tags"] = sorted({*node["tags"], *_tags(args)})
    return {"node": node, "userErrors": []}


@operation("tagsRemove")
def tags_remove(state: StoreState, args: dict[str, Any]) -> Any:
    node = _customer(state, str(args.get("id")))
    if node is None:
        return {"node": None, "userErrors": [user_error(["id"], "Node does not exist")]}
    removed = set(_tags(args))
    node["tags"] = [t for t in node["tags"] if t not in removed]
    return {"node": node, "userErrors": []}
