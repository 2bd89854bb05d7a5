"""HTTP API entry point for Shopify Flow "Send HTTP request" (POST /webhooks/shopify-flow), token-checked."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common.observability import logger, tracer
from functions.ingest.adapters.http import answer, request_from
from functions.ingest.domain import receive_flow_request
from functions.ingest.wiring import ingest_deps


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return answer(lambda: receive_flow_request(request_from(event), ingest_deps(context)))
