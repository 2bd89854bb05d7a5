"""Companion module: integration status (0 inactive, 1 active, as in Magento's integration table)."""

from typing import Any

from bulkhead.sandbox.http import Request, Response
from bulkhead.sandbox.magento.registry import BadRequest, no_such_entity, route
from bulkhead.sandbox.state import StoreState


def _integration(state: StoreState, integration_id: str) -> dict[str, Any]:
    found = state.table("integrations").get(integration_id)
    if found is None:
        raise no_such_entity("integrationId", integration_id)
    return found


@route("GET", "/V1/bulkhead/integrations/{integrationId}")
def get_integration(state: StoreState, _request: Request, params: dict[str, str]) -> Response:
    return Response(200, _integration(state, params["integrationId"]))


@route("PUT", "/V1/bulkhead/integrations/{integrationId}/status")
def set_integration_status(state: StoreState, request: Request, params: dict[str, str]) -> Response:
    integration = _integration(state, params["integrationId"])
    body = request.json() or {}
    if not isinstance(body, dict) or body.get("status") not in (0, 1):
        raise BadRequest('"%fieldName" must be 0 or 1.', {"fieldName": "status"})
    integration["status"] = body["status"]
    return Response(200, integration)
