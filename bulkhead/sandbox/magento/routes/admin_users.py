"""Companion module: admin user lock and unlock (core REST has no admin-user endpoints)."""

from typing import Any

from bulkhead.sandbox.http import Request, Response
from bulkhead.sandbox.magento.registry import BadRequest, no_such_entity, route
from bulkhead.sandbox.state import StoreState


def _user(state: StoreState, username: str) -> dict[str, Any]:
    """By username, or by numeric user id (what Commerce events name: `admin_user_id`)."""
    users = state.table("admin_users")
    found = users.get(username) or next((u for u in users.values() if str(u["user_id"]) == username), None)
    if found is None:
        raise no_such_entity("username", username)
    return found


@route("GET", "/V1/bulkhead/admin-users/{username}")
def get_admin_user(state: StoreState, _request: Request, params: dict[str, str]) -> Response:
    return Response(200, _user(state, params["username"]))


@route("POST", "/V1/bulkhead/admin-users/{username}/lock")
def lock_admin_user(state: StoreState, request: Request, params: dict[str, str]) -> Response:
    user = _user(state, params["username"])
    body = request.json() or {}
    if not isinstance(body, dict) or "lock_expires" not in body:
        raise BadRequest('"%fieldName" is required. Enter and try again.', {"fieldName": "lock_expires"})
    user["lock_expires"] = body["lock_expires"]
    user["is_active"] = False
    return Response(200, user)


@route("POST", "/V1/bulkhead/admin-users/{username}/unlock")
def unlock_admin_user(state: StoreState, request: Request, params: dict[str, str]) -> Response:
    user = _user(state, params["username"])
    body = request.json() or {}
    user["lock_expires"] = body.get("lock_expires")
    user["is_active"] = bool(body.get("is_active", True))
    return Response(200, user)
