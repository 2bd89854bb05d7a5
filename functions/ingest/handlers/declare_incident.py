"""HTTP API entry point for operators' declarations (POST /incidents), Bearer-token authenticated."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common.observability import logger, tracer
from functions.ingest.adapters.http import answer, request_from
from functions.ingest.domain import declare_incident
from functions.ingest.wiring import ingest_deps


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return answer(lambda: declare_incident(request_from(event), ingest_deps(context)))
