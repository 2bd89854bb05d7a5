"""Step CloseResponse of statemachines/response.asl.json -> response.domain.close_response."""

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common.observability import logger, tracer
from functions.common.wiring import utc_now
from functions.ledger.wiring import ledger
from functions.response.domain import close_response
from functions.response.models import CloseRequest


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@event_parser(model=CloseRequest)
def handler(event: CloseRequest, context: LambdaContext) -> dict[str, Any]:
    result = close_response(event, ledger(), utc_now())
    logger.info("response closed", incident_id=result.incident_id, ledger_valid=result.ledger_valid)
    return result.model_dump(mode="json")
