"""Core customer routes and the companion module's customer-token routes."""

from datetime import UTC, datetime
from typing import Any

from bulkhead.sandbox.http import Request, Response
from bulkhead.sandbox.magento.registry import BadRequest, no_such_entity, route
from bulkhead.sandbox.state import StoreState

MAX_PAGE_SIZE = 300  # Magento's input limiting default for GET /V1/customers/search


def _customer(state: StoreState, customer_id: str) -> dict[str, Any]:
    found = state.table("customers").get(customer_id)
    if found is None:
        raise no_such_entity("customerId", customer_id)
    return found


@route("GET", "/V1/customers/{customerId}")
def get_customer(state: StoreState, _request: Request, params: dict[str, str]) -> Response:
    return Response(200, _customer(state, params["customerId"]))


def _criteria(query: dict[str, list[str]]) -> tuple[list[list[tuple[str, str, str]]], int, int]:
    """searchCriteria[filter_groups][g][filters][f][field|value|condition_type], pageSize, currentPage."""
    groups: dict[str, dict[str, dict[str, str]]] = {}
    for key, values in query.items():
        parts = key.replace("]", "").split("[")
        if parts[:2] == ["searchCriteria", "filter_groups"] and len(parts) == 6:
            groups.setdefault(parts[2], {}).setdefault(parts[4], {})[parts[5]] = values[0]
    raw_size = query.get("searchCriteria[pageSize]", ["20"])[0]
    if not raw_size.isdigit():  # Magento's positional-parameter shape: `parameters` is a list
        raise BadRequest(
            'The "%1" value\'s type is invalid. The "%2" type was expected. Verify and try again.', [raw_size, "int"]
        )
    page_size = int(raw_size)
    if page_size > MAX_PAGE_SIZE:
        raise BadRequest("Maximum SearchCriteria pageSize is %max", {"max": MAX_PAGE_SIZE})
    current = int(query.get("searchCriteria[currentPage]", ["1"])[0])
    filters = [
        [(f.get("field", ""), f.get("value", ""), f.get("condition_type", "eq")) for f in g.values()]
        for g in groups.values()
    ]
    return filters, page_size, current


def _matches(record: dict[str, Any], field: str, value: str, condition: str) -> bool:
    actual = str(record.get(field, ""))
    if condition == "in":
        return actual in value.split(",")
    if condition == "like":
        return value.strip("%").lower() in actual.lower()
    return actual == value


@route("GET", "/V1/customers/search")
def search_customers(state: StoreState, request: Request, _params: dict[str, str]) -> Response:
    groups, page_size, current = _criteria(request.query)
    # Filters within a group are OR, groups are AND.
    items = [
        c for c in state.table("customers").values() if all(any(_matches(c, *f) for f in group) for group in groups)
    ]
    page = items[(current - 1) * page_size : current * page_size]
    criteria = {"filter_groups": [], "page_size": page_size, "current_page": current}
    return Response(200, {"items": page, "search_criteria": criteria, "total_count": len(items)})


@route("GET", "/V1/bulkhead/customers/{customerId}/tokens")
def customer_tokens(state: StoreState, _request: Request, params: dict[str, str]) -> Response:
    customer = _customer(state, params["customerId"])
    return Response(
        200,
        {
            "customer_id": int(customer["id"]),
            "active_tokens": customer.get("active_tokens"),
            "revoked_at": customer.get("tokens_revoked_at"),
        },
    )


@route("POST", "/V1/bulkhead/customers/{customerId}/tokens/revoke")
def revoke_customer_tokens(state: StoreState, _request: Request, params: dict[str, str]) -> Response:
    customer = _customer(state, params["customerId"])
    revoked = customer.get("active_tokens")
    customer["active_tokens"] = 0 if revoked is not None else None  # JWT tokens cannot be counted
    customer["tokens_revoked_at"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
    return Response(
        200,
        {
            "customer_id": int(customer["id"]),
            "revoked": revoked,
            "active_tokens": customer["active_tokens"],
            "revoked_at": customer["tokens_revoked_at"],
        },
    )
