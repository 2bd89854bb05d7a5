"""HTTP API entry point for Shopify HTTPS webhooks (POST /webhooks/shopify): verify, dedupe, publish."""

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common.observability import logger, tracer
from functions.ingest.adapters.http import accepted, current_request, resolve, resolver
from functions.ingest.domain import receive_shopify_webhook
from functions.ingest.wiring import ingest_deps

app = resolver()
PATH = "/webhooks/shopify"


@app.post(PATH)
def receive() -> Response[Any]:
    return accepted(receive_shopify_webhook(current_request(app), ingest_deps(app.lambda_context)))


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return resolve(app, event, context)
