"""The registry of sandbox GraphQL operations, keyed by root field name.

Add an operation by dropping a module into `bulkhead/sandbox/shopify/operations/` that decorates
a function with `@operation("rootFieldName", cost=...)`; every module there is loaded on start.
The function receives the store's state and the resolved arguments and returns the field's value
as Shopify shapes it (the server keeps only the fields the caller selected).
"""

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from bulkhead.sandbox.shopify import operations
from bulkhead.sandbox.state import StoreState

Handler = Callable[[StoreState, dict[str, Any]], Any]
Cost = int | Callable[[dict[str, Any]], int]


@dataclass(frozen=True)
class RegisteredOperation:
    name: str
    kind: Literal["query", "mutation"]
    handler: Handler
    cost: Cost

    def cost_of(self, arguments: dict[str, Any]) -> int:
        return self.cost(arguments) if callable(self.cost) else self.cost


OPERATIONS: dict[str, RegisteredOperation] = {}


def operation(
    name: str, *, kind: Literal["query", "mutation"] = "mutation", cost: Cost = 10
) -> Callable[[Handler], Handler]:
    """Register a root field. Shopify charges 10 points per mutation, about 1 per object queried."""

    def register(handler: Handler) -> Handler:
        if name in OPERATIONS and OPERATIONS[name].handler is not handler:
            raise ValueError(f"sandbox GraphQL operation {name!r} is registered twice")
        OPERATIONS[name] = RegisteredOperation(name, kind, handler, cost)
        return handler

    return register


def connection_cost(arguments: dict[str, Any]) -> int:
    """A connection costs 2 plus one point per requested node (Shopify's calculated query cost)."""
    return 2 + int(arguments.get("first") or arguments.get("last") or 10)


def user_error(field: list[str] | None, message: str, code: str | None = None) -> dict[str, Any]:
    return {"field": field, "message": message, "code": code}


def connection(nodes: list[dict[str, Any]], arguments: dict[str, Any]) -> dict[str, Any]:
    """A Relay connection over `nodes`, honouring `first` and `after` (cursors are the node ids)."""
    after = arguments.get("after")
    ids = [n["id"] for n in nodes]
    start = ids.index(after) + 1 if after in ids else 0
    rest = nodes[start:]
    first = arguments.get("first")
    page = rest[: int(first)] if first is not None else rest
    return {
        "edges": [{"cursor": n["id"], "node": n} for n in page],
        "nodes": page,
        "pageInfo": {
            "hasNextPage": len(page) < len(rest),
            "hasPreviousPage": start > 0,
            "startCursor": page[0]["id"] if page else None,
            "endCursor": page[-1]["id"] if page else None,
        },
    }


def load_operations() -> dict[str, RegisteredOperation]:
    for module in pkgutil.iter_modules(operations.__path__):
        importlib.import_module(f"{operations.__name__}.{module.name}")
    return OPERATIONS
