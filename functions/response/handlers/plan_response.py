"""Step PlanResponse of statemachines/response.asl.json -> response.domain.plan_response."""

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common.observability import logger, tracer
from functions.common.wiring import firm_config, utc_now
from functions.ledger.wiring import ledger
from functions.response.domain import plan_response
from functions.response.models import PlanRequest


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@event_parser(model=PlanRequest)
def handler(event: PlanRequest, context: LambdaContext) -> dict[str, Any]:
    result = plan_response(event, firm_config(), ledger(), utc_now())
    logger.info("response planned", actions=len(result.actions), approval_required=result.approval_required)
    return result.model_dump(mode="json")
