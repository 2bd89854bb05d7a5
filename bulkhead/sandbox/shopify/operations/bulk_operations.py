"""Customer audience reads: `nodes`, `node`, `customerSegmentMembers`, and bulk operations.

`bulkOperationRunQuery` runs a `customers` export over the store's state: an operation is RUNNING
on the first poll of it (`bulkOperation(id:)`, `node(id:)`, or `currentBulkOperation` when it is
the app's most recent) and COMPLETED on the next, and its `url` serves the JSONL result from a
loopback download host (Shopify serves results from cloud storage, not from the Admin API host).

From API version 2026-01 an app may run up to five bulk query operations at once per shop; a sixth
is refused with the user error code `LIMIT_REACHED` ("Bulk operations limit reached. Please try
again later.": https://shopify.dev/docs/api/admin-graphql/latest/enums/BulkOperationUserErrorCode,
https://shopify.dev/docs/api/admin-graphql/latest/mutations/bulkOperationRunQuery and the bulk
operations guide it links). Bulk operations are the calling app's own: `currentBulkOperation` is
"the current app's most recent" one, which may be another export of the same app than the one a
caller waits for (https://shopify.dev/docs/api/admin-graphql/latest/queries/currentBulkOperation).

Customer search terms are the documented ones only (`tag:`, https://shopify.dev/docs/api/usage/search-syntax
and the `customers` query's `query` argument); an undocumented term such as `segment_id:` matches
no customer here, so a caller cannot come to rely on it.
"""

import json
import re
from typing import Any

from bulkhead.sandbox.bulk_files import publish
from bulkhead.sandbox.shopify.apps_model import LEVEL_2_FIELDS, OWNER, caller, owned, protected_level, visible
from bulkhead.sandbox.shopify.graphql import Field, GraphQLSyntaxError, parse, project
from bulkhead.sandbox.shopify.registry import connection, connection_cost, operation, user_error
from bulkhead.sandbox.state import Record, StoreState

MAX_CONCURRENT_BULK_QUERIES = 5  # API version 2026-01 and later, per app and shop
_ACTIVE = ("CREATED", "RUNNING")

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
    running = [op for op in visible(state, "bulk_operations") if op["status"] in _ACTIVE]
    if len(running) >= MAX_CONCURRENT_BULK_QUERIES:
        message = "Bulk operations limit reached. Please try again later."
        return {"bulkOperation": None, "userErrors": [user_error(None, message, "LIMIT_REACHED")]}
    try:
        lines = _export(state, str(args.get("query") or ""))
    except (GraphQLSyntaxError, ValueError) as exc:
        return {"bulkOperation": None, "userErrors": [user_error(["query"], f"Invalid bulk query: {exc}")]}
    gid = f"gid://shopify/BulkOperation/{state.next_id()}"
    # Without Level 2 protected customer data, an export of contact fields fails with ACCESS_DENIED.
    query_text = str(args.get("query") or "")
    denied = protected_level(state) < 2 and any(re.search(rf"\b{name}\b", query_text) for name in LEVEL_2_FIELDS)
    operations[gid] = {
        OWNER: caller(state),
        "__typename": "BulkOperation",
        "id": gid,
        "status": "FAILED" if denied else "CREATED",
        "type": "QUERY",
        "errorCode": "ACCESS_DENIED" if denied else None,
        "objectCount": str(len(lines)),
        "url": None,
        "_lines": lines,
    }
    return {"bulkOperation": _public(operations[gid]), "userErrors": []}


@operation("currentBulkOperation", kind="query", cost=1)
def current_bulk_operation(state: StoreState, _args: dict[str, Any]) -> Any:
    mine = visible(state, "bulk_operations")
    return _polled(mine[-1]) if mine else None


@operation("bulkOperation", kind="query", cost=1)
def bulk_operation(state: StoreState, args: dict[str, Any]) -> Any:
    return _node(state, str(args.get("id")))


def _polled(operation: Record) -> dict[str, Any]:
    """Each poll moves the operation on one step: CREATED -> RUNNING -> COMPLETED."""
    if operation["status"] == "CREATED":
        operation["status"] = "RUNNING"
    elif operation["status"] == "RUNNING":
        operation["status"] = "COMPLETED"
        body = "".join(json.dumps(line, separators=(",", ":")) + "\n" for line in operation["_lines"])
        operation["url"] = publish(body.encode()) if operation["_lines"] else None
    return _public(operation)


def _node(state: StoreState, gid: str) -> Any:
    if "/BulkOperation/" in gid:
        found = state.table("bulk_operations").get(gid)
        return _polled(found) if found and owned(state, found) else None
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
    elif filter_text:  # not a documented term the sandbox models: it matches nobody
        customers = []
    edges = next((f for f in root.selections if isinstance(f, Field) and f.name == "edges"), None)
    selections = edges.selections if edges else ()
    node_field = next((f for f in selections if isinstance(f, Field) and f.name == "node"), None)
    if node_field is None:
        raise ValueError("select customers { edges { node { ... } } }")
    return [project(c, node_field.selections, document, {}) for c in customers]
