"""Companion module: payment method active flag per scope (core REST cannot switch one off)."""

from typing import Any

from bulkhead.sandbox.http import Request, Response
from bulkhead.sandbox.magento.registry import BadRequest, no_such_entity, route
from bulkhead.sandbox.state import StoreState


def _method(state: StoreState, code: str) -> dict[str, Any]:
    found = state.table("payment_methods").get(code)
    if found is None:
        raise no_such_entity("code", code)
    return found


@route("GET", "/V1/bulkhead/payment-methods/{code}")
def get_payment_method(state: StoreState, _request: Request, params: dict[str, str]) -> Response:
    return Response(200, _method(state, params["code"]))


@route("PUT", "/V1/bulkhead/payment-methods/{code}")
def set_payment_method(state: StoreState, request: Request, params: dict[str, str]) -> Response:
    method = _method(state, params["code"])
    body = request.json() or {}
    if not isinstance(body, dict) or not isinstance(body.get("active"), bool):
        raise BadRequest('"%fieldName" must be true or false.', {"fieldName": "active"})
    method["active"] = body["active"]
    return Response(200, method)
