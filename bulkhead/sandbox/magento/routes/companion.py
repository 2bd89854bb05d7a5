"""Companion module status, `GET /V1/bulkhead/status` (docs/adobe-commerce-companion.md).

The record is a state toggle a test flips: `enabled: False` is `bin/magento module:disable
Bulkhead_Companion`, after which every `/V1/bulkhead/...` route answers 404 as an unknown route
does (a disabled module's webapi.xml is not loaded); a new `version` is a module update.
"""

from typing import Any

from bulkhead.sandbox.http import Request, Response
from bulkhead.sandbox.magento.registry import route
from bulkhead.sandbox.state import StoreState

COMPANION_PREFIX = "/V1/bulkhead/"
MODULE = "Bulkhead_Companion"
VERSION = "1.0.0"


def companion(state: StoreState) -> dict[str, Any]:
    with state.lock:
        return state.table("companion").setdefault("module", {"module": MODULE, "version": VERSION, "enabled": True})


def companion_enabled(state: StoreState) -> bool:
    return bool(companion(state)["enabled"])


@route("GET", "/V1/bulkhead/status")
def status(state: StoreState, _request: Request, _params: dict[str, str]) -> Response:
    return Response(200, dict(companion(state)))
