"""The Shopify Admin GraphQL endpoint of a sandbox store.

POST /admin/api/{version}/graphql.json with `X-Shopify-Access-Token`. Answers as Shopify does:
`data`, `errors` and `extensions.cost` with `throttleStatus`; THROTTLED (HTTP 200) when the leaky
bucket lacks the query's cost; 401 for a bad token; 503/504 when faults are injected.
"""

import re
import time
from typing import Any

from bulkhead.sandbox.faults import Fault, FaultInjector
from bulkhead.sandbox.http import Request, Response
from bulkhead.sandbox.shopify.apps_model import AccessDenied, require_level_2
from bulkhead.sandbox.shopify.graphql import (
    Field,
    FragmentSpread,
    GraphQLSyntaxError,
    InlineFragment,
    Operation,
    Selection,
    parse,
    project,
    resolve,
)
from bulkhead.sandbox.shopify.registry import RegisteredOperation, load_operations
from bulkhead.sandbox.shopify.throttle import LeakyBucket
from bulkhead.sandbox.state import Call, StoreState

API_PATH = re.compile(r"^/admin/api/(?P<version>\d{4}-\d{2}|unstable)/graphql\.json$")
API_VERSION = "2026-10"


class ShopifyAdminApp:
    def __init__(self, state: StoreState, token: str, injector: FaultInjector, bucket: LeakyBucket) -> None:
        self.state = state
        self.token = token
        self.injector = injector
        self.bucket = bucket
        self.operations = load_operations()

    def __call__(self, request: Request) -> Response:
        if request.method != "POST" or not API_PATH.match(request.path):
            return Response(404, {"errors": "Not Found"})
        if request.headers.get("x-shopify-access-token") != self.token:
            self.state.record_call(Call("graphql", 401, "none", mutated=False))
            return Response(
                401, {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}
            )
        time.sleep(self.injector.faults.latency_seconds)
        try:
            body = request.json() or {}
            op = parse(str(body.get("query", "")))
        except (ValueError, GraphQLSyntaxError) as exc:
            return Response(
                200, {"errors": [{"message": f"Parse error: {exc}", "extensions": {"code": "PARSE_ERROR"}}]}
            )
        variables: dict[str, Any] = {**op.variable_defaults, **(body.get("variables") or {})}
        return self._execute(op, variables)

    def _execute(self, op: Operation, variables: dict[str, Any]) -> Response:
        roots: list[tuple[str, RegisteredOperation, dict[str, Any], Any]] = []
        for field in op.selections:
            if not isinstance(field, Field):
                continue
            registered = self.operations.get(field.name)
            if registered is None or registered.kind != op.kind:
                root = "Mutation" if op.kind == "mutation" else "QueryRoot"
                message = f"Field '{field.name}' doesn't exist on type '{root}'"
                return Response(200, {"errors": [{"message": message, "extensions": {"code": "undefinedField"}}]})
            roots.append((field.key, registered, resolve(field.arguments, variables), field))
        name = "+".join(r[1].name for r in roots) or "empty"
        cost = sum(r[1].cost_of(r[2]) for r in roots)
        fault = self.injector.draw()
        if fault is Fault.ERROR:
            self.state.record_call(Call(name, 503, fault.value, mutated=False))
            return Response(503, {"errors": "Service Unavailable"})
        allowed, status = self.bucket.take(cost)
        if fault is Fault.THROTTLE or not allowed:
            self.state.record_call(Call(name, 200, Fault.THROTTLE.value, mutated=False))
            return Response(200, self._throttled(cost, status.as_graphql()))
        data: dict[str, Any] = {}
        errors: list[dict[str, Any]] = []
        with self.state.lock:
            before = self.state.snapshot() if op.kind == "mutation" else None
            for key, registered, arguments, field in roots:
                try:
                    if registered.kind == "query":
                        require_level_2(self.state, field.name, _field_names(field.selections, op))
                    kept = self.state.snapshot() if registered.name in self.injector.faults.silently_dropped else None
                    data[key] = project(registered.handler(self.state, arguments), field.selections, op, variables)
                    if kept is not None:  # answered as done; the write is lost
                        self.state.collections = kept
                except AccessDenied as denied:
                    data[key] = None
                    errors.append(self._access_denied(denied, key))
            mutated = before is not None and before != self.state.collections
        if fault is Fault.LOST_RESPONSE:
            self.state.record_call(Call(name, 504, fault.value, mutated=mutated))
            return Response(504, {"errors": "Gateway Timeout"})
        self.state.record_call(Call(name, 200, fault.value, mutated=mutated))
        extensions = {
            "cost": {"requestedQueryCost": cost, "actualQueryCost": cost, "throttleStatus": status.as_graphql()}
        }
        return Response(200, {"data": data, **({"errors": errors} if errors else {}), "extensions": extensions})

    @staticmethod
    def _access_denied(denied: AccessDenied, key: str) -> dict[str, Any]:
        return {
            "message": str(denied),
            "extensions": {
                "code": "ACCESS_DENIED",
                "documentation": denied.page,
                "requiredAccess": f"`{denied.scope}` access scope.",
            },
            "path": [key],
        }

    @staticmethod
    def _throttled(cost: int, throttle_status: dict[str, float]) -> dict[str, Any]:
        return {
            "errors": [
                {
                    "message": "Throttled",
                    "extensions": {
                        "code": "THROTTLED",
                        "documentation": "https://shopify.dev/api/usage/rate-limits",
                    },
                }
            ],
            "extensions": {
                "cost": {"requestedQueryCost": cost, "actualQueryCost": None, "throttleStatus": throttle_status}
            },
        }


def _field_names(selections: tuple[Selection, ...], op: Operation) -> set[str]:
    """Every field name a selection set reads, through fragments, at any depth."""
    names: set[str] = set()
    for item in selections:
        selection = op.fragments[item.name] if isinstance(item, FragmentSpread) else item
        if isinstance(selection, Field):
            names.add(selection.name)
            names |= _field_names(selection.selections, op)
        elif isinstance(selection, InlineFragment):
            names |= _field_names(selection.selections, op)
    return names
