"""Step RecordFailure of statemachines/response.asl.json -> response.domain.record_step_failure."""

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common.observability import logger, tracer
from functions.common.wiring import utc_now
from functions.ledger.wiring import ledger
from functions.response.domain import record_step_failure
from functions.response.models import FailureRequest


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@event_parser(model=FailureRequest)
def handler(event: FailureRequest, context: LambdaContext) -> dict[str, Any]:
    result = record_step_failure(event, ledger(), utc_now())
    logger.warning("step failure recorded", incident_id=result.incident_id, step=result.step, error=result.error)
    return result.model_dump(mode="json")
