"""HTTP API entry point for Shopify HTTPS webhooks (POST /webhooks/shopify): verify, dedupe, publish."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common.observability import logger, tracer
from functions.ingest.adapters.http import answer, request_from
from functions.ingest.domain import receive_shopify_webhook
from functions.ingest.wiring import ingest_deps


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return answer(lambda: receive_shopify_webhook(request_from(event), ingest_deps(context)))
