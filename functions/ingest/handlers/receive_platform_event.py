"""EventBridge entry point for Shopify's partner event source and GuardDuty, Macie and Security Hub findings.

A refused event is logged and returned (EventBridge must not redeliver it); a bus or store outage
raises, so EventBridge retries the delivery.
"""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common.observability import logger, tracer
from functions.ingest.domain import receive_platform_event
from functions.ingest.wiring import ingest_deps


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    receipt = receive_platform_event(event if isinstance(event, dict) else {}, ingest_deps(context))
    logger.info("platform event received", status=receipt.status, reason=receipt.reason)
    return receipt.model_dump(mode="json")
