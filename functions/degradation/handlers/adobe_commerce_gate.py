"""HTTP API: Adobe Commerce synchronous webhooks -> degradation.gates.answer_adobe_commerce.

Commerce reads the answer from a 200 response: `{"op": "success"}` lets the action continue,
`{"op": "exception", "message": ...}` stops it with the message. Refusals (bad signature, unknown
store) are 4xx, which Commerce treats as a failed hook: its `required` setting decides.
"""

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common.http import MalformedBody, raw_body
from functions.common.observability import logger, tracer
from functions.common.wiring import firm_config, secret
from functions.degradation.errors import GateRejected
from functions.degradation.gates import answer_adobe_commerce
from functions.degradation.metrics import emit_gate_answer
from functions.degradation.models import Hook
from functions.degradation.wiring import read_controls

app = APIGatewayHttpResolver()
PATHS = {hook: f"/gates/adobe-commerce/{hook.value.replace('_', '-')}" for hook in Hook}


def _body(event: dict[str, Any]) -> bytes:
    try:
        return raw_body(event)
    except MalformedBody as exc:
        raise GateRejected(400, str(exc)) from exc


def _answer(hook: Hook) -> Response[dict[str, str]]:
    event = app.current_event
    headers = {k.lower(): v for k, v in (event.headers or {}).items()}
    decision = answer_adobe_commerce(hook, headers, _body(event.raw_event), firm_config(), secret, read_controls)
    logger.info("gate answered", hook=hook.value, op=decision.answer.op, basis=decision.basis)
    emit_gate_answer(hook, decision)
    return Response(200, "application/json", decision.answer.wire())


@app.post(PATHS[Hook.ORDER_PLACEMENT])
def order_placement() -> Response[dict[str, str]]:
    return _answer(Hook.ORDER_PLACEMENT)


@app.post(PATHS[Hook.LOGIN])
def login() -> Response[dict[str, str]]:
    return _answer(Hook.LOGIN)


@app.post(PATHS[Hook.ACCOUNT_CHANGE])
def account_change() -> Response[dict[str, str]]:
    return _answer(Hook.ACCOUNT_CHANGE)


@app.exception_handler(GateRejected)  # type: ignore[untyped-decorator]
def rejected(exc: GateRejected) -> Response[dict[str, str]]:
    logger.warning("gate request rejected", status=exc.status, reason=exc.reason)
    return Response(exc.status, "application/json", {"error": exc.reason})


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
