"""HTTP API entry point for Adobe I/O Events (GET challenge and POST deliveries on /webhooks/adobe-io)."""

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common.observability import logger, tracer
from functions.ingest.adapters.http import accepted, challenge_of, current_request, resolve, resolver
from functions.ingest.domain import receive_io_event
from functions.ingest.wiring import ingest_deps

app = resolver()
PATH = "/webhooks/adobe-io"


@app.get(PATH)
def challenge() -> Response[Any]:
    """Adobe I/O Events' registration check: the `challenge` echoed back."""
    echoed = challenge_of(app.current_event.raw_event)
    if echoed is None:
        return receive()  # the domain refuses it, as any other bad delivery
    return Response(200, "application/json", {"challenge": echoed})


@app.post(PATH)
def receive() -> Response[Any]:
    return accepted(receive_io_event(current_request(app), ingest_deps(app.lambda_context)))


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return resolve(app, event, context)
