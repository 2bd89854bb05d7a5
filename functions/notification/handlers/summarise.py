"""Step SummariseNotification -> notification.domain.summarise."""

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common.observability import logger, tracer
from functions.common.wiring import utc_now
from functions.ledger.wiring import ledger
from functions.notification import wiring
from functions.notification.domain import summarise
from functions.notification.models import SummariseRequest


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@event_parser(model=SummariseRequest)
def handler(event: SummariseRequest, context: LambdaContext) -> dict[str, Any]:
    result = summarise(event, wiring.records(), ledger(), utc_now())
    logger.info("notification summarised", incident_id=event.incident_id, planned=result.planned, sent=result.sent)
    return result.model_dump(mode="json")
