"""HTTP API entry point for Adobe I/O Events (GET challenge and POST deliveries on /webhooks/adobe-io)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common.observability import logger, tracer
from functions.ingest.adapters.http import answer, challenge_of, request_from, respond
from functions.ingest.domain import receive_io_event
from functions.ingest.wiring import ingest_deps


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    challenge = challenge_of(event)
    if challenge is not None:
        return respond(200, {"challenge": challenge})
    return answer(lambda: receive_io_event(request_from(event), ingest_deps(context)))
