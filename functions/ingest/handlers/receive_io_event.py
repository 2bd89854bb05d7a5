"""HTTP API entry point for Adobe I/O Events (GET challenge and POST deliveries on /webhooks/adobe-io)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common.observability import logger, tracer
from functions.ingest.adapters.http import answer, request_from, respond
from functions.ingest.domain import receive_io_event
from functions.ingest.wiring import ingest_deps


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = answer(lambda: request_from(event), accepted=200)
    challenge = (event.get("queryStringParameters") or {}).get("challenge") if isinstance(event, dict) else None
    if request["statusCode"] == 200 and isinstance(challenge, str) and len(challenge) <= 256:
        # Registration: I/O Events confirms the endpoint by asking it to echo a challenge.
        return respond(200, {"challenge": challenge})
    return answer(lambda: receive_io_event(request_from(event), ingest_deps(context)))
