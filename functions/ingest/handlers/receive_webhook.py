"""HTTP API entry point for platform webhooks: verify, normalise, publish, answer fast."""

import base64
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common.clients import client
from functions.common.observability import logger, tracer
from functions.common.settings import Env, env
from functions.common.wiring import firm_config, secret, utc_now
from functions.ingest.adapters.eventbridge import EventBridgeSignalBus
from functions.ingest.domain import receive_shopify_webhook
from functions.ingest.errors import Rejected

app = APIGatewayHttpResolver()


@app.post("/webhooks/shopify")
def shopify_webhook() -> Response[dict[str, str]]:
    event = app.current_event
    headers = {k.lower(): v for k, v in (event.headers or {}).items()}
    bus = EventBridgeSignalBus(client("events"), env(Env.EVENT_BUS))
    signal = receive_shopify_webhook(headers, raw_body(event.raw_event), firm_config(), secret, bus, utc_now())
    logger.info("signal accepted", signal_id=signal.signal_id, topic=signal.topic, store_id=signal.store_id)
    return Response(202, "application/json", {"signal_id": signal.signal_id})


@app.exception_handler(Rejected)  # type: ignore[untyped-decorator]
def rejected(exc: Rejected) -> Response[dict[str, str]]:
    logger.warning("delivery rejected", status=exc.status, reason=exc.reason)
    return Response(exc.status, "application/json", {"error": exc.reason})


def raw_body(event: dict[str, Any]) -> bytes:
    """The body exactly as the sender sent it: the signature covers these bytes."""
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        return base64.b64decode(body)
    return str(body).encode("utf-8")


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
