"""Customer audience reads: `nodes`, `node`, `customerSegmentMembers`, and bulk operations.

`bulkOperationRunQuery` runs a `customers` export over the store's state: the operation is
RUNNING on the first `currentBulkOperation` poll and COMPLETED on the next, and its `url` serves
the JSONL result from a loopback download host (Shopify serves results from cloud storage, not
from the Admin API host). One bulk query per store at a time, as on Shopify.
"""

import json
import re
from typing import Any

from bulkhead.sandbox.bulk_files import publish
from bulkhead.sandbox.shopify.graphql import Field, GraphQLSyntaxError, parse, project
from bulkhead.sandbox.shopify.registry import connection, connection_cost, operation, user_error
from bulkhead.sandbox.state import StoreState

_TAG = re.compile(r"tag:\s*'?\"?([^'\"]+)'?\"?")


@operation("nodes", kind="query", cost=lambda args: 1 + len(args.get("ids") or []))
def nodes(state: StoreState, args: dict[str, Any]) -> Any:
    return [_node(state, str(gid)) for gid in args.get("ids") or []]


@operation("node", kind="query", cost=1)
def node(state: StoreState, args: dict[str, Any]) -> Any:
    return _node(state, str(args.get("id")))


@operation("customerSegmentMembers", kind="query", cost=connection_cost)
def customer_segment_members(state: StoreState, args: dict[str, Any]) -> Any:
    segment = str(args.get("segmentId") or "").rsplit("/", 1)[-1]
    members = [
        {"id": c["id"].replace("/Customer/", "/CustomerSegmentMember/")}
        for c in state.table("customers").values()
        if segment in [str(s) for s in c.get("segments", [])]
    ]
    return connection(members, args)


@operation("bulkOperationRunQuery", cost=10)
def bulk_operation_run_query(state: StoreState, args: dict[str, Any]) -> Any:
    operations = state.table("bulk_operations")
    if any(op["status"] in ("CREATED", "RUNNING") for op in operations.values()):
        message = "A bulk query operation for this app and shop is already in progress"
        return {"bulkOperation": None, "userErrors": [user_error(["query"], message)]}
    try:
        lines = _export(state, str(args.get("query") or ""))
    except (GraphQLSyntaxError, ValueError) as exc:
        return {"bulkOperation": None, "userErrors": [user_error(["query"], f"Invalid bulk query: {exc}")]}
    gid = f"gid://shopify/BulkOperation/{state.next_id()}"
    operations[gid] = {
        "__typename": "BulkOperation",
        "id": gid,
        "status": "CREATED",
        "type": "QUERY",
        "errorCode": None,
        "objectCount": str(len(lines)),
        "url": None,
        "_lines": lines,
    }
    return {"bulkOperation": _public(operations[gid]), "userErrors": []}


@operation("currentBulkOperation", kind="query", cost=1)
def current_bulk_operation(state: StoreState, _args: dict[str, Any]) -> Any:
    operations = state.table("bulk_operations")
    if not operations:
        return None
    current = list(operations.values())[-1]
    if current["status"] == "CREATED":
        current["status"] = "RUNNING"
    elif current["status"] == "RUNNING":
        current["status"] = "COMPLETED"
        body = "".join(json.dumps(line, separators=(",", ":")) + "\n" for line in current["_lines"])
        current["url"] = publish(body.encode()) if current["_lines"] else None
    return _public(current)


def _node(state: StoreState, gid: str) -> Any:
    if "/BulkOperation/" in gid:
        found = state.table("bulk_operations").get(gid)
        return _public(found) if found else None
    return state.table("customers").get(gid)


def _public(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k == "__typename" or not k.startswith("_")}


def _export(state: StoreState, query: str) -> list[dict[str, Any]]:
    """Run the bulk query's `customers` connection: one JSONL line per customer, selected fields only."""
    document = parse(query if query.lstrip().startswith(("query", "{")) else "{" + query + "}")
    root = next((f for f in document.selections if isinstance(f, Field) and f.name == "customers"), None)
    if root is None:
        raise ValueError("the sandbox exports only `customers`")
    filter_text = str(root.arguments.get("query") or "")
    customers = list(state.table("customers").values())
    if match := _TAG.search(filter_text):
        customers = [c for c in customers if match.group(1) in c.get("tags", [])]
    if filter_text.startswith("segment_id:"):
        segment = filter_text.removeprefix("segment_id:")
        customers = [c for c in customers if segment in [str(s) for s in c.get("segments", [])]]
    edges = next((f for f in root.selections if isinstance(f, Field) and f.name == "edges"), None)
    selections = edges.selections if edges else ()
    node_field = next((f for f in selections if isinstance(f, Field) and f.name == "node"), None)
    if node_field is None:
        raise ValueError("select customers { edges { node { ... } } }")
    return [project(c, node_field.selections, document, {}) for c in customers]
