"""Steps RecordContained and RecordNotified -> response.domain.record_milestone."""

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common.observability import logger, tracer
from functions.common.wiring import utc_now
from functions.ledger.wiring import ledger
from functions.response.domain import record_milestone
from functions.response.models import MilestoneRequest


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@event_parser(model=MilestoneRequest)
def handler(event: MilestoneRequest, context: LambdaContext) -> dict[str, Any]:
    recorded = record_milestone(event, ledger(), utc_now())
    logger.info("milestone recorded", incident_id=recorded.incident_id, milestone=recorded.milestone)
    return recorded.model_dump(mode="json")
