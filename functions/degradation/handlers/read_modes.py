"""HTTP API: GET /degradation/modes?store=...&segment=... -> degradation.gates.read_modes.

For headless storefronts and account portals: authenticated with the store's bearer token, cheap
to poll (answers come from the gate cache), `Cache-Control: max-age` tells pollers how often.
"""

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common.observability import logger, tracer
from functions.common.wiring import firm_config, secret
from functions.degradation.errors import GateRejected
from functions.degradation.gates import read_modes
from functions.degradation.wiring import gate_cache, read_controls

app = APIGatewayHttpResolver()
PATH = "/degradation/modes"


@app.get(PATH)
def modes() -> Response[dict[str, Any]]:
    event = app.current_event
    query = event.query_string_parameters or {}
    headers = {k.lower(): v for k, v in (event.headers or {}).items()}
    view = read_modes(
        query.get("store", ""),
        query.get("segment") or None,
        headers.get("authorization", ""),
        firm_config(),
        secret,
        read_controls,
    )
    max_age = int(gate_cache().fresh_seconds)
    return Response(
        200, "application/json", view.model_dump(mode="json"), headers={"Cache-Control": f"private, max-age={max_age}"}
    )


@app.exception_handler(GateRejected)  # type: ignore[untyped-decorator]
def rejected(exc: GateRejected) -> Response[dict[str, str]]:
    logger.warning("modes request rejected", status=exc.status, reason=exc.reason)
    extra = {"Retry-After": "5"} if exc.status == 503 else {}
    return Response(exc.status, "application/json", {"error": exc.reason}, headers=extra)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
